import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '@elbo/prob';
import { checkDecoderOutput } from '@elbo/autoencoder';
import type { FitData, Module } from '@elbo/autoencoder';
import { fitVAE } from './fit';
import { exportVAELayers, loadVAE, saveVAE } from './io';
import type { VAEFitOptions, VAEHistory } from './fit';
import { klStandardNormalPerDim } from './diag-gaussian';
import { checkElboTermOptions, elboTerms } from './elbo';
import type { ElboTerms, KLEstimator } from './elbo';
import { latentGridPoints, latentPath } from './latent';
import { Likelihood } from './likelihood';
import type { LikelihoodSpec } from './likelihood';
import { importanceWeightedLogLikelihood } from './log-likelihood';
import type { LogLikelihoodOptions, LogLikelihoodResult } from './log-likelihood';
import type { VaeParts } from './parts';
import { Posterior } from './posterior';

/** How the encoder's second half becomes a variance: taken as log sigma^2, or sigma = softplus(raw). */
export type EncoderScale = 'log-variance' | 'softplus';

/** Options of {@link VAE}. */
export interface VAEOptions {
  /** x [n, D] -> [n, 2 * latentDim]: the mean, then the log-variance (or softplus scale) of q(z|x). */
  encoder: Module;
  /** z [n, latentDim] -> [n, D]: logits (Bernoulli kinds) or the mean (Gaussian) of p(x|z). */
  decoder: Module;
  /** Size d of z. */
  latentDim: number;
  /** p(x|z). Default 'bernoulli'. */
  likelihood?: LikelihoodSpec;
  /** KL weight used by `fit` when no schedule is given. Default 1. */
  beta?: number;
  /** Free bits per latent dimension (nats) used by `fit`. Default 0. */
  freeBits?: number;
  /** KL estimator used by `fit`. Default 'analytic'. */
  kl?: KLEstimator;
  /** Reading of the encoder's second half. Default 'log-variance'. */
  encoderScale?: EncoderScale;
}

/** Which image `sample`, `decode`, ... return: the decoder's mean, or a draw from p(x|z). */
export type OutputMode = 'mean' | 'draw';

/**
 * A variational autoencoder: a Gaussian encoder q(z|x), the prior N(0, I) and
 * a decoder p(x|z), trained by maximizing the ELBO.
 *
 * ```
 * z = mu(x) + sigma(x) * eps,  eps ~ N(0, I)                         (reparameterization)
 * -ELBO(x) = E_q[-log p(x|z)] + beta * KL(q(z|x) || N(0, I))
 * KL = 1/2 sum_i (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)             (>= 0)
 * ```
 *
 * @example
 * ```ts
 * const vae = new VAE({ encoder: mlp([784, 400, 40]), decoder: mlp([20, 400, 784]), latentDim: 20 });
 * await vae.fit(x, { epochs: 10 });
 * const digits = vae.sample(16, { seed: 1 }); // [16, 784]
 * ```
 */
export class VAE implements VaeParts {
  readonly encoder: Module;
  readonly decoder: Module;
  readonly latentDim: number;
  readonly likelihood: Likelihood;
  readonly beta: number;
  readonly freeBits: number;
  readonly kl: KLEstimator;
  readonly encoderScale: EncoderScale;
  /** Width D of the data, when the encoder declares it (`inputDim`). */
  readonly inputDim: number | undefined;

