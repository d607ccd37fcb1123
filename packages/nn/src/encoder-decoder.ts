import * as tf from '@tensorflow/tfjs-core';
import { Likelihood, describeValue, fit, inBatches, toFloatTensor } from '@elbo/prob';
import type { FitArgs, FitData, History, LikelihoodSpec, TensorInput } from '@elbo/prob';
import { Layer } from './layer';
import { lastActivation } from './last-activation';
import { exportLayersModel } from './layers-model';
import { loadLayers, saveLayers } from './record';
import type { LoadedLayers } from './record';
import { Sequential } from './sequential';
import { checkingFirstBatchNow, checkingStreamedBatches, isStream } from './streamed-batch-check';

/**
 * What every encoder-decoder model is made of.
 * @example
 * ```ts
 * const parts: EncoderDecoderParts = { encoder: mlp([784, 400, 20]), decoder: mlp([20, 400, 784]), likelihood: 'bernoulli' };
 * ```
 */
export interface EncoderDecoderParts {
  /** x [n, ...itemShape] -> the code (or the code's distribution parameters). */
  encoder: Layer;
  /** code -> the likelihood's parameters per pixel: logits (Bernoulli kinds) or the mean (Gaussian). */
  decoder: Layer;
  /** p(x | decoder output): a spec (its event axes are the item's axes) or a {@link Likelihood} the model then owns. Default `'bernoulli'`. */
  likelihood?: LikelihoodSpec | Likelihood;
}

/**
 * Where the two TF.js Layers models of {@link EncoderDecoderModel.exportLayers} go.
 * @example
 * ```ts
 * const urls: LayersExportUrls = { encoder: 'file:///tmp/encoder', decoder: 'file:///tmp/decoder' };
 * ```
 */
export interface LayersExportUrls {
  encoder: string | tf.io.IOHandler;
  decoder: string | tf.io.IOHandler;
}

/**
 * The base the autoencoder and the VAE stand on (siblings: neither imports
 * the other): an encoder and a decoder layer, a likelihood p(x | decoder
 * output), and what every such model does the same way — the checks when it
 * is built, data checks before the first step, training through prob's `fit`,
 * batched inference, save/load of the whole model through one record, the
 * TF.js Layers export, and `dispose`. Subclasses write the objective.
 *
 * Checks when built: encoder and decoder are layers; a Bernoulli-kind
 * likelihood reads logits, so the decoder must not end in a squashing
 * activation; where the encoder declares its input shape and the decoder its
 * output shape, the decoder gives back the input's shape.
 * @example
 * ```ts
 * class MyModel extends EncoderDecoderModel {
 *   constructor(parts: EncoderDecoderParts) { super(parts, 'MyModel'); }
 * }
 * ```
 */
export abstract class EncoderDecoderModel {
  readonly encoder: Layer;
  readonly decoder: Layer;
  readonly likelihood: Likelihood;
  /** Item shape of the data (no batch axis) when the encoder declares it: `[784]`, `[28, 28, 1]`. */
  readonly inputShape: readonly number[] | undefined;
  /** The model's name in messages, e.g. `'VAE'`. */
  protected readonly modelName: string;

