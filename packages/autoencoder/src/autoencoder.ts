import * as tf from '@tensorflow/tfjs-core';
import { fitModel } from './fit-model';
import type { History, TrainOptions } from './fit-model';
import { checkBatchSize, checkData, inBatches } from './batches';
import type { FitData } from './batches';
import { meanLoss } from './loss-output';
import { checkDataInSupport, checkDecoderOutput, checkLikelihood, checkScale, likelihoodMean, negLogLikelihood } from './likelihood';
import type { Likelihood } from './likelihood';
import { Mlp } from './mlp';
import type { MlpConfig, Module } from './mlp';
import { loadEncoderDecoder, prefixWeights, saveModelRecord } from './serialization';
import { exportLayersModel, importLayersModel } from './layers-model';

/**
 * Constructor options of {@link Autoencoder}.
 * @example
 * ```ts
 * const options: AutoencoderOptions = { encoder: mlp([784, 32]), decoder: mlp([32, 784]), likelihood: 'bernoulli' };
 * ```
 */
export interface AutoencoderOptions {
  /** x [batch, D] -> code z [batch, latent]. */
  encoder: Module;
  /** z -> the likelihood's parameter per pixel: logits ('bernoulli', 'continuous-bernoulli') or the mean ('gaussian'). */
  decoder: Module;
  /** p(x | z) per pixel. Default `'bernoulli'`. */
  likelihood?: Likelihood;
  /** Standard deviation of the 'gaussian' likelihood. Default 1. */
  scale?: number;
}

/**
 * What {@link Autoencoder.save} stores besides the weights.
 * @example
 * ```ts
 * ae.getConfig().encoder.sizes; // [784, 400, 20]
 * ```
 */
export interface AutoencoderConfig {
  encoder: MlpConfig;
  decoder: MlpConfig;
  likelihood: Likelihood;
  scale: number;
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
 * A batch of examples: a [batch, D] tensor, or an object holding one as `images` (as `npyBatches` from @elbo/datasets/node yields) or `x`.
 * @example
 * ```ts
 * const batch: AutoencoderBatch = { images: tf.zeros([128, 784]) };
 * ```
 */
export type AutoencoderBatch = tf.Tensor | { images: tf.Tensor } | { x: tf.Tensor };

const FORMAT = 'elbo/autoencoder';

/** The [batch, D] tensor of a batch. */
function examples(batch: AutoencoderBatch): tf.Tensor {
  if (batch instanceof tf.Tensor) return batch;
  const t = (batch as { images?: unknown }).images ?? (batch as { x?: unknown }).x;
  if (!(t instanceof tf.Tensor)) throw new TypeError('Autoencoder: a batch must be a tensor or an object with an `images` or `x` tensor');
  return t;
}

/**
 * A deterministic autoencoder: `z = encoder(x)`, and `decoder(z)` parameterizes
 * a per-pixel likelihood whose negative log-likelihood is the loss.
 *
 * ```
 * loss(x) = mean_n  -log p(x_n | decoder(encoder(x_n)))        (summed over pixels; nats per example)
 * bernoulli on logits l:  -log p(x | l) = sum_i softplus(l_i) - x_i l_i   (binary cross-entropy)
 * ```
 *
 * @example
 * ```ts
 * const ae = new Autoencoder({ encoder: mlp([784, 400, 20]), decoder: mlp([20, 400, 784]) });
 * await ae.fit(xTrain, { epochs: 10, batchSize: 128, validationData: xTest });
 * const { loss } = await ae.evaluate(xTest); // nats per image
 * ```
 */
export class Autoencoder {
  readonly encoder: Module;
  readonly decoder: Module;
  readonly likelihood: Likelihood;
  readonly scale: number;

