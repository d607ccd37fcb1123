import * as tf from '@tensorflow/tfjs-core';
import { EncoderDecoderModel, Sequential, batchExamples, importLayersModel } from '@elbo/nn';
import type { ExampleBatch, LayerConfig, LoadedLayers } from '@elbo/nn';
import { checkKnownKeys, describeValue, inBatches, meanLoss, toFloatTensor } from '@elbo/prob';
import type { FitData, FitOptions, History, LikelihoodConfig, LikelihoodSpec, TensorInput } from '@elbo/prob';
import { toParts } from './options';
import type { AutoencoderOptions } from './options';

/**
 * What {@link Autoencoder.getConfig} returns and {@link Autoencoder.save} stores besides the weights.
 * @example
 * ```ts
 * ae.getConfig().likelihood; // { name: 'bernoulli', eventRank: 1 }
 * ```
 */
export interface AutoencoderConfig {
  /** The encoder's layer config (any registered layer kind of @elbo/nn). */
  encoder: LayerConfig;
  /** The decoder's layer config. */
  decoder: LayerConfig;
  /** The likelihood p(x | decoder output), with the learned sigma's current value. */
  likelihood: LikelihoodConfig;
}

/**
 * Options of the batched inference methods.
 * @example
 * ```ts
 * const z = ae.encode(x, { batchSize: 256 } satisfies BatchOptions);
 * ```
 */
export interface BatchOptions {
  /** Rows processed at once, bounding memory for large inputs. Default 1024. */
  batchSize?: number;
}

/**
 * What {@link Autoencoder.evaluate} returns (means over the examples).
 * @example
 * ```ts
 * const { loss, mse }: Evaluation = await ae.evaluate(xTest);
 * ```
 */
export interface Evaluation {
  /** Negative log-likelihood per example, nats (the training loss). */
  loss: number;
  /** Squared error of the reconstruction (the likelihood's mean), per pixel. */
  mse: number;
}

/**
 * A batch of examples: a [batch, ...itemShape] tensor, or an object holding one as `images` (as `npyBatches` from @elbo/datasets/node yields) or `x`.
 * @example
 * ```ts
 * const batch: AutoencoderBatch = { images: tf.zeros([128, 784]) };
 * ```
 */
export type AutoencoderBatch = ExampleBatch;

/**
 * Where {@link Autoencoder.fromLayers} reads two TF.js Layers models from, and the likelihood to put on top.
 * @example
 * ```ts
 * const options: FromLayersOptions = { encoder: 'file:///models/enc', decoder: 'file:///models/dec', likelihood: 'bernoulli' };
 * ```
 */
export interface FromLayersOptions {
  encoder: string | tf.io.IOHandler;
  decoder: string | tf.io.IOHandler;
  /** Default `'bernoulli'`. */
  likelihood?: LikelihoodSpec;
  /** @deprecated use `likelihood: { name: 'gaussian', sigma }`. */
  scale?: number;
}

const FORMAT = 'elbo/autoencoder';
const DEFAULT_BATCH = 1024;
const RESERVED = ['data', 'loss', 'variables'];

const examples = (batch: AutoencoderBatch): tf.Tensor => batchExamples(batch, 'Autoencoder');

/** The checked batch size of the inference methods. */
function batchSizeOf(options: BatchOptions, caller: string): number {
  checkKnownKeys(options, ['batchSize'], caller);
  return options.batchSize ?? DEFAULT_BATCH;
}

/**
 * A deterministic autoencoder: `z = encoder(x)`, and `decoder(z)` parameterizes
 * a likelihood over each item (a Bernoulli, continuous Bernoulli or Gaussian per
 * pixel, from @elbo/prob) whose negative log-likelihood is the loss.
 *
 * ```
 * loss(x) = mean_n  -log p(x_n | decoder(encoder(x_n)))        (summed over the item's axes; nats per example)
 * bernoulli on logits l:  -log p(x | l) = sum_i softplus(l_i) - x_i l_i   (binary cross-entropy)
 * ```
 *
 * The encoder and the decoder are any layers of @elbo/nn (`mlp(...)`, `sequential([...])`);
 * the model owns them from construction on and frees them in {@link Autoencoder.dispose}.
 * @example
 * ```ts
 * const ae = new Autoencoder({ encoder: mlp([784, 400, 20]), decoder: mlp([20, 400, 784]), likelihood: 'bernoulli' });
 * await ae.fit(xTrain, { epochs: 10, batchSize: 128, validationData: xTest });
 * const { loss } = await ae.evaluate(xTest); // nats per image
 * ```
 */