  /**
   * Checks and takes the parts (the model owns them from here on; the likelihood it made or was given).
   * Nothing is disposed when a check throws: the caller's layers stay the caller's.
   */
  protected constructor(parts: EncoderDecoderParts, modelName: string) {
    if (parts == null || typeof parts !== 'object')
      throw new TypeError(`${modelName}: options must be an object with encoder and decoder, got ${describeValue(parts)}`);
    const { encoder, decoder } = parts;
    for (const [name, layer] of [
      ['encoder', encoder],
      ['decoder', decoder],
    ] as const) {
      if (!(layer instanceof Layer)) {
        throw new TypeError(
          `${modelName}: ${name} must be a layer from @elbo/nn (e.g. mlp([...]) or sequential([...])), got ${describeValue(layer)}`,
        );
      }
    }
    const inputShape = encoder instanceof Sequential ? [...encoder.inputShape] : undefined;
    const spec = parts.likelihood ?? 'bernoulli';
    if (!(spec instanceof Likelihood) && typeof spec !== 'string' && (spec == null || typeof spec !== 'object')) {
      throw new TypeError(
        `${modelName}: likelihood must be a name, { name: 'gaussian', sigma, learnSigma } or a Likelihood, got ${describeValue(spec)}`,
      );
    }
    const name = spec instanceof Likelihood ? spec.name : typeof spec === 'string' ? spec : spec.name;
    checkDecoderOutput(name, decoder, modelName);
    if (inputShape != null && decoder instanceof Sequential && !tf.util.arraysEqual(decoder.finalShape as number[], inputShape)) {
      throw new Error(
        `${modelName}: the decoder must give back the encoder's input shape [${inputShape.join(', ')}], but it outputs [${decoder.finalShape.join(', ')}]`,
      );
    }
    const eventRank = inputShape?.length ?? 1;
    if (spec instanceof Likelihood && spec.eventRank !== eventRank) {
      throw new Error(`${modelName}: the likelihood's eventRank must be the data's item rank ${eventRank}, got ${spec.eventRank}`);
    }
    this.likelihood = spec instanceof Likelihood ? spec : new Likelihood(spec, { eventRank });
    this.encoder = encoder;
    this.decoder = decoder;
    this.inputShape = inputShape;
    this.modelName = modelName;
  }

