import * as tf from '@tensorflow/tfjs-core';
import type { MnistArrays } from '@elbo/datasets';

/** The images of a digit set as a [n, 784] tensor (the caller disposes it). */
export function imagesTensor(set: MnistArrays): tf.Tensor2D {
  return tf.tensor2d(set.images, set.shape);
}

/** Row i of a [n, d] flat array. */
export function row(set: MnistArrays, i: number): Float32Array {
  const d = set.shape[1];
  return set.images.slice(i * d, (i + 1) * d);
}

/** The first index of each digit 0-9 in a set (for galleries that show one of each). */
export function oneOfEach(set: MnistArrays, offset = 0): number[] {
  const picks: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    let seen = 0;
    let found = -1;
    for (let i = 0; i < set.labels.length; i++) {
      if (set.labels[i] === digit && seen++ === offset) {
        found = i;
        break;
      }
    }
    if (found < 0) for (let i = 0; i < set.labels.length && found < 0; i++) if (set.labels[i] === digit) found = i;
    if (found >= 0) picks.push(found);
  }
  return picks;
}

/** The rows `indices` of a set as a [k, 784] tensor. */
export function rowsTensor(set: MnistArrays, indices: readonly number[]): tf.Tensor2D {
  const d = set.shape[1];
  const out = new Float32Array(indices.length * d);
  indices.forEach((idx, k) => out.set(set.images.subarray(idx * d, (idx + 1) * d), k * d));
  return tf.tensor2d(out, [indices.length, d]);
}

/** A tensor [n, ...] (vectors, or images [n, h, w, c]) as n flat Float32Array rows (downloads it; does not dispose). */
export async function tensorRows(t: tf.Tensor): Promise<Float32Array[]> {
  const n = t.shape[0]!;
  const d = t.size / n;
  const data = (await t.data()) as Float32Array;
  return Array.from({ length: n }, (_, i) => data.slice(i * d, (i + 1) * d));
}

/** Sizes of the digit sets with --quick (the full run uses the whole 8000 / 2000 split). */
export const QUICK_SIZES = { train: 1000, test: 300 } as const;

/** The first n rows of a digit set. */
export function firstRows(set: MnistArrays, n: number): MnistArrays {
  const d = set.shape[1];
  return {
    images: set.images.slice(0, n * d),
    labels: set.labels.slice(0, n),
    indices: set.indices.slice(0, n),
    shape: [n, d],
  };
}
