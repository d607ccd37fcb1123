import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, checkSeed, describeValue, foldIn, toFloatTensor, Yielder } from '@elbo/prob';
import type { TensorInput } from '@elbo/prob';
import { importanceWeightedLogLikelihood } from './log-likelihood';
import { checkSamples } from './settings';
import { VAE } from './vae';

/** The per-image statistics of a VAE that outlier scores are built from; see {@link imageStatistics}. */
export const IMAGE_STATISTICS = ['logLikelihood', 'rate', 'distortion', 'posteriorEntropy', 'priorCrossEntropy'] as const;

/** One of {@link IMAGE_STATISTICS}. */
export type ImageStatisticName = (typeof IMAGE_STATISTICS)[number];

/** Each statistic of each image (nats), a Float64Array of length n per name. */
export type ImageStatistics = Record<ImageStatisticName, Float64Array>;

/**
 * Options of {@link imageStatistics}.
 * @example
 * ```ts
 * const options: ImageStatisticsOptions = { samples: 100, seed: 0 };
 * ```
 */
export interface ImageStatisticsOptions {
  /** Importance samples K per image for log p(x) (and the distortion). Default 100. */
  samples?: number;
  /** Seed of the draws; the same images in the same order give the same statistics. Default 0. */
  seed?: number;
  /** Stops the work between chunks, rejecting with the signal's reason. */
  signal?: AbortSignal;
}

/** Images per chunk: each chunk's draws use `foldIn(seed, chunk)`, and the loop may yield between chunks. */
export const STATISTICS_CHUNK = 32;

const OPTION_KEYS = ['samples', 'seed', 'signal'];
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Checked `x` and options of an image-scoring call: a float32 tensor [n >= 1, ...itemShape] in
 * the likelihood's support. The caller disposes the tensor when it is not `x` itself.
 */
export function checkScoringInput(
  vae: VAE,
  x: TensorInput,
  options: ImageStatisticsOptions,
  caller: string,
): { t: tf.Tensor; samples: number; seed: number; signal: AbortSignal | undefined } {
  if (!(vae instanceof VAE)) throw new TypeError(`${caller}: vae must be a VAE, got ${describeValue(vae)}`);
  checkKnownKeys(options, OPTION_KEYS, caller);
  const samples = checkSamples(options.samples ?? 100, caller);
  const seed = checkSeed(options.seed ?? 0, caller);
  const { signal } = options;
  if (signal != null && typeof (signal as { aborted?: unknown }).aborted !== 'boolean')
    throw new TypeError(`${caller}: signal must be an AbortSignal, got ${describeValue(signal)}`);
  const shape = vae.inputShape;
  const t = toFloatTensor(x, 'x', caller, shape == null ? { rank: [2, 3, 4, 5] } : { itemShape: shape });
  try {
    if (t.shape[0] === 0) throw new Error(`${caller}: x must hold at least one image, got shape [${t.shape.join(', ')}]`);
    vae.likelihood.checkData(t, 'x', caller);
  } catch (error) {
    if (t !== x) t.dispose();
    throw error;
  }
  return { t, samples, seed, signal: signal ?? undefined };
}

/**
 * What a trained VAE says about each image, in nats: the numbers that
 * outlier scores are built from (Morningstar et al. 2021, "Density of States
 * Estimation for Out-of-Distribution Detection").
 *
 * ```
 * logLikelihood     = log p(x)                         (importance-weighted, K samples)
 * rate              = KL(q(z|x) || p(z))               (closed form)
 * distortion        = E_q[-log p(x|z)]                 (-mean_k log w_k - rate, from the same K draws)
 * posteriorEntropy  = H[q(z|x)]  = 1/2 sum_i (1 + log 2 pi + log sigma_i^2)
 * priorCrossEntropy = E_q[-log p(z)] = 1/2 sum_i (log 2 pi + mu_i^2 + sigma_i^2)   (= entropy + rate)
 * ```
 *
 * Runs in chunks of {@link STATISTICS_CHUNK} images and yields to the event
 * loop between them, so a page, a timer or `signal` stays live.
 *
 * @param vae - a trained VAE (MLP or convolutional).
 * @param x - images [n, ...itemShape] in the likelihood's support.
 * @example
 * ```ts
 * const stats = await imageStatistics(vae, xTest, { samples: 100, seed: 0 });
 * stats.logLikelihood[0]; // log p(x_0), nats
 * ```
 */
export async function imageStatistics(vae: VAE, x: TensorInput, options: ImageStatisticsOptions = {}): Promise<ImageStatistics> {
  const { t, samples, seed, signal } = checkScoringInput(vae, x, options, 'imageStatistics');
  try {
    return await statisticsOfChecked(vae, t, samples, seed, signal);
  } finally {
    if (t !== x) t.dispose();
  }
}

/** {@link imageStatistics} on input already checked by {@link checkScoringInput}. */
export async function statisticsOfChecked(
  vae: VAE,
  t: tf.Tensor,
  samples: number,
  seed: number,
  signal: AbortSignal | undefined,
): Promise<ImageStatistics> {
  const n = t.shape[0]!;
  const d = vae.latentDim;
  const out = Object.fromEntries(IMAGE_STATISTICS.map((name) => [name, new Float64Array(n)])) as ImageStatistics;
  const yielder = new Yielder();
  for (let start = 0, chunk = 0; start < n; start += STATISTICS_CHUNK, chunk++) {
    signal?.throwIfAborted();
    const b = Math.min(STATISTICS_CHUNK, n - start);
    const xb = tf.slice(t, start, b);
    try {
      const iw = importanceWeightedLogLikelihood(vae, xb, { samples, seed: foldIn(seed, chunk) });
      const { mu, logVar } = vae.encodeParams(xb);
      const [m, lv] = [mu.dataSync(), logVar.dataSync()];
      tf.dispose([mu, logVar]);
      for (let i = 0; i < b; i++) {
        let rate = 0;
        let entropy = 0;
        for (let j = i * d; j < (i + 1) * d; j++) {
          const variance = Math.exp(lv[j]!);
          rate += 0.5 * (m[j]! ** 2 + variance - lv[j]! - 1);
          entropy += 0.5 * (1 + LOG_2PI + lv[j]!);
        }
        out.logLikelihood[start + i] = iw.values[i]!;
        out.rate[start + i] = rate;
        out.distortion[start + i] = -iw.elbo[i]! - rate;
        out.posteriorEntropy[start + i] = entropy;
        out.priorCrossEntropy[start + i] = entropy + rate;
      }
    } finally {
      xb.dispose();
    }
    await yielder.maybeYield();
  }
  signal?.throwIfAborted();
  return out;
}