  /** Every variable training updates: encoder, decoder, and a learned likelihood scale. */
  get trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables, ...this.decoder.trainableVariables, ...this.likelihood.trainableVariables];
  }

  /** Frees the encoder, the decoder and the likelihood's variables. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.likelihood.dispose();
  }

  /**
   * Saves encoder and decoder as two TF.js Layers models (for tfjs-layers and Keras).
   * Needs both to be {@link Sequential} stacks of kinds the Layers format has.
   */
  async exportLayers(urls: LayersExportUrls): Promise<void> {
    if (urls == null || typeof urls !== 'object')
      throw new TypeError(`${this.modelName}.exportLayers: urls must be { encoder, decoder }, got ${describeValue(urls)}`);
    const [encoder, decoder] = [this.encoder, this.decoder].map((part, i) => {
      if (!(part instanceof Sequential))
        throw new Error(
          `${this.modelName}.exportLayers: the ${i === 0 ? 'encoder' : 'decoder'} must be a Sequential (mlp() or sequential())`,
        );
      return part;
    });
    const prefix = this.modelName.toLowerCase();
    await exportLayersModel(encoder!, urls.encoder, `${prefix}_encoder`);
    await exportLayersModel(decoder!, urls.decoder, `${prefix}_decoder`);
  }

  /**
   * `x` as a float32 tensor of shape [n, ...inputShape] (or rank >= 2 when the encoder declares no shape).
   * The caller disposes it when it is not `x` itself.
   */
  protected toData(x: TensorInput, name: string, caller: string): tf.Tensor {
    const shape = this.inputShape;
    return toFloatTensor(x, name, `${this.modelName}.${caller}`, shape == null ? { rank: [2, 3, 4, 5] } : { itemShape: shape });
  }

  /** Runs `fn` over blocks of `batchSize` rows of `x` (checked as data) and concatenates: bounded memory. */
  protected batched(x: TensorInput, batchSize: number, caller: string, fn: (block: tf.Tensor) => tf.Tensor): tf.Tensor {
    const t = this.toData(x, 'x', caller);
    try {
      return inBatches(t, batchSize, fn, `${this.modelName}.${caller}`);
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /**
   * Checks the data that can be read without consuming it (a tensor, or an array of batches)
   * before the first step, so bad input changes no weight: the item shape and the likelihood's
   * support. Streams and functions get the same checks on each batch before its step.
   */
  protected checkFitData(data: unknown, validationData: unknown, caller: string): void {
    const named = (d: unknown, name: string): [string, ExampleBatch][] => {
      if (d instanceof tf.Tensor) return [[name, d]];
      if (!Array.isArray(d)) return [];
      return d.map((b, i): [string, ExampleBatch] => [`${name}[${i}]`, b as ExampleBatch]);
    };
    for (const [name, d] of [
      ['data', data],
      ['validationData', validationData],
    ] as const) {
      if (d == null && name === 'validationData') continue; // none, as fit reads it
      if (!(d instanceof tf.Tensor) && !Array.isArray(d) && !isStream(d)) {
        throw new TypeError(
          `${this.modelName}.${caller}: ${name} must be a tensor, an array or (async) iterable of batches, or a function of the epoch returning one, got ${describeValue(d)}`,
        );
      }
    }
    for (const [name, batch] of [...named(data, 'data'), ...named(validationData, 'validationData')]) this.checkBatch(batch, name, caller);
  }

  /** The checks of {@link EncoderDecoderModel.checkFitData} on one batch. */
  private checkBatch(batch: ExampleBatch, name: string, caller: string): void {
    const where = `${this.modelName}.${caller}`;
    const t = batchExamples(batch, `${where}: ${name}`);
    if (t.isDisposed) throw new Error(`${where}: ${name} is a disposed tensor`);
    const checked = this.toData(t, name, caller);
    if (checked !== t) checked.dispose();
    if (t.shape[0] === 0) throw new Error(`${where}: ${name} must have at least one row, got shape [${t.shape.join(', ')}]`);
    this.likelihood.checkData(t, name, where);
  }

  /**
   * `x` as {@link EncoderDecoderModel.toData} gives it, checked to lie in the likelihood's support
   * (a log-likelihood of grey levels outside [0, 1] under a Bernoulli, or of NaN, is not a number to report).
   */
  protected toLikelihoodData(x: TensorInput, name: string, caller: string): tf.Tensor {
    const t = this.toData(x, name, caller);
    try {
      this.likelihood.checkData(t, name, `${this.modelName}.${caller}`);
    } catch (error) {
      if (t !== x) t.dispose();
      throw error;
    }
    return t;
  }

  /** Streamed `data` (not a tensor or an array) with each batch checked as {@link EncoderDecoderModel.checkFitData} checks a tensor. */
  protected checkedStream(data: FitData<ExampleBatch>, name: string, caller: string): FitData<ExampleBatch> {
    return checkingStreamedBatches(data, (batch, where) => this.checkBatch(batch, where, caller), name);
  }

  /** Checks the data, then trains every variable of the model through prob's `fit`. */
  protected async train(args: Omit<FitArgs<ExampleBatch>, 'variables'>, caller = 'fit'): Promise<History> {
    this.checkFitData(args.data, args.validationData, caller);
    const { data, validationData } = args;
    // A streamed validation set's first batch is checked now, before the first step, not after an epoch.
    const validation =
      validationData == null
        ? null
        : await checkingFirstBatchNow(validationData, (batch, where) => this.checkBatch(batch, where, caller), 'validationData');
    try {
      return await fit({
        ...args,
        data: this.checkedStream(data, 'data', caller),
        validationData: validation == null ? undefined : this.checkedStream(validation.data, 'validationData', caller),
        variables: this.trainableVariables,
      });
    } finally {
      await validation?.release();
    }
  }

  /**
   * Saves the whole model through one record: both parts' layer configs and weights, the
   * likelihood (its learned scale as the weight `likelihood/logSigma`) and the subclass's settings.
   */
  protected async saveRecord(url: string | tf.io.IOHandler, format: string, settings: Record<string, unknown>): Promise<tf.io.SaveResult> {
    const logSigma = this.likelihood.logSigma;
    return saveLayers(url, format, {
      parts: { encoder: this.encoder, decoder: this.decoder },
      config: { ...settings, likelihood: this.likelihood.getConfig() },
      weights: logSigma == null ? {} : { 'likelihood/logSigma': logSigma },
    });
  }

  /**
   * Loads a record {@link EncoderDecoderModel.saveRecord} wrote (or an older one; see nn's
   * `loadLayers`), hands its parts to `build`, and frees them if `build` throws.
   */
  protected static async loadRecord<M>(
    url: string | tf.io.IOHandler,
    format: string,
    caller: string,
    build: (loaded: LoadedLayers) => M,
  ): Promise<M> {
    return loadLayers(url, { format, parts: ['encoder', 'decoder'], caller }, build);
  }

  /**
   * The likelihood spec a loaded record describes, in every form elbo has stored:
   * a `LikelihoodConfig` `{ name, sigma?, learnSigma?, eventRank? }` (the VAE's since its first
   * version; both models' since @elbo/nn), or a bare name with the Gaussian's `scale` beside it
   * (the autoencoder's first version). A learned sigma's value is the weight `likelihood/logSigma`.
   */
  protected static likelihoodFromRecord(config: Record<string, unknown>, weights: tf.NamedTensorMap): LikelihoodSpec {
    const stored = config.likelihood;
    if (typeof stored === 'string') {
      return stored === 'gaussian' ? { name: 'gaussian', sigma: (config.scale as number | undefined) ?? 1 } : (stored as LikelihoodSpec);
    }
    if (stored == null || typeof stored !== 'object')
      throw new Error(`the record's likelihood must be a likelihood config, got ${describeValue(stored)}`);
    const { name, sigma, learnSigma } = stored as { name?: unknown; sigma?: number; learnSigma?: boolean };
    if (name !== 'gaussian') return name as LikelihoodSpec;
    const logSigma = weights['likelihood/logSigma'];
    if (learnSigma === true && logSigma == null)
      throw new Error('the learned likelihood sigma (the weight likelihood/logSigma) is missing');
    const value = logSigma == null ? (sigma ?? 1) : Math.exp(logSigma.dataSync()[0]!);
    return { name: 'gaussian', sigma: value, learnSigma: learnSigma === true };
  }
}

/**
 * A batch of examples as a model's `fit` takes it: a [batch, ...itemShape] tensor, or an object
 * holding one as `images` (as `npyBatches` from @elbo/datasets/node yields) or `x`.
 * @example
 * ```ts
 * const batch: ExampleBatch = { images: tf.zeros([128, 28, 28, 1]) };
 * ```
 */
export type ExampleBatch = tf.Tensor | { images: tf.Tensor } | { x: tf.Tensor };

/**
 * The [batch, ...] tensor of an {@link ExampleBatch}.
 * @throws naming the model and what came, when the batch holds no tensor.
 * @example
 * ```ts
 * const x = batchExamples({ images }, 'VAE'); // images
 * ```
 */
export function batchExamples(batch: ExampleBatch, modelName: string): tf.Tensor {
  if (batch instanceof tf.Tensor) return batch;
  const t = batch == null ? undefined : ((batch as { images?: unknown }).images ?? (batch as { x?: unknown }).x);
  if (!(t instanceof tf.Tensor))
    throw new TypeError(
      `${modelName}: a batch must be a tensor or an object with an \`images\` or \`x\` tensor, got ${describeValue(batch)}`,
    );
  return t;
}

/**
 * Throws when a Bernoulli-kind likelihood would read a squashed decoder output
 * (e.g. sigmoid probabilities) as logits: it would train silently wrong. The
 * Gaussian takes any output as its mean; a layer whose last activation cannot
 * be told passes.
 */
function checkDecoderOutput(likelihood: string, decoder: Layer, modelName: string): void {
  if (likelihood !== 'bernoulli' && likelihood !== 'continuous-bernoulli') return;
  const out = lastActivation(decoder);
  if (out != null && out !== 'linear') {
    throw new Error(
      `${modelName}: a ${likelihood} likelihood reads logits, so the decoder must end without an activation ('linear'), got '${out}'`,
    );
  }
}
