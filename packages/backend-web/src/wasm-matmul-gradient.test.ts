import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose } from '../../../tooling/testing';
import { installWasmMatMulGradient } from '@elbo/backend-common';

// The wasm project's setup has the wasm backend running in Node; on the cpu
// project the replaced gradient must delegate to the default one.
const testBackend = tf.getBackend();
afterAll(() => tf.setBackend(testBackend));

/** Gradients of sum(w * matMul(a, b, ta, tb)) with respect to a and b, on the named backend. */
async function matMulGradients(backend: string, ta: boolean, tb: boolean) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const a = tf.randomNormal(ta ? [5, 3] : [3, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal(tb ? [4, 5] : [5, 4], 0, 1, 'float32', 2);
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 3);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(w, tf.matMul(x, y, ta, tb)));
    const [da, db] = tf.grads(f)([a, b]);
    return { da: Array.from(da!.dataSync()), db: Array.from(db!.dataSync()) };
  });
}

describe(`the BatchMatMul gradient with explicit transposes (test backend ${testBackend})`, () => {
  installWasmMatMulGradient();

  it('is installed in place of the default', () => {
    expect(tf.getGradient(tf.BatchMatMul)!.gradFunc.toString()).toContain('transpose');
  });

  for (const [ta, tb] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`equals the cpu gradient for transposeA=${ta}, transposeB=${tb}`, async () => {
      const reference = await matMulGradients('cpu', ta, tb);
      const tested = await matMulGradients(testBackend, ta, tb);
      expectClose(tested.da, reference.da, { rtol: 1e-5, atol: 1e-5 });
      expectClose(tested.db, reference.db, { rtol: 1e-5, atol: 1e-5 });
    });
  }
});