  constructor(options: VAEOptions) {
    if (options == null || typeof options !== 'object') throw new TypeError('VAE: options must be an object with encoder, decoder and latentDim');
    const { encoder, decoder, latentDim, beta = 1, freeBits = 0, kl = 'analytic', encoderScale = 'log-variance' } = options;
    for (const [name, m] of [['encoder', encoder], ['decoder', decoder]] as const) {
      if (m == null || typeof m.apply !== 'function' || !Array.isArray(m.trainableVariables)) {
        throw new TypeError(`VAE: ${name} must be a module with apply(x) and trainableVariables (e.g. mlp([...])), got ${m === null ? 'null' : typeof m}`);
      }
    }
    if (!Number.isInteger(latentDim) || latentDim < 1) throw new Error(`VAE: latentDim must be a positive integer, got ${latentDim}`);
    const encOut = (encoder as { outputDim?: number }).outputDim;
    if (encOut != null && encOut !== 2 * latentDim) {
      throw new Error(`VAE: encoder must output 2 * latentDim = ${2 * latentDim} values (mean and log-variance), got outputDim ${encOut}`);
    }
    const decIn = (decoder as { inputDim?: number }).inputDim;
    if (decIn != null && decIn !== latentDim) throw new Error(`VAE: decoder must take latentDim = ${latentDim} inputs, got inputDim ${decIn}`);
    const encIn = (encoder as { inputDim?: number }).inputDim;
    const decOut = (decoder as { outputDim?: number }).outputDim;
    if (encIn != null && decOut != null && encIn !== decOut) throw new Error(`VAE: decoder must output the encoder's input width ${encIn}, got outputDim ${decOut}`);
    const likelihoodName = typeof options.likelihood === 'string' ? options.likelihood : (options.likelihood?.name ?? 'bernoulli');
    checkDecoderOutput(likelihoodName, decoder, 'VAE');
    if (!(Number.isFinite(beta) && beta >= 0)) throw new Error(`VAE: beta must be a finite number >= 0, got ${beta}`);
    if (!(Number.isFinite(freeBits) && freeBits >= 0)) throw new Error(`VAE: freeBits must be a finite number >= 0, got ${freeBits}`);
    if (kl !== 'analytic' && kl !== 'monte-carlo') throw new Error(`VAE: kl must be 'analytic' or 'monte-carlo', got ${String(kl)}`);
    if (encoderScale !== 'log-variance' && encoderScale !== 'softplus') {
      throw new Error(`VAE: encoderScale must be 'log-variance' or 'softplus', got ${String(encoderScale)}`);
    }
    this.likelihood = new Likelihood(options.likelihood ?? 'bernoulli');
    this.encoder = encoder;
    this.decoder = decoder;
    this.latentDim = latentDim;
    this.beta = beta;
    this.freeBits = freeBits;
    this.kl = kl;
    this.encoderScale = encoderScale;
    this.inputDim = encIn ?? decOut;
  }

