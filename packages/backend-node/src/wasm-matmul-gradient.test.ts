import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../tooling/testing';
import { selectBackend } from './index';

/** Gradients of sum(w * matMul(a, b, ta, tb)) with respect to a and b, on the named backend. */
async function matMulGradients(backend: 'cpu' | 'wasm', ta: boolean, tb: boolean) {
  await selectBackend({ prefer: [backend], fallback: false });
  return tf.tidy(() => {
    const a = tf.randomNormal(ta ? [5, 3] : [3, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal(tb ? [4, 5] : [5, 4], 0, 1, 'float32', 2);
    const w = tf.randomNormal([3, 4], 0, 1, 'float32', 3);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(w, tf.matMul(x, y, ta, tb)));
    const [da, db] = tf.grads(f)([a, b]);
    return { da: Array.from(da!.dataSync()), db: Array.from(db!.dataSync()) };
  });
}

describe('the wasm BatchMatMul gradient (explicit transposes)', () => {
  for (const [ta, tb] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    it(`equals the default gradient on cpu for transposeA=${ta}, transposeB=${tb}`, async () => {
      const reference = await matMulGradients('cpu', ta, tb);
      const wasm = await matMulGradients('wasm', ta, tb);
      expectClose(wasm.da, reference.da, { rtol: 1e-5, atol: 1e-5 });
      expectClose(wasm.db, reference.db, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it('keeps batched (rank-3) matMul gradients on the default path', async () => {
    const grads = async (backend: 'cpu' | 'wasm') => {
      await selectBackend({ prefer: [backend], fallback: false });
      return tf.tidy(() => {
        const a = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 4);
        const b = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 5);
        return Array.from(
          tf
            .grad((x: tf.Tensor) => tf.sum(tf.matMul(x, b)))(a)
            .dataSync(),
        );
      });
    };
    expectClose(await grads('wasm'), await grads('cpu'), { rtol: 1e-5, atol: 1e-5 });
  });

  it('is in place after wasm was selected', async () => {
    await selectBackend({ prefer: ['wasm'], fallback: false });
    const gradient = tf.getGradient(tf.BatchMatMul)!;
    expect(gradient.gradFunc.toString()).toContain('transpose');
  });
});
