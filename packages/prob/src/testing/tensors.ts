// Test helpers shared by the fit, early-stopping and loss-output tests.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach } from 'vitest';

/**
 * Tensors a test makes and the file frees after each test: call once at the top of a test file.
 * `indexRows(n)` is a [n, 1] tensor whose row i holds i, so a batch tells which rows it took.
 */
export function testTensors(): { keep: <T extends tf.Tensor>(t: T) => T; indexRows: (n: number) => tf.Tensor2D } {
  const owned: tf.Tensor[] = [];
  afterEach(() => tf.dispose(owned.splice(0)));
  const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
  const indexRows = (n: number): tf.Tensor2D =>
    keep(
      tf.tensor2d(
        Array.from({ length: n }, (_, i) => i),
        [n, 1],
      ),
    );
  return { keep, indexRows };
}
