import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '@elbo/prob';

/** A row-major float64 matrix, the working form of the dense routines. */
export interface DenseMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A matrix argument: a rank-2 tensor or nested arrays (kept in float64). */
export type MatrixLike = tf.Tensor | number[][];

/**
 * Reads a matrix argument into float64, checking rank 2 and finiteness.
 * Throws `<fn>: <name> must be ...` naming the first bad index.
 */
export function toDense(x: MatrixLike, name: string, fn: string): DenseMatrix {
  let data: Float64Array;
  let rows: number;
  let cols: number;
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2) throw new Error(`${fn}: ${name} must be a matrix (rank 2), got shape [${x.shape}]`);
    [rows, cols] = x.shape as [number, number];
    data = Float64Array.from(x.dataSync());
  } else {
    if (!Array.isArray(x) || !x.every(Array.isArray)) {
      throw new Error(`${fn}: ${name} must be a matrix (rank 2 tensor or number[][]), got ${describeValue(x)}`);
    }
    rows = x.length;
    cols = rows > 0 ? x[0]!.length : 0;
    data = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i]!;
      if (row.length !== cols) throw new Error(`${fn}: ${name} must have rows of equal length ${cols}, got ${row.length} at row ${i}`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
    }
  }
  if (rows === 0 || cols === 0) throw new Error(`${fn}: ${name} must not be empty, got shape [${rows}, ${cols}]`);
  assertFinite(data, cols, name, fn);
  return { data, rows, cols };
}

/** Throws naming `[row, col]` of the first NaN or infinite entry. */
export function assertFinite(data: ArrayLike<number>, cols: number, name: string, fn: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      throw new Error(`${fn}: ${name} must be finite, got ${v} at index [${Math.floor(i / cols)}, ${i % cols}]`);
    }
  }
}

/** Copies a float64 array into a float32 tensor of the given shape. */
export function tensorFrom64(data: ArrayLike<number>, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(data), shape, 'float32');
}

/** Largest absolute entry. */
export function maxAbs(data: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]!));
  return m;
}

/** Flips each column of the row-major `v` (rows x cols) so that its entry of largest magnitude is positive. */
export function flipColumnsLargestPositive(v: Float64Array, rows: number, cols: number): void {
  for (let j = 0; j < cols; j++) {
    let best = 0;
    for (let i = 0; i < rows; i++) if (Math.abs(v[i * cols + j]!) > Math.abs(best)) best = v[i * cols + j]!;
    if (best < 0) for (let i = 0; i < rows; i++) v[i * cols + j] = -v[i * cols + j]!;
  }
}
