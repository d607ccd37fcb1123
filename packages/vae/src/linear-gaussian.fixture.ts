// Test fixture: a linear-Gaussian VAE whose log p(x) is known in closed form.
//   z ~ N(0, I_2),  x | z ~ N(W z + b, sigma^2 I_3)   =>   p(x) = N(b, W W^T + sigma^2 I)
// W has orthogonal columns, so the exact posterior q*(z|x) is diagonal:
//   var_i = 1 / (1 + |w_i|^2 / sigma^2),  mean_i = var_i w_i . (x - b) / sigma^2
import * as tf from '@tensorflow/tfjs-core';
import { linear } from '@elbo/nn';
import { Likelihood } from '@elbo/prob';
import type { VaeParts } from './parts';
import { VAE } from './vae';

export const W = [
  [1.5, 0.8],
  [1.5, -0.8],
  [0, 0.8],
]; // columns (1.5, 1.5, 0) and (0.8, -0.8, 0.8) are orthogonal
export const B = [0.3, -0.2, 0.5];
export const SIGMA = 0.7;

/** log N(x; b, W W^T + sigma^2 I) in float64, by Cholesky. */
export function exactLogPx(x: number[]): number {
  const D = 3;
  const C = Array.from({ length: D }, (_, i) =>
    Array.from({ length: D }, (_, j) => W[i]!.reduce((s, w, k) => s + w * W[j]![k]!, 0) + (i === j ? SIGMA ** 2 : 0)),
  );
  const L = Array.from({ length: D }, () => new Array<number>(D).fill(0));
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = C[i]![j]!;
      for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
      L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
    }
  }
  const r = x.map((v, i) => v - B[i]!);
  const y: number[] = [];
  for (let i = 0; i < D; i++) y[i] = (r[i]! - y.slice(0, i).reduce((s, v, k) => s + L[i]![k]! * v, 0)) / L[i]![i]!;
  const logDet = 2 * L.reduce((s, row, i) => s + Math.log(row[i]!), 0);
  return -0.5 * (y.reduce((s, v) => s + v * v, 0) + logDet + D * Math.log(2 * Math.PI));
}

/** The linear-Gaussian parts; `exact` uses the true posterior, else a deliberately wrong one. */
export function linearGaussianParts(exact: boolean): VaeParts & { dispose(): void } {
  const norms = [0, 1].map((j) => W.reduce((s, row) => s + row[j]! ** 2, 0));
  const vars = norms.map((n) => 1 / (1 + n / SIGMA ** 2));
  // encoder: mu = (x - b) A, A[:, j] = var_j w_j / sigma^2
  const A = W.map((row) => row.map((w, j) => (vars[j]! * w) / SIGMA ** 2));
  const Wt = tf.transpose(tf.tensor2d(W));
  const bT = tf.tensor1d(B);
  const At = tf.tensor2d(A);
  const lv = tf.tensor1d(vars.map((v) => Math.log(v)));
  const likelihood = new Likelihood({ name: 'gaussian', sigma: SIGMA });
  return {
    latentDim: 2,
    likelihood,
    encodeParams: (x) =>
      tf.tidy(() => {
        const mu = tf.matMul(tf.sub(x, bT), At);
        const base = tf.broadcastTo(lv, mu.shape);
        return exact ? { mu, logVar: base } : { mu: tf.add(tf.mul(mu, 0.8), 0.1), logVar: tf.add(base, 0.5) };
      }),
    decodeRaw: (z) => tf.tidy(() => tf.add(tf.matMul(z, Wt), bT)),
    dispose: () => tf.dispose([Wt, bT, At, lv]),
  };
}

export const X = [
  [0.5, 0.1, 0.2],
  [-1.2, 2.0, 0.9],
  [3.0, 2.5, -1.0],
  [0.3, -0.2, 0.5],
];

/**
 * The same model as a VAE with `linear` layers: decoder kernel W^T ([2, 3]), bias B; encoder
 * one Linear layer whose output is the true posterior's mean and log-variance (`exact`), or
 * the deliberately wrong one of {@link linearGaussianParts}.
 */
export function linearGaussianVAE(exact: boolean): VAE {
  const norms = [0, 1].map((j) => W.reduce((s, row) => s + row[j]! ** 2, 0));
  const vars = norms.map((n) => 1 / (1 + n / SIGMA ** 2));
  const [scale, shift, widen] = exact ? [1, 0, 0] : [0.8, 0.1, 0.5];
  const A = W.map((row) => row.map((w, j) => (scale * vars[j]! * w) / SIGMA ** 2)); // [3, 2]
  const bA = [0, 1].map((j) => B.reduce((s, b, i) => s + b * A[i]![j]!, 0));
  const encoder = linear({ inputDim: 3, outputDim: 4 });
  encoder.setWeights({
    kernel: A.flatMap((row) => [...row, 0, 0]),
    bias: [...bA.map((v) => shift - v), ...vars.map((v) => Math.log(v) + widen)],
  });
  const decoder = linear({ inputDim: 2, outputDim: 3 });
  decoder.setWeights({ kernel: [0, 1].flatMap((j) => W.map((row) => row[j]!)), bias: B });
  return new VAE({ encoder, decoder, latentDim: 2, likelihood: { name: 'gaussian', sigma: SIGMA } });
}