  /** Every variable training updates: encoder, decoder, and a learned likelihood sigma. */
  get trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables, ...this.decoder.trainableVariables, ...this.likelihood.trainableVariables];
  }

  /**
   * Mean and log-variance of q(z|x) (the raw tensors behind {@link VAE.encode}).
   * @param x - data, [n, D].
   * @returns `mu` and `logVar`, each [n, d].
   */
  encodeParams(x: tf.Tensor | number[][]): { mu: tf.Tensor2D; logVar: tf.Tensor2D } {
    return tf.tidy(() => {
      const $x = this.checkX(x, 'x', 'encode');
      const out = this.encoder.apply($x);
      const d = this.latentDim;
      if (out.rank !== 2 || out.shape[1] !== 2 * d) {
        throw new Error(`VAE.encode: encoder must output [n, ${2 * d}] (mean and log-variance), got [${out.shape.join(', ')}]`);
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
   * @param x - data, [n, D].
   * @returns a {@link Posterior} (batchShape [n], eventShape [d]); dispose it when done.
   */
  encode(x: tf.Tensor | number[][]): Posterior {
    const { mu, logVar } = this.encodeParams(x);
    return new Posterior(mu, logVar);
  }

  /** The decoder's raw output (logits or mean) for z [m, d]: [m, D]. */
  decodeRaw(z: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.decoder.apply(this.checkZ(z, 'decode')));
  }

  /**
   * Images for latent codes: the mean of p(x|z) (default) or a draw from it.
   * @param z - [m, d].
   * @returns [m, D].
   */
  decode(z: tf.Tensor | number[][], { mode = 'mean', seed }: { mode?: OutputMode; seed?: number } = {}): tf.Tensor2D {
    checkMode(mode, 'decode');
    return tf.tidy(() => {
      const out = this.decodeRaw(this.checkZ(z, 'decode'));
      return (mode === 'mean' ? this.likelihood.mean(out) : this.likelihood.sample(out, seed)) as tf.Tensor2D;
    });
  }

  /** Reconstructions: the decoder's mean at z = mu(x). @param x - [n, D]. @returns [n, D]. */
  reconstruct(x: tf.Tensor | number[][]): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.encodeParams(x).mu));
  }

  /**
   * New data: z ~ N(0, I), then the decoder's mean (default) or a draw from p(x|z).
   * @param n - how many.
   * @returns [n, D].
   */
  sample(n: number, { seed, mode = 'mean' }: { seed?: number; mode?: OutputMode } = {}): tf.Tensor2D {
    if (!Number.isInteger(n) || n < 1) throw new Error(`VAE.sample: n must be a positive integer, got ${n}`);
    checkMode(mode, 'sample');
    return tf.tidy(() => {
      const z = tf.randomNormal([n, this.latentDim], 0, 1, 'float32', tfjsSeed(seed));
      return this.decode(z, { mode, seed: seed == null ? undefined : seed + 1 });
    });
  }

  /**
   * The ELBO's terms for each example, with `samples` draws of z.
   *
   * ```
   * elbo_n = -reconstruction_n - kl_n,   reconstruction_n = E_q[-log p(x_n|z)]
   * ```
   * @param x - [n, D].
   * @returns tensors [n] (klPerDim [n, d]); the mean of -elbo with samples = 1 is PyTorch's "test loss".
   */
  elbo(x: tf.Tensor | number[][], options: { samples?: number; seed?: number; kl?: KLEstimator } = {}): ElboTerms {
    const samples = checkElboTermOptions(options, 'VAE.elbo');
    return tf.tidy(() => elboTerms(this, this.checkX(x, 'x', 'elbo'), { ...options, samples }) as unknown as tf.NamedTensorMap) as unknown as ElboTerms;
  }

  /**
   * Importance-weighted estimate of log p(x) with K samples per example, in chunks.
   * ```
   * log p(x) ~ logSumExp_k [log p(x|z_k) + log p(z_k) - log q(z_k|x)] - log K,   z_k ~ q(z|x)
   * ```
   * @param x - [n, D].
   */
  logLikelihood(x: tf.Tensor | number[][], options: LogLikelihoodOptions = {}): LogLikelihoodResult {
    const $x = tf.tidy(() => this.checkX(x, 'x', 'logLikelihood')) as tf.Tensor2D;
    try {
      return importanceWeightedLogLikelihood(this, $x, options);
    } finally {
      if ($x !== x) $x.dispose();
    }
  }

  /**
   * Images along the path between the latent means of x1 and x2.
   * @param x1 - [D] or [1, D]. @param x2 - same.
   * @returns [steps, D] (first row decodes mu(x1), last mu(x2)).
   */
  interpolate(x1: tf.Tensor | number[], x2: tf.Tensor | number[], { steps = 8, spherical = false }: { steps?: number; spherical?: boolean } = {}): tf.Tensor2D {
    if (!Number.isInteger(steps) || steps < 2) throw new Error(`VAE.interpolate: steps must be an integer >= 2, got ${steps}`);
    const [m1, m2] = [this.latentMean(x1, 'x1'), this.latentMean(x2, 'x2')];
    return tf.tidy(() => this.decode(tf.tensor2d(latentPath(m1, m2, steps, spherical))));
  }

  /**
   * Latent traversal: x's latent mean with dimension `dim` set to each of `values`, decoded.
   * @param x - [D] or [1, D]. @param dim - 0-based latent dimension. @param values - the values to set.
   * @returns [values.length, D].
   */
  traverse(x: tf.Tensor | number[], dim: number, values: number[]): tf.Tensor2D {
    if (!Number.isInteger(dim) || dim < 0 || dim >= this.latentDim) throw new Error(`VAE.traverse: dim must be an integer in [0, ${this.latentDim - 1}], got ${dim}`);
    if (!Array.isArray(values) || values.length === 0 || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`VAE.traverse: values must be a non-empty array of finite numbers, got ${JSON.stringify(values)}`);
    }
    const mu = this.latentMean(x, 'x');
    return tf.tidy(() => this.decode(tf.tensor2d(values.map((v) => mu.map((m, i) => (i === dim ? v : m))))));
  }

  /**
   * For a 2-D latent space: decoded images on a size x size grid evenly spaced in
   * probability (coordinates Phi^{-1}((i + 1/2) / size)), row-major, top row = largest z2.
   * @returns `z` [size^2, 2] and `images` [size^2, D].
   */
  latentGrid({ size = 10 }: { size?: number } = {}): { z: tf.Tensor2D; images: tf.Tensor2D } {
    if (this.latentDim !== 2) throw new Error(`VAE.latentGrid: needs a 2-D latent space, got latentDim ${this.latentDim}`);
    if (!Number.isInteger(size) || size < 1) throw new Error(`VAE.latentGrid: size must be a positive integer, got ${size}`);
    const z = tf.tensor2d(latentGridPoints(size));
    return { z, images: this.decode(z) };
  }

  /**
   * Active units (Burda et al. 2016): dimension i is active when its latent mean
   * varies across the data, Var_x(E_q[z_i]) > threshold. Also the mean KL per dimension.
   * @param x - [n, D], n >= 2. @param threshold - a finite number >= 0. Default 0.01.
   */
  activeUnits(x: tf.Tensor | number[][], { threshold = 0.01 }: { threshold?: number } = {}): { count: number; active: boolean[]; variance: number[]; klPerDim: number[] } {
    if (!(Number.isFinite(threshold) && threshold >= 0)) throw new Error(`VAE.activeUnits: threshold must be a finite number >= 0, got ${threshold}`);
    const [variance, klPerDim] = tf.tidy(() => {
      const { mu, logVar } = this.encodeParams(x);
      // One example has zero variance in every dimension: it would report every unit inactive.
      if (mu.shape[0] < 2) throw new Error(`VAE.activeUnits: x must have at least 2 rows (the variance is across examples), got ${mu.shape[0]}`);
      const kl = klStandardNormalPerDim(mu, logVar);
      return [tf.moments(mu, 0).variance.dataSync(), tf.mean(kl, 0).dataSync()];
    });
    const active = Array.from(variance, (v) => v > threshold);
    return { count: active.filter(Boolean).length, active, variance: Array.from(variance), klPerDim: Array.from(klPerDim) };
  }

  /**
   * Trains by minimizing the negative ELBO on the autoencoder's training loop
   * (see {@link fitVAE}): KL annealing, free bits, callbacks, early stopping, abort.
   * Tensor `data` and `validationData` are checked before the first step: shape [n, D] and,
   * for the Bernoulli kinds, values in [0, 1].
   * @param data - [n, D] tensor (shuffled minibatches) or batches (array, iterable, async iterable, function of the epoch).
   * @returns the history with `loss`, `reconstruction`, `kl`, `beta` per epoch, `klPerDim`, and `warnings`.
   */
  async fit(data: FitData<tf.Tensor>, options: VAEFitOptions = {}): Promise<VAEHistory> {
    return fitVAE(this, data, options);
  }

  /**
   * Saves the whole model (encoder, decoder, likelihood with a learned sigma, settings) through a tfjs
   * IO handler: `file://dir` in Node (after selectBackend() from @elbo/backend-node), `indexeddb://name`,
   * `localstorage://name`, `downloads://name` in browsers. Needs encoder and decoder made by `mlp()`.
   */
  async save(url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
    return saveVAE(this, url);
  }

  /** Loads what {@link VAE.save} wrote; a truncated, mismatched or foreign file throws and loads nothing. */
  static async load(url: string | tf.io.IOHandler): Promise<VAE> {
    return loadVAE(url);
  }

  /** Saves encoder and decoder as two TF.js Layers models (Sequential of Dense) for tfjs-layers and Keras. */
  async exportLayers(urls: { encoder: string | tf.io.IOHandler; decoder: string | tf.io.IOHandler }): Promise<void> {
    return exportVAELayers(this, urls);
  }

  /** Frees the encoder, decoder and likelihood variables. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
    this.likelihood.dispose();
  }

  private latentMean(x: tf.Tensor | number[], name: string): number[] {
    return tf.tidy(() => {
      const t = x instanceof tf.Tensor ? x : tf.tensor(x);
      if (t.rank === 2 && t.shape[0] !== 1) throw new Error(`VAE: ${name} must be one example, [D] or [1, D], got [${t.shape.join(', ')}]`);
      return Array.from(this.encodeParams(t.rank === 1 ? tf.expandDims(t, 0) : (t as tf.Tensor2D)).mu.dataSync());
    });
  }

  private checkX(x: tf.Tensor | number[][], name: string, where: string): tf.Tensor2D {
    const t = x instanceof tf.Tensor ? x : tf.tensor2d(x);
    const D = this.inputDim;
    if (t.rank !== 2 || (D != null && t.shape[1] !== D)) {
      throw new Error(`VAE.${where}: ${name} must have shape [n, ${D ?? 'D'}], got [${t.shape.join(', ')}]`);
    }
    return (t.dtype === 'float32' ? t : tf.cast(t, 'float32')) as tf.Tensor2D;
  }

  private checkZ(z: tf.Tensor | number[][], where: string): tf.Tensor2D {
    const t = z instanceof tf.Tensor ? z : tf.tensor2d(z);
    if (t.rank !== 2 || t.shape[1] !== this.latentDim) throw new Error(`VAE.${where}: z must have shape [m, ${this.latentDim}], got [${t.shape.join(', ')}]`);
    return t as tf.Tensor2D;
  }
}

function checkMode(mode: string, where: string): void {
  if (mode !== 'mean' && mode !== 'draw') throw new Error(`VAE.${where}: mode must be 'mean' or 'draw', got ${String(mode)}`);
}
