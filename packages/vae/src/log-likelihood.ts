import * as tf from '@tensorflow/tfjs-core';
import { describeValue, foldIn } from '@elbo/prob';
import { logDiagNormalFromNoise, logStandardNormal, reparameterize } from './diag-gaussian';
import type { VaeParts } from './parts';
import { meanAndSd } from './sample-moments';
import { checkSamples } from './settings';

/** Options of the importance-weighted log p(x) estimate. */
export interface LogLikelihoodOptions {
  /** Importance samples K per example. Default 500. */
  samples?: number;
  /** Seed of the draws; same seed, same estimate. */
  seed?: number;
  /** Examples per chunk; default chosen so a chunk's decoder output stays near 32 MB. */
  exampleChunk?: number;
  /** Samples per chunk (a divisor of the work over K); default likewise. */
  sampleChunk?: number;
}

/** The estimate of log p(x): per example and over the data set. */
export interface LogLikelihoodResult {
  /** Estimate of log p(x_n) for each example (nats), length n. */
  values: Float64Array;
  /** Mean of `values` over the examples. */
  mean: number;
  /** Standard error of `mean`: sample std of `values` / sqrt(n) (0 for one example). */
  standardError: number;
  /** Monte Carlo standard error of each `values[n]` (delta method: sd(w) / (sqrt(K) mean(w))). */
  monteCarloStandardError: Float64Array;
  /** The ELBO of each example from the same draws: mean_k log w_k (<= values[n]). */
  elbo: Float64Array;
  /** K used. */
  samples: number;
}

/** Floats per decoder-output chunk (about 32 MB of float32). */
const CHUNK_FLOATS = 2 ** 23;

/**
 * Importance-weighted estimate of log p(x) (Burda et al. 2016), with q(z|x) as the proposal:
 *
 * ```
 * log w_k = log p(x|z_k) + log p(z_k) - log q(z_k|x),   z_k ~ q(z|x),  k = 1..K
 * log p(x) ~ logSumExp_k(log w_k) - log K               (a lower bound, tight as K grows)
 * ```
 *
 * Runs in chunks over examples and over K, keeping running log-sum-exps of
 * log w and 2 log w per example, so K = 5000 on 2000 images fits in memory.
 *
 * The draws of chunk c (counted over the whole data) use the seed `foldIn(seed, c)`.
 *
 * @param parts - encoder, decoder, likelihood.
 * @param x - data, shape [n, ...itemShape].
 * @example
 * ```ts
 * const { mean, standardError } = importanceWeightedLogLikelihood(vae, x, { samples: 500, seed: 0 });
 * ```
 */
export function importanceWeightedLogLikelihood(parts: VaeParts, x: tf.Tensor, options: LogLikelihoodOptions = {}): LogLikelihoodResult {
  if (options == null || typeof options !== 'object')
    throw new TypeError(`logLikelihood: options must be an object, got ${describeValue(options)}`);
  const K = checkSamples(options.samples ?? 500, 'logLikelihood');
  const n = x.shape[0]!;
  const D = n === 0 ? 0 : x.size / n;
  const rows = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(D, parts.latentDim)));
  const sampleChunk = options.sampleChunk ?? Math.min(K, rows);
  const exampleChunk = options.exampleChunk ?? Math.max(1, Math.min(n, Math.floor(rows / sampleChunk)));
  for (const [name, v] of [
    ['sampleChunk', sampleChunk],
    ['exampleChunk', exampleChunk],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`logLikelihood: ${name} must be an integer >= 1, got ${v}`);
  }
  const values = new Float64Array(n);
  const mcse = new Float64Array(n);
  const elbo = new Float64Array(n);
  const logK = Math.log(K);
  let chunkIndex = 0;
  for (let start = 0; start < n; start += exampleChunk) {
    const b = Math.min(exampleChunk, n - start);
    const [lse1, lse2, sumLogW] = tf.tidy(() => {
      const xb = tf.slice(x, start, b);
      const { mu, logVar } = parts.encodeParams(xb);
      let acc1: tf.Tensor = tf.fill([b], -Infinity);
      let acc2: tf.Tensor = tf.fill([b], -Infinity);
      let accSum: tf.Tensor = tf.zeros([b]);
      for (let k0 = 0; k0 < K; k0 += sampleChunk) {
        const s = Math.min(sampleChunk, K - k0);
        const seed = options.seed == null ? undefined : foldIn(options.seed, chunkIndex++);
        const next = tf.tidy(() => {
          const logW = logWeights(parts, xb, mu, logVar, s, seed); // [s, b]
          return [
            tf.logSumExp(tf.concat([tf.expandDims(acc1, 0), logW]), 0),
            tf.logSumExp(tf.concat([tf.expandDims(acc2, 0), tf.mul(2, logW)]), 0),
            tf.add(accSum, tf.sum(logW, 0)),
          ];
        });
        tf.dispose([acc1, acc2, accSum]);
        [acc1, acc2, accSum] = next as [tf.Tensor, tf.Tensor, tf.Tensor];
      }
      return [acc1, acc2, accSum];
    });
    const [a1, a2, sw] = [lse1!.dataSync(), lse2!.dataSync(), sumLogW!.dataSync()];
    tf.dispose([lse1!, lse2!, sumLogW!]);
    for (let i = 0; i < b; i++) {
      const logMeanW = a1[i]! - logK;
      values[start + i] = logMeanW;
      elbo[start + i] = sw[i]! / K;
      // var(w) / mean(w)^2 = mean(w^2) / mean(w)^2 - 1, in log space.
      const relVar = Math.max(0, Math.exp(a2[i]! - logK - 2 * logMeanW) - 1);
      mcse[start + i] = K > 1 ? Math.sqrt(relVar / K) : Number.NaN;
    }
  }
  const { mean, sd } = meanAndSd(values);
  const standardError = n > 1 ? sd / Math.sqrt(n) : 0;
  return { values, mean, standardError, monteCarloStandardError: mcse, elbo, samples: K };
}

/** log w for s draws per example of a chunk: [s, b]. */
function logWeights(parts: VaeParts, xb: tf.Tensor, mu: tf.Tensor, logVar: tf.Tensor, s: number, seed: number | undefined): tf.Tensor {
  const [b, d] = mu.shape as [number, number];
  const { z, eps } = reparameterize(mu, logVar, s, seed);
  const out = parts.decodeRaw(tf.reshape(z, [s * b, d]));
  const logPxz = parts.likelihood.logProb(xb, tf.reshape(out, [s, b, ...out.shape.slice(1)]));
  return tf.add(logPxz, tf.sub(logStandardNormal(z), logDiagNormalFromNoise(eps, logVar)));
}
