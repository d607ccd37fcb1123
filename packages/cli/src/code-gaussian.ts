import * as tf from '@tensorflow/tfjs-core';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tfjsSeed } from '@elbo/prob';
import { CliError } from './errors';

/** A full-covariance Gaussian of a model's training codes (a VAE's posterior means, an autoencoder's codes), as plain numbers. */
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

/** Images encoded at once while fitting. */
const ENCODE_ROWS = 256;

/** Rows of training data the code Gaussian is fitted to (the first ones of the first epoch's order). */
const GAUSSIAN_ROWS = 5000;

/**
 * The file beside the model that holds the code Gaussian of a VAE or an autoencoder.
 * @example
 * ```ts
 * const path = join('runs/x/model', GAUSSIAN_FILE);
 * ```
 */
export const GAUSSIAN_FILE = 'code-gaussian.json';

/**
 * The Gaussian of the codes of the first {@link GAUSSIAN_ROWS} training images (the whole tensor,
 * or the first epoch's batches when streamed), which samples decode.
 * @example
 * ```ts
 * const gaussian = await fitCodeGaussian(images, (x) => ae.encode(x));
 * ```
 */
export async function fitCodeGaussian(
  data: tf.Tensor | ((epoch: number) => AsyncIterable<tf.Tensor>),
  encode: (x: tf.Tensor) => tf.Tensor,
): Promise<GaussianJSON> {
  const codes: number[][] = [];
  for await (const batch of typeof data === 'function' ? data(0) : [data]) {
    for (let start = 0; start < batch.shape[0]! && codes.length < GAUSSIAN_ROWS; start += ENCODE_ROWS) {
      const z = tf.tidy(() => encode(tf.slice(batch, start, Math.min(ENCODE_ROWS, batch.shape[0]! - start))));
      codes.push(...(z.arraySync() as number[][]));
      z.dispose();
    }
    if (batch !== data) batch.dispose();
    if (codes.length >= GAUSSIAN_ROWS) break;
  }
  return fitGaussian(codes.slice(0, GAUSSIAN_ROWS));
}

/**
 * The code Gaussian, once the model has been trained or loaded.
 * @example
 * ```ts
 * const g = fittedGaussian(gaussian); // throws before training
 * ```
 */
export function fittedGaussian(gaussian: GaussianJSON | null): GaussianJSON {
  if (!gaussian) throw new Error('elbo: the model has no code Gaussian yet (train it first)');
  return gaussian;
}

/**
 * The code Gaussian saved beside a model; a run folder without it is not one this version wrote.
 * @example
 * ```ts
 * const gaussian = await readGaussian('runs/x/model');
 * ```
 */
export async function readGaussian(dir: string): Promise<GaussianJSON> {
  const path = join(dir, GAUSSIAN_FILE);
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new CliError(`elbo: the run's ${GAUSSIAN_FILE} cannot be read (${path}): ${error.message}`);
  });
  let json: GaussianJSON | undefined;
  try {
    json = JSON.parse(text) as GaussianJSON;
  } catch {
    // reported below with what was expected
  }
  if (!Array.isArray(json?.mean) || !Array.isArray(json?.cholesky))
    throw new CliError(`elbo: ${path} must hold a code Gaussian ({ mean, cholesky }), got ${JSON.stringify(text.slice(0, 40))}`);
  return json;
}
