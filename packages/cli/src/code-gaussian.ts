import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '@elbo/prob';

/** A full-covariance Gaussian of the autoencoder's training codes, as plain numbers. */
export interface GaussianJSON {
  mean: number[];
  /** Lower Cholesky factor L of the covariance (row-major, k x k), so z = mean + L eps. */
  cholesky: number[][];
}

/**
 * Fits mean and covariance to codes [n][k] (a small jitter keeps L defined when codes are degenerate).
 * @example
 * ```ts
 * const g = fitGaussian([[0, 1], [1, 0], [2, 2]]);
 * ```
 */
export function fitGaussian(codes: number[][]): GaussianJSON {
  const n = codes.length;
  const k = codes[0]?.length ?? 0;
  const mean = Array.from({ length: k }, (_, j) => codes.reduce((s, row) => s + row[j]!, 0) / n);
  const cov = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => codes.reduce((s, row) => s + (row[i]! - mean[i]!) * (row[j]! - mean[j]!), 0) / Math.max(1, n - 1)),
  );
  const scale = Math.max(1e-12, ...cov.map((row, i) => row[i]!));
  for (let i = 0; i < k; i++) cov[i]![i]! += 1e-6 * scale;
  return { mean, cholesky: cholesky(cov) };
}

/**
 * n draws z = mean + L eps, eps ~ N(0, I) with `seed`: [n, k].
 * @example
 * ```ts
 * const z = sampleGaussian(fitGaussian(codes), 16, 0);
 * ```
 */
export function sampleGaussian(g: GaussianJSON, n: number, seed: number): tf.Tensor2D {
  const k = g.mean.length;
  return tf.tidy(() => {
    const eps = tf.randomNormal([n, k], 0, 1, 'float32', tfjsSeed(seed)); // tfjs reads a bare seed 0 as no seed
    return tf.add(tf.matMul(eps, tf.tensor2d(g.cholesky), false, true), tf.tensor1d(g.mean));
  });
}

function cholesky(a: number[][]): number[][] {
  const k = a.length;
  const l = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let m = 0; m < j; m++) s -= l[i]![m]! * l[j]![m]!;
      l[i]![j] = i === j ? Math.sqrt(Math.max(s, 0)) : l[j]![j]! > 0 ? s / l[j]![j]! : 0;
    }
  }
  return l;
}
