import * as tf from '@tensorflow/tfjs-core';
import { EncoderDecoderModel, Sequential, importLayersModel } from '@elbo/nn';
import type { EncoderDecoderParts, ExampleBatch, LayersExportUrls } from '@elbo/nn';
import { Likelihood, checkKnownKeys, foldIn, tfjsSeed } from '@elbo/prob';
import type { FitData, TensorInput } from '@elbo/prob';
import { klStandardNormalPerDim } from './diag-gaussian';
import { elboTerms } from './elbo';
import type { ElboTerms } from './elbo';
import { fitVAE } from './fit';
import type { VAEHistory } from './fit';
import { latentGridPoints, latentPath } from './latent';
import { importanceWeightedLogLikelihood } from './log-likelihood';
import type { LogLikelihoodOptions, LogLikelihoodResult } from './log-likelihood';
import type { VaeParts } from './parts';
import { Posterior } from './posterior';
import { VAE_FORMAT } from './saved';
import { checkEncoderScale, elboTermSettings, latentDimOf, modelSettings } from './settings';
import type { ElboTermOptions, EncoderScale, KLEstimator, VAEFitOptions, VAESettings } from './settings';

export { VAE_FORMAT } from './saved';

/**
 * Options of {@link VAE}: the encoder-decoder parts of @elbo/nn plus the VAE's settings.
 * @example
 * ```ts
 * const options: VAEOptions = { encoder: mlp([784, 400, 40]), decoder: mlp([20, 400, 784]), likelihood: 'bernoulli', beta: 1 };
 * ```
 */
export interface VAEOptions extends EncoderDecoderParts {
  /**
   * Size d of z. Optional when the encoder declares its output shape ([2d], e.g. a
   * Sequential from `mlp()`); when given, it must agree with it.
   */
  latentDim?: number;
  /** KL weight used by `fit` when no schedule is given, a finite number >= 0. Default 1. */
  beta?: number;
  /** Free bits per latent dimension (nats) used by `fit`, a finite number >= 0. Default 0. */
  freeBits?: number;
  /** KL estimator used by `fit`. Default 'analytic'. */
  kl?: KLEstimator;
  /** Reading of the encoder's second half. Default 'log-variance'. */
  encoderScale?: EncoderScale;
}

const OPTION_KEYS = ['encoder', 'decoder', 'likelihood', 'latentDim', 'beta', 'freeBits', 'kl', 'encoderScale'];

/**
 * Which image `sample`, `decode`, ... return: the decoder's mean, or a draw from p(x|z).
 * @example
 * ```ts
 * vae.sample(4, { mode: 'draw', seed: 1 });
 * ```
 */
export type OutputMode = 'mean' | 'draw';

/**
 * A variational autoencoder: a Gaussian encoder q(z|x), the prior N(0, I) and
 * a decoder p(x|z), trained by maximizing the ELBO. It stands on @elbo/nn's
 * `EncoderDecoderModel` (checks, training through prob's `fit`, save/load,
 * Layers export), a sibling of the autoencoder. Encoder and decoder are any
 * layers: the encoder maps x [n, ...itemShape] to [n, 2d] (mean, then
 * log-variance), the decoder z [n, d] back to [n, ...itemShape].
 *
 * ```
 * z = mu(x) + sigma(x) * eps,  eps ~ N(0, I)                         (reparameterization)
 * -ELBO(x) = E_q[-log p(x|z)] + beta * KL(q(z|x) || N(0, I))
 * KL = 1/2 sum_i (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)             (>= 0)
 * ```
 *
 * @example
 * ```ts
 * const vae = new VAE({ encoder: mlp([784, 400, 40]), decoder: mlp([20, 400, 784]) }); // latentDim 20
 * await vae.fit(x, { epochs: 10 });
 * const digits = vae.sample(16, { seed: 1 }); // [16, 784]
 * ```
 */
export class VAE extends EncoderDecoderModel implements VaeParts {
  /** Size d of z. */
  readonly latentDim: number;
  readonly beta: number;
  readonly freeBits: number;
  readonly kl: KLEstimator;
  readonly encoderScale: EncoderScale;

