import * as tf from '@tensorflow/tfjs-core';

/**
 * Converts a data-matrix argument to a float32 tensor [n, d], checking rank,
 * size and finiteness (the first bad index is named). The caller disposes
 * the result when `owned` is true (it was created here).
 */
export function toDataTensor(
  x: tf.Tensor | number[][],
  name: string,
  fn: string,
  { minRows = 1, cols }: { minRows?: number; cols?: number } = {},
): { t: tf.Tensor2D; owned: boolean } {
  let t: tf.Tensor;
  let owned = false;
  if (x instanceof tf.Tensor) {
    t = x;
  } else {
    if (!Array.isArray(x) || !x.every(Array.isArray)) throw new Error(`${fn}: ${name} must be a rank-2 tensor or number[][]`);
    const width = x[0]?.length ?? 0;
    const bad = x.findIndex((row) => row.length !== width);
    if (bad >= 0) throw new Error(`${fn}: ${name} must have rows of equal length ${width}, got ${x[bad]!.length} at row ${bad}`);
    t = tf.tensor2d(x, [x.length, width], 'float32');
    owned = true;
  }
  const fail = (msg: string): never => {
    if (owned) t.dispose();
    throw new Error(`${fn}: ${name} ${msg}`);
  };
  if (t.rank !== 2) fail(`must be a matrix [n, d], got shape [${t.shape}]`);
  const [n, d] = t.shape as [number, number];
  if (n < minRows) fail(`must have at least ${minRows} rows, got shape [${t.shape}]`);
  if (cols !== undefined && d !== cols) fail(`must have ${cols} columns (features), got shape [${t.shape}]`);
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
  if (!allFinite) {
    const data = t.dataSync();
    const i = data.findIndex((v) => !Number.isFinite(v));
    fail(`must be finite, got ${data[i]} at index [${Math.floor(i / d)}, ${i % d}]`);
  }
  return { t: t as tf.Tensor2D, owned };
}

/** Copies a float64 array into a float32 tensor of the given shape. */
export function tensorFrom64(data: ArrayLike<number>, shape: number[]): tf.Tensor {
  return tf.tensor(Float32Array.from(data), shape, 'float32');
}