  constructor(options: AutoencoderOptions) {
    const { encoder, decoder, likelihood = 'bernoulli', scale = 1 } = options ?? ({} as AutoencoderOptions);
    for (const [name, m] of [['encoder', encoder], ['decoder', decoder]] as const) {
      if (m == null || typeof m.apply !== 'function' || !Array.isArray(m.trainableVariables)) {
        throw new TypeError(`Autoencoder: ${name} must be a module with apply() and trainableVariables (e.g. mlp([...])), got ${typeof m}`);
      }
    }
    checkLikelihood(likelihood, 'Autoencoder');
    checkScale(scale, 'Autoencoder');
    if (encoder instanceof Mlp && decoder instanceof Mlp) {
      if (encoder.outputDim !== decoder.inputDim) {
        throw new Error(`Autoencoder: the decoder must take the encoder's ${encoder.outputDim} outputs, but its input width is ${decoder.inputDim}`);
      }
      if (decoder.outputDim !== encoder.inputDim) {
        throw new Error(`Autoencoder: the decoder must output the encoder's ${encoder.inputDim} inputs, but it outputs ${decoder.outputDim}`);
      }
      checkDecoderOutput(likelihood, decoder, 'Autoencoder');
    }
    this.encoder = encoder;
    this.decoder = decoder;
    this.likelihood = likelihood;
    this.scale = scale;
  }