export class Autoencoder extends EncoderDecoderModel {
  /**
   * @param options - encoder, decoder and likelihood (see {@link AutoencoderOptions}).
   * @throws naming the option, what it must be and what came, before anything is made.
   */
  constructor(options: AutoencoderOptions) {
    super(toParts(options), 'Autoencoder');
  }

  /**
   * Negative log-likelihood of each example (summed over the item's axes), nats.
   * @param x - shape [batch, ...itemShape].
   * @returns shape [batch]; the caller disposes it.
   * @example
   * ```ts
   * ae.negLogLikelihood(tf.zeros([4, 784])).shape; // [4]
   * ```
   */
  negLogLikelihood(x: TensorInput): tf.Tensor1D {
    const t = this.toLikelihoodData(x, 'x', 'negLogLikelihood');
    try {
      return this.negLogLikelihoodOf(t);
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /** -log p(x | decoder(encoder(x))) per example of checked data (the training loss reads no value back). */
  private negLogLikelihoodOf(x: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => tf.neg(this.likelihood.logProb(x, this.decoder.apply(this.encoder.apply(x)))) as tf.Tensor1D);
  }

  /**
   * The training loss: the mean over the batch of {@link Autoencoder.negLogLikelihood}.
   * @param x - shape [batch, ...itemShape].
   * @returns a scalar (nats per example); the caller disposes it.
   * @example
   * ```ts
   * const grads = tf.variableGrads(() => ae.loss(x));
   * ```
   */
  loss(x: TensorInput): tf.Scalar {
    const t = this.toData(x, 'x', 'loss');
    try {
      return tf.tidy(() => tf.mean(this.negLogLikelihoodOf(t)) as tf.Scalar);
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /**
   * Trains every variable of the model with prob's `fit` (Adam 1e-3 by default, one epoch
   * unless told): `data` is a [n, ...itemShape] tensor cut into seeded shuffled batches, or
   * batches (an array, a (async) iterable, or `epoch => iterable`) of tensors or `{ images }` / `{ x }`.
   * Tensor data is checked (shape, and values in [0, 1] for the Bernoulli kinds) before the first step.
   * @param options - see `FitOptions` of @elbo/prob.
   * @returns the history (`loss`, and `valLoss` with validationData).
   * @example
   * ```ts
   * const history = await ae.fit(xTrain, { epochs: 10, batchSize: 128, seed: 0, validationData: xTest });
   * history.history.valLoss;
   * ```
   */
  async fit(data: FitData<AutoencoderBatch>, options: FitOptions<AutoencoderBatch> = {}): Promise<History> {
    if (options == null || typeof options !== 'object')
      throw new TypeError(`Autoencoder.fit: options must be an object, got ${describeValue(options)}`);
    const reserved = RESERVED.find((key) => key in options);
    if (reserved != null)
      throw new Error(
        `Autoencoder.fit: options.${reserved} is set by the model; pass the data as the first argument and the rest as options`,
      );
    return this.train({ ...options, data, loss: (b) => this.loss(examples(b)) });
  }

  /**
   * The codes z = encoder(x), computed `batchSize` rows at a time.
   * @param x - shape [n, ...itemShape].
   * @returns shape [n, ...codeShape] (e.g. [n, latent]); the caller disposes it.
   * @example
   * ```ts
   * const z = ae.encode(xTest); // [n, 20]
   * ```
   */
  encode(x: TensorInput, options: BatchOptions = {}): tf.Tensor {
    return this.batched(x, batchSizeOf(options, 'Autoencoder.encode'), 'encode', (b) => this.encoder.apply(b));
  }

  /**
   * The reconstruction (the likelihood's mean) of codes z, `batchSize` rows at a time.
   * @param z - shape [n, ...codeShape].
   * @returns shape [n, ...itemShape]; the caller disposes it.
   * @example
   * ```ts
   * const images = ae.decode(ae.encode(x)); // probabilities under a Bernoulli likelihood
   * ```
   */
  decode(z: TensorInput, options: BatchOptions = {}): tf.Tensor {
    const caller = 'Autoencoder.decode';
    const batchSize = batchSizeOf(options, caller);
    const codeShape = this.decoder instanceof Sequential ? this.decoder.inputShape : undefined;
    const t = toFloatTensor(z, 'z', caller, codeShape == null ? { rank: [2, 3, 4, 5] } : { itemShape: codeShape });
    try {
      return inBatches(t, batchSize, (b) => this.likelihood.mean(this.decoder.apply(b)), caller);
    } finally {
      if (t !== z) t.dispose();
    }
  }

  /**
   * decode(encode(x)), `batchSize` rows at a time.
   * @param x - shape [n, ...itemShape].
   * @returns shape [n, ...itemShape]; the caller disposes it.
   * @example
   * ```ts
   * const xHat = ae.reconstruct(xTest, { batchSize: 256 });
   * ```
   */
  reconstruct(x: TensorInput, options: BatchOptions = {}): tf.Tensor {
    return this.batched(x, batchSizeOf(options, 'Autoencoder.reconstruct'), 'reconstruct', (b) =>
      this.likelihood.mean(this.decoder.apply(this.encoder.apply(b))),
    );
  }

  /**
   * Mean loss (nats per example) and reconstruction MSE (per pixel) over the data, in batches
   * (prob's `meanLoss`: example-weighted, no gradients).
   * @param data - a [n, ...itemShape] tensor or batches, as {@link Autoencoder.fit} takes.
   * @example
   * ```ts
   * const { loss, mse } = await ae.evaluate(npyBatches('/data/test.npy', { batchSize: 256, shuffle: false }));
   * ```
   */
  async evaluate(data: FitData<AutoencoderBatch>, options: BatchOptions = {}): Promise<Evaluation> {
    const batchSize = batchSizeOf(options, 'Autoencoder.evaluate');
    this.checkFitData(data, undefined, 'evaluate');
    const means = await meanLoss<AutoencoderBatch>(
      (b) => {
        const x = examples(b);
        const out = this.decoder.apply(this.encoder.apply(x));
        const mse = tf.mean(tf.square(tf.sub(this.likelihood.mean(out), x)));
        return { loss: tf.neg(tf.mean(this.likelihood.logProb(x, out))), metrics: { mse } };
      },
      this.checkedStream(data, 'data', 'evaluate'),
      { batchSize },
    );
    return { loss: means.loss!, mse: means.mse! };
  }

  /**
   * The layer configs of both parts and the likelihood's config (plain JSON).
   * @example
   * ```ts
   * ae.getConfig().encoder.kind; // 'Sequential'
   * ```
   */
  getConfig(): AutoencoderConfig {
    return { encoder: this.encoder.getConfig(), decoder: this.decoder.getConfig(), likelihood: this.likelihood.getConfig() };
  }

  /**
   * Saves both parts (any layer kinds), their weights and the likelihood as one record of
   * format `'elbo/autoencoder'` through a tfjs IO handler: `file://dir` in Node (after
   * selectBackend() from @elbo/backend-node), `indexeddb://name`, `localstorage://name`,
   * `downloads://name` in browsers, or a handler.
   * @example
   * ```ts
   * await ae.save('file:///models/ae');
   * ```
   */
  async save(url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    return this.saveRecord(url, FORMAT, {});
  }

  /**
   * Loads what {@link Autoencoder.save} wrote, including the records of @elbo/autoencoder
   * before @elbo/nn (MLP configs and a `scale`). A truncated or mismatched file throws and loads nothing.
   * @example
   * ```ts
   * const ae = await Autoencoder.load('file:///models/ae');
   * ```
   */
  static async load(url: string | tf.io.IOHandler): Promise<Autoencoder> {
    return EncoderDecoderModel.loadRecord(url, FORMAT, 'Autoencoder.load', ({ parts, config, weights }: LoadedLayers) => {
      const likelihood = EncoderDecoderModel.likelihoodFromRecord(config, weights);
      return new Autoencoder({ encoder: parts.encoder!, decoder: parts.decoder!, likelihood });
    });
  }

  /**
   * Builds an autoencoder from two TF.js Layers models (as {@link EncoderDecoderModel.exportLayers}
   * writes, or trained in Keras: Sequentials of Dense layers).
   * @example
   * ```ts
   * const ae = await Autoencoder.fromLayers({ encoder: 'file:///models/enc', decoder: 'file:///models/dec', likelihood: 'bernoulli' });
   * ```
   */
  static async fromLayers(options: FromLayersOptions): Promise<Autoencoder> {
    if (options == null || typeof options !== 'object')
      throw new TypeError(`Autoencoder.fromLayers: options must be { encoder, decoder, likelihood? }, got ${describeValue(options)}`);
    checkKnownKeys(options, ['encoder', 'decoder', 'likelihood', 'scale'], 'Autoencoder.fromLayers');
    const { likelihood, scale } = options;
    const encoder = await importLayersModel(options.encoder);
    let decoder: Sequential | null = null;
    try {
      decoder = await importLayersModel(options.decoder);
      const parts: AutoencoderOptions = { encoder, decoder };
      if (likelihood !== undefined) parts.likelihood = likelihood;
      if (scale !== undefined) parts.scale = scale;
      return new Autoencoder(parts);
    } catch (error) {
      encoder.dispose();
      decoder?.dispose();
      throw error;
    }
  }
}