  /**
   * Checks and takes the parts (see `EncoderDecoderModel`) and the settings; the model owns the layers from here on.
   * @throws naming the option, what it must be and what came.
   */
  constructor(options: VAEOptions) {
    if (options != null && typeof options === 'object') checkKnownKeys(options, OPTION_KEYS, 'VAE');
    super(options, 'VAE');
    try {
      const settings = this.checkSettings(options);
      this.latentDim = settings.latentDim;
      this.beta = settings.beta;
      this.freeBits = settings.freeBits;
      this.kl = settings.kl;
      this.encoderScale = settings.encoderScale;
    } catch (error) {
      // The layers stay the caller's (as the base leaves them); a likelihood the base made is freed.
      if (!(options.likelihood instanceof Likelihood)) this.likelihood.dispose();
      throw error;
    }
  }

  private checkSettings(options: VAEOptions): VAESettings & { latentDim: number; encoderScale: EncoderScale } {
    const latentDim = latentDimOf(options.encoder, options.decoder, options.latentDim, 'VAE');
    return { ...modelSettings(options, 'VAE'), latentDim, encoderScale: checkEncoderScale(options.encoderScale ?? 'log-variance', 'VAE') };
  }

  /**
   * Mean and log-variance of q(z|x) (the raw tensors behind {@link VAE.encode}).
   * @param x - data, [n, ...itemShape].
   * @returns `mu` and `logVar`, each [n, d].
   * @example
   * ```ts
   * const { mu, logVar } = vae.encodeParams(x); // [n, d] each
   * ```
   */
  encodeParams(x: TensorInput): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    return tf.tidy(() => {
      const out = this.encoder.apply(this.toData(x, 'x', 'encode'));
      const d = this.latentDim;
      if (out.rank !== 2 || out.shape[1] !== 2 * d) {
        throw new Error(`VAE.encode: the encoder must output [n, ${2 * d}] (mean and log-variance), got [${out.shape.join(', ')}]`);
      }
      const mu = tf.slice(out, [0, 0], [-1, d]) as tf.Tensor2D;
      const raw = tf.slice(out, [0, d], [-1, d]);
      const eps = tf.backend().epsilon();
      const logVar = (this.encoderScale === 'softplus' ? tf.mul(2, tf.log(tf.add(tf.softplus(raw), eps))) : raw) as tf.Tensor2D;
      return { mu, logVar };
    });
  }

  /**
   * The posterior q(z|x) = N(mu(x), diag(sigma(x)^2)) as an `Independent(Normal)`.
   * @param x - data, [n, ...itemShape].
   * @returns a {@link Posterior} (batchShape [n], eventShape [d]); dispose it when done.
   * @example
   * ```ts
   * const q = vae.encode(x); const z = q.rsample([], { seed: 1 }); q.dispose();
   * ```
   */
  encode(x: TensorInput): Posterior {
    const { mu, logVar } = this.encodeParams(x);
    return new Posterior(mu, logVar);
  }

  /**
   * The decoder's raw output (logits or mean) for latent codes.
   * @param z - [m, d].
   * @returns [m, ...itemShape].
   * @example
   * ```ts
   * const logits = vae.decodeRaw(tf.zeros([1, vae.latentDim]));
   * ```
   */
  decodeRaw(z: TensorInput): tf.Tensor {
    return tf.tidy(() => this.decoder.apply(this.checkZ(z, 'decode')));
  }

  /**
   * Images for latent codes: the mean of p(x|z) (default) or a draw from it.
   * @param z - [m, d].
   * @returns [m, ...itemShape].
   * @example
   * ```ts
   * const images = vae.decode(tf.randomNormal([4, vae.latentDim])); // [4, 784]
   * ```
   */
  decode(z: TensorInput, { mode = 'mean', seed }: { mode?: OutputMode; seed?: number } = {}): tf.Tensor {
    checkMode(mode, 'decode');
    return tf.tidy(() => {
      const out = this.decodeRaw(z);
      return mode === 'mean' ? this.likelihood.mean(out) : this.likelihood.sample(out, seed);
    });
  }

  /**
   * Reconstructions: the decoder's mean at z = mu(x).
   * @param x - [n, ...itemShape].
   * @returns [n, ...itemShape].
   * @example
   * ```ts
   * const xHat = vae.reconstruct(x);
   * ```
   */
  reconstruct(x: TensorInput): tf.Tensor {
    return tf.tidy(() => this.decode(this.encodeParams(x).mu));
  }

  /**
   * New data: z ~ N(0, I) (seeded by `seed`), then the decoder's mean (default) or a draw
   * from p(x|z) (seeded by `foldIn(seed, 1)`).
   * @param n - how many, a positive integer.
   * @returns [n, ...itemShape].
   * @example
   * ```ts
   * const digits = vae.sample(16, { seed: 1 }); // [16, 784]
   * ```
   */
  sample(n: number, { seed, mode = 'mean' }: { seed?: number; mode?: OutputMode } = {}): tf.Tensor {
    if (!Number.isInteger(n) || n < 1) throw new Error(`VAE.sample: n must be a positive integer, got ${String(n)}`);
    checkMode(mode, 'sample');
    return tf.tidy(() => {
      const z = tf.randomNormal([n, this.latentDim], 0, 1, 'float32', tfjsSeed(seed));
      return this.decode(z, { mode, seed: seed == null ? undefined : foldIn(seed, 1) });
    });
  }

  /**
   * The ELBO's terms for each example, with `samples` draws of z.
   *
   * ```
   * elbo_n = -reconstruction_n - kl_n,   reconstruction_n = E_q[-log p(x_n|z)]
   * ```
   * @param x - [n, ...itemShape].
   * @returns tensors [n] (klPerDim [n, d]); the mean of -elbo with samples = 1 is PyTorch's "test loss".
   * @example
   * ```ts
   * const { elbo } = vae.elbo(x, { seed: 0 }); const testLoss = -tf.mean(elbo).dataSync()[0];
   * ```
   */
  elbo(x: TensorInput, options: ElboTermOptions = {}): ElboTerms {
    const settings = elboTermSettings(options, 'VAE.elbo');
    return tf.tidy(
      () => elboTerms(this, this.toLikelihoodData(x, 'x', 'elbo'), settings) as unknown as tf.NamedTensorMap,
    ) as unknown as ElboTerms;
  }

  /**
   * Importance-weighted estimate of log p(x) with K samples per example, in chunks
   * (chunk c draws with `foldIn(seed, c)`).
   * ```
   * log p(x) ~ logSumExp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log K,   z_k ~ q(z|x)
   * ```
   * @param x - [n, ...itemShape].
   * @example
   * ```ts
   * const { mean, standardError } = vae.logLikelihood(xTest, { samples: 500, seed: 0 });
   * ```
   */
  logLikelihood(x: TensorInput, options: LogLikelihoodOptions = {}): LogLikelihoodResult {
    const $x = this.toLikelihoodData(x, 'x', 'logLikelihood');
    try {
      return importanceWeightedLogLikelihood(this, $x, options);
    } finally {
      if ($x !== x) $x.dispose();
    }
  }

  /**
   * Images along the path between the latent means of x1 and x2.
   * @param x1 - one example, [...itemShape] or [1, ...itemShape]. @param x2 - same.
   * @returns [steps, ...itemShape] (first row decodes mu(x1), last mu(x2)).
   * @example
   * ```ts
   * const path = vae.interpolate(x1, x2, { steps: 8, spherical: true });
   * ```
   */
  interpolate(x1: TensorInput, x2: TensorInput, { steps = 8, spherical = false }: { steps?: number; spherical?: boolean } = {}): tf.Tensor {
    if (!Number.isInteger(steps) || steps < 2) throw new Error(`VAE.interpolate: steps must be an integer >= 2, got ${String(steps)}`);
    const [m1, m2] = [this.latentMean(x1, 'x1', 'interpolate'), this.latentMean(x2, 'x2', 'interpolate')];
    return tf.tidy(() => this.decode(tf.tensor2d(latentPath(m1, m2, steps, spherical))));
  }

  /**
   * Latent traversal: x's latent mean with dimension `dim` set to each of `values`, decoded.
   * @param x - one example, [...itemShape] or [1, ...itemShape]. @param dim - 0-based latent dimension. @param values - the values to set.
   * @returns [values.length, ...itemShape].
   * @example
   * ```ts
   * const row = vae.traverse(x1, 0, [-2, -1, 0, 1, 2]);
   * ```
   */
  traverse(x: TensorInput, dim: number, values: number[]): tf.Tensor {
    if (!Number.isInteger(dim) || dim < 0 || dim >= this.latentDim)
      throw new Error(`VAE.traverse: dim must be an integer in [0, ${this.latentDim - 1}], got ${String(dim)}`);
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`VAE.traverse: values must be a non-empty array of finite numbers, got ${JSON.stringify(values)}`);
    }
    const mu = this.latentMean(x, 'x', 'traverse');
    return tf.tidy(() => this.decode(tf.tensor2d(values.map((v) => mu.map((m, i) => (i === dim ? v : m))))));
  }

  /**
   * For a 2-D latent space: decoded images on a size x size grid evenly spaced in
   * probability (coordinates Phi^{-1}((i + 1/2) / size)), row-major, top row = largest z2.
   * @returns `z` [size^2, 2] and `images` [size^2, ...itemShape].
   * @example
   * ```ts
   * const { z, images } = vae.latentGrid({ size: 10 });
   * ```
   */
  latentGrid({ size = 10 }: { size?: number } = {}): { z: tf.Tensor2D; images: tf.Tensor } {
    if (this.latentDim !== 2) throw new Error(`VAE.latentGrid: needs a 2-D latent space, got latentDim ${this.latentDim}`);
    if (!Number.isInteger(size) || size < 1) throw new Error(`VAE.latentGrid: size must be a positive integer, got ${String(size)}`);
    const z = tf.tensor2d(latentGridPoints(size));
    return { z, images: this.decode(z) };
  }

  /**
   * Active units (Burda et al. 2016): dimension i is active when its latent mean
   * varies across the data, Var_x(E_q[z_i]) > threshold. Also the mean KL per dimension.
   * @param x - [n, ...itemShape], n >= 2. @param threshold - a finite number >= 0. Default 0.01.
   * @example
   * ```ts
   * const { count, active } = vae.activeUnits(xTest);
   * ```
   */
  activeUnits(
    x: TensorInput,
    { threshold = 0.01 }: { threshold?: number } = {},
  ): { count: number; active: boolean[]; variance: number[]; klPerDim: number[] } {
    if (!(Number.isFinite(threshold) && threshold >= 0))
      throw new Error(`VAE.activeUnits: threshold must be a finite number >= 0, got ${String(threshold)}`);
    const [variance, klPerDim] = tf.tidy(() => {
      const { mu, logVar } = this.encodeParams(x);
      // One example has zero variance in every dimension: it would report every unit inactive.
      if (mu.shape[0] < 2)
        throw new Error(`VAE.activeUnits: x must have at least 2 rows (the variance is across examples), got ${mu.shape[0]}`);
      const kl = klStandardNormalPerDim(mu, logVar);
      return [tf.moments(mu, 0).variance.dataSync(), tf.mean(kl, 0).dataSync()];
    });
    const active = Array.from(variance, (v) => v > threshold);
    return { count: active.filter(Boolean).length, active, variance: Array.from(variance), klPerDim: Array.from(klPerDim) };
  }

  /**
   * Trains by minimizing the negative ELBO through the base's `train` (prob's `fit`):
   * KL annealing, free bits, callbacks, early stopping, abort. Step t draws its noise
   * with `foldIn(seed, t)`. Tensor `data` and `validationData` are checked before the
   * first step: the item shape and, for the Bernoulli kinds, values in [0, 1].
   * @param data - [n, ...itemShape] tensor (shuffled minibatches) or batches (array, iterable, async iterable, function of the epoch) of tensors or `{ images }` / `{ x }`.
   * @returns the history with `loss`, `reconstruction`, `kl`, `beta` per epoch, `klPerDim`, and `warnings`.
   * @example
   * ```ts
   * const h = await vae.fit(x, { epochs: 10, batchSize: 128, beta: linearWarmup({ steps: 500 }) });
   * ```
   */
  async fit(data: VAEFitData, options: VAEFitOptions = {}): Promise<VAEHistory> {
    return fitVAE(this, data, options, (args) => this.train(args));
  }

  /**
   * Saves the whole model (both parts' layers and weights, the likelihood with a learned sigma,
   * the settings) through a tfjs IO handler: `file://dir` in Node (after a backend is selected),
   * `indexeddb://name`, `localstorage://name`, `downloads://name` in browsers.
   * @example
   * ```ts
   * await vae.save('file:///tmp/vae');
   * ```
   */
  async save(url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    const { latentDim, beta, freeBits, kl, encoderScale } = this;
    return this.saveRecord(url, VAE_FORMAT, { latentDim, beta, freeBits, kl, encoderScale });
  }

  /**
   * Loads what {@link VAE.save} wrote, and what the previous versions of @elbo/vae wrote
   * (records of MLP configs); a truncated, mismatched or foreign file throws and loads nothing.
   * @example
   * ```ts
   * const vae = await VAE.load('file:///tmp/vae');
   * ```
   */
  static async load(url: string | tf.io.IOHandler): Promise<VAE> {
    return EncoderDecoderModel.loadRecord(url, VAE_FORMAT, 'VAE.load', ({ parts, config, weights }) => {
      const settings = config as {
        latentDim?: number;
        beta?: number;
        freeBits?: number;
        kl?: KLEstimator;
        encoderScale?: EncoderScale;
      };
      const likelihood = EncoderDecoderModel.likelihoodFromRecord(config, weights);
      const { latentDim, beta, freeBits, kl, encoderScale } = settings;
      return new VAE({ encoder: parts.encoder!, decoder: parts.decoder!, likelihood, latentDim, beta, freeBits, kl, encoderScale });
    });
  }

  /**
   * Builds a VAE from two TF.js Layers models (as {@link VAE.exportLayers} writes, or trained in Keras).
   * @param options - the VAE's options besides the parts.
   * @example
   * ```ts
   * const vae = await VAE.fromLayers({ encoder: 'file:///tmp/enc', decoder: 'file:///tmp/dec' }, { likelihood: 'bernoulli' });
   * ```
   */
  static async fromLayers(urls: LayersExportUrls, options: Omit<VAEOptions, 'encoder' | 'decoder'> = {}): Promise<VAE> {
    if (urls == null || typeof urls !== 'object')
      throw new TypeError(`VAE.fromLayers: urls must be { encoder, decoder }, got ${String(urls)}`);
    const encoder = await importLayersModel(urls.encoder);
    let decoder: Sequential | null = null;
    try {
      decoder = await importLayersModel(urls.decoder);
      return new VAE({ ...options, encoder, decoder });
    } catch (error) {
      encoder.dispose();
      decoder?.dispose();
      throw error;
    }
  }

  /**
   * The base's checks, and one more the base lacks: with an encoder that declares no input
   * shape, every tensor of `data` and `validationData` must have the item shape of the first
   * (else a mismatched validation set fails only after an epoch has trained).
   */
  protected override checkFitData(data: unknown, validationData: unknown, caller: string): void {
    super.checkFitData(data, validationData, caller);
    if (this.inputShape != null) return;
    const named = (d: unknown, name: string): [string, tf.Tensor][] =>
      d instanceof tf.Tensor
        ? [[name, d]]
        : Array.isArray(d)
          ? d.flatMap((b, i): [string, tf.Tensor][] => (b instanceof tf.Tensor ? [[`${name}[${i}]`, b]] : []))
          : [];
    const [first, ...others] = [...named(data, 'data'), ...named(validationData, 'validationData')];
    if (first == null) return;
    const item = first[1].shape.slice(1);
    for (const [name, t] of others) {
      if (!tf.util.arraysEqual(t.shape.slice(1), item)) {
        throw new Error(
          `VAE.${caller}: ${name} must have item shape [${item.join(', ')}] (that of ${first[0]}), got [${t.shape.join(', ')}]`,
        );
      }
    }
  }

  private latentMean(x: TensorInput, name: string, caller: string): number[] {
    return tf.tidy(() => {
      const shape = this.inputShape;
      let t = x instanceof tf.Tensor ? x : tf.tensor(x as tf.TensorLike);
      const single = shape != null ? t.rank === shape.length : t.rank === 1;
      if (single) t = tf.expandDims(t, 0);
      if (t.shape[0] !== 1)
        throw new Error(
          `VAE.${caller}: ${name} must be one example, [${shape?.join(', ') ?? 'D'}] or [1, ${shape?.join(', ') ?? 'D'}], got [${x instanceof tf.Tensor ? x.shape.join(', ') : t.shape.join(', ')}]`,
        );
      return Array.from(this.encodeParams(this.toData(t, name, caller)).mu.dataSync());
    });
  }

  private checkZ(z: TensorInput, caller: string): tf.Tensor2D {
    const t = z instanceof tf.Tensor ? z : tf.tensor(z as tf.TensorLike);
    if (t.rank !== 2 || t.shape[1] !== this.latentDim)
      throw new Error(`VAE.${caller}: z must have shape [m, ${this.latentDim}], got [${t.shape.join(', ')}]`);
    return (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as tf.Tensor2D;
  }
}

/**
 * The data `VAE.fit` takes: prob's `FitData` of batches (a tensor, arrays, iterables or a function of the epoch), each a tensor or `{ images }` / `{ x }` (as `npyBatches` yields).
 * @example
 * ```ts
 * const data: VAEFitData = [batch1, batch2];
 * ```
 */
export type VAEFitData = FitData<ExampleBatch>;

function checkMode(mode: unknown, caller: string): void {
  if (mode !== 'mean' && mode !== 'draw') throw new Error(`VAE.${caller}: mode must be 'mean' or 'draw', got ${String(mode)}`);
}