  /** Encoder then decoder variables. */
  get trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables, ...this.decoder.trainableVariables];
  }

  /**
   * Negative log-likelihood of each example (summed over pixels), nats.
   * @param x - shape [batch, D]. @returns shape [batch].
   */
  negLogLikelihood(x: tf.Tensor): tf.Tensor1D {
    return tf.tidy(() => negLogLikelihood(this.likelihood, this.decoder.apply(this.encoder.apply(x)), x, this.scale));
  }

  /** The training loss: mean over the batch of {@link Autoencoder.negLogLikelihood}. @returns a scalar. */
  loss(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.mean(this.negLogLikelihood(x)) as tf.Scalar);
  }

  /**
   * Trains on `data` with {@link fitModel} (Adam 1e-3 by default): a [n, D] tensor cut into seeded
   * shuffled batches, or (async) iterables of [batch, D] tensors. See {@link TrainOptions}.
   * @returns the history (`loss`, and `valLoss` with validationData).
   */
  async fit(data: FitData<AutoencoderBatch>, options: TrainOptions<AutoencoderBatch> = {}): Promise<History> {
    this.checkX(data, 'fit: data');
    if (options.validationData != null) this.checkX(options.validationData, 'fit: validationData');
    return fitModel<AutoencoderBatch>({ ...options, data, lossFn: (b) => this.loss(examples(b)), variables: this.trainableVariables });
  }

  /** The codes z = encoder(x), computed batchSize rows at a time. @param x [n, D] @returns [n, latent] */
  encode(x: tf.Tensor | number[][], options: BatchOptions = {}): tf.Tensor2D {
    return inBatches(x, options, 'encode', (b) => this.encoder.apply(b));
  }

  /** The reconstruction (the likelihood's mean) of codes z. @param z [n, latent] @returns [n, D] */
  decode(z: tf.Tensor | number[][], options: BatchOptions = {}): tf.Tensor2D {
    return inBatches(z, options, 'decode', (b) => likelihoodMean(this.likelihood, this.decoder.apply(b)));
  }

  /** decode(encode(x)), in batches. @param x [n, D] @returns [n, D] */
  reconstruct(x: tf.Tensor | number[][], options: BatchOptions = {}): tf.Tensor2D {
    return inBatches(x, options, 'reconstruct', (b) => likelihoodMean(this.likelihood, this.decoder.apply(this.encoder.apply(b))));
  }

  /**
   * Mean loss (nats per example) and reconstruction MSE (per pixel) over the data, in batches.
   * @param data - [n, D] tensor or (async) iterable of batches.
   */
  async evaluate(data: FitData<AutoencoderBatch>, options: BatchOptions = {}): Promise<Evaluation> {
    this.checkX(data, 'evaluate: data');
    const batchSize = checkBatchSize(options.batchSize ?? 1024, 'evaluate');
    const means = await meanLoss<AutoencoderBatch>(
      (b) => {
        const x = examples(b);
        const out = this.decoder.apply(this.encoder.apply(x));
        const mse = tf.mean(tf.square(tf.sub(likelihoodMean(this.likelihood, out), x)));
        return { loss: tf.mean(negLogLikelihood(this.likelihood, out, x, this.scale)), metrics: { mse } };
      },
      data,
      { batchSize, shuffle: false, seed: 0 },
    );
    return { loss: means.loss!, mse: means.mse! };
  }

  /** Config of both networks and the likelihood (needs {@link Mlp} encoder and decoder). */
  getConfig(): AutoencoderConfig {
    const { encoder, decoder } = this.mlps('getConfig');
    return { encoder: encoder.getConfig(), decoder: decoder.getConfig(), likelihood: this.likelihood, scale: this.scale };
  }

  /**
   * Saves config and weights through a tfjs IO handler: `file://dir` in Node (after selectBackend()
   * from @elbo/backend-node), `indexeddb://name`, `localstorage://name`, `downloads://name` in browsers.
   */
  async save(url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    const { encoder, decoder } = this.mlps('save');
    const parts = [encoder.getWeights(), decoder.getWeights()] as const;
    try {
      const weights = { ...prefixWeights(parts[0], 'encoder'), ...prefixWeights(parts[1], 'decoder') };
      return await saveModelRecord(url, FORMAT, { config: this.getConfig(), weights });
    } finally {
      tf.dispose([...Object.values(parts[0]), ...Object.values(parts[1])]);
    }
  }

  /** Loads what {@link Autoencoder.save} wrote; a truncated or mismatched file throws and loads nothing. */
  static async load(url: string | tf.io.IOHandler): Promise<Autoencoder> {
    return loadEncoderDecoder<AutoencoderConfig, Autoencoder>(
      url,
      FORMAT,
      'Autoencoder.load',
      ({ encoder, decoder }, { config }) => new Autoencoder({ encoder, decoder, likelihood: config.likelihood, scale: config.scale }),
    );
  }

  /** Saves encoder and decoder as two TF.js Layers models (Sequential of Dense) for tfjs-layers and Keras. */
  async exportLayers(urls: { encoder: string | tf.io.IOHandler; decoder: string | tf.io.IOHandler }): Promise<void> {
    const { encoder, decoder } = this.mlps('exportLayers');
    await exportLayersModel(encoder, urls.encoder, 'encoder');
    await exportLayersModel(decoder, urls.decoder, 'decoder');
  }

  /** Builds an autoencoder from two TF.js Layers models (as {@link Autoencoder.exportLayers} writes, or trained in Keras). */
  static async fromLayers(urls: { encoder: string | tf.io.IOHandler; decoder: string | tf.io.IOHandler; likelihood?: Likelihood; scale?: number }): Promise<Autoencoder> {
    const encoder = await importLayersModel(urls.encoder);
    let decoder: Mlp | null = null;
    try {
      decoder = await importLayersModel(urls.decoder);
      const options: AutoencoderOptions = { encoder, decoder };
      if (urls.likelihood != null) options.likelihood = urls.likelihood;
      if (urls.scale != null) options.scale = urls.scale;
      return new Autoencoder(options);
    } catch (error) {
      encoder.dispose();
      decoder?.dispose();
      throw error;
    }
  }

  /** Frees both networks' variables. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }

  private mlps(what: string): { encoder: Mlp; decoder: Mlp } {
    if (!(this.encoder instanceof Mlp) || !(this.decoder instanceof Mlp)) {
      throw new Error(`Autoencoder.${what}: needs an encoder and a decoder made by mlp() (custom modules have no config to store)`);
    }
    return { encoder: this.encoder, decoder: this.decoder };
  }

  /** For tensor data: shape [n, D] with D the encoder's input width; for likelihoods on [0, 1], values in range. */
  private checkX(data: unknown, name: string): void {
    checkData(data, name);
    if (!(data instanceof tf.Tensor)) return;
    const width = this.encoder instanceof Mlp ? this.encoder.inputDim : data.shape[1];
    if (data.rank !== 2 || data.shape[1] !== width) throw new Error(`${name} must have shape [n, ${width}], got [${data.shape.join(', ')}]`);
    checkDataInSupport(this.likelihood, data, name);
  }
}
