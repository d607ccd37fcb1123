import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { callerRows, matMulHelpers, MIN_SHARED_MULTIPLY_ADDS, setMatMulHelpers, type MatMulHelpers } from '@elbo/backend-common';
import { matMulThreads, selectBackend } from './select-backend';

/** act(A B + bias) in float64, one matrix of a batch at a time: the oracle. */
function reference(a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor | null, relu: boolean): Float64Array {
  const [batch, m, k] = a.rank === 3 ? a.shape : [1, ...a.shape];
  const n = b.shape[b.rank - 1]!;
  const bBatch = b.rank === 3 ? b.shape[0]! : 1;
  const [av, bv] = [a.dataSync(), b.dataSync()];
  const biasValues = bias?.dataSync();
  const out = new Float64Array(batch! * m! * n);
  for (let i = 0; i < batch!; i++) {
    const bAt = (bBatch === 1 ? 0 : i) * k! * n;
    for (let r = 0; r < m!; r++) {
      for (let j = 0; j < n; j++) {
        let s = biasValues == null ? 0 : biasValues[j]!;
        for (let p = 0; p < k!; p++) s += av[(i * m! + r) * k! + p]! * bv[bAt + p * n + j]!;
        out[(i * m! + r) * n + j] = relu ? Math.max(0, s) : s;
      }
    }
  }
  return out;
}

/** float32 rounding of a length-k dot product of N(0, 1) entries. */
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 1e-6 * Math.sqrt(k) * 8 });

/** Runs `product` with the helpers and without; both must give the same bits (same kernel, same sums per row). */
function withAndWithout(product: () => tf.Tensor): { shared: tf.Tensor; alone: tf.Tensor; sharedProducts: number } {
  const threads = matMulThreads()!;
  const before = threads.sharedProducts;
  const shared = product();
  const sharedProducts = threads.sharedProducts - before;
  setMatMulHelpers(null);
  try {
    return { shared, alone: product(), sharedProducts };
  } finally {
    setMatMulHelpers(threads);
  }
}

let reason: string;
beforeAll(async () => {
  ({ reason } = await selectBackend({ prefer: ['wasm'], fallback: false, threads: 2 }));
});
afterAll(async () => {
  setMatMulHelpers(null);
  await matMulThreads()?.stop();
});

describe('products shared with a worker thread (threads: 2)', () => {
  it('start with the wasm backend, which says so', () => {
    expect(reason).toMatch(/products of 4 M multiply-adds or more shared by 2 threads/);
    expect(matMulThreads()?.count).toBe(1);
    expect(matMulHelpers()).toBe(matMulThreads());
  });

  it('split rows in multiples of 4, the caller an equal share, and leave small products alone', () => {
    expect(callerRows(128, 400, 784, 1)).toBe(64);
    expect(callerRows(132, 400, 784, 1)).toBe(68);
    expect(callerRows(12, 1024, 512, 1)).toBe(8);
    expect(callerRows(128, 784, 400, 3)).toBe(32);
    expect(callerRows(4, 4096, 4096, 1)).toBe(4); // one row tile: nothing to share
    expect(callerRows(128, 400, 40, 1)).toBe(128); // 2 M multiply-adds
    expect(128 * 400 * 40).toBeLessThan(MIN_SHARED_MULTIPLY_ADDS);
    expect(callerRows(128, 784, 400, 0)).toBe(128);
  });

  const cases: { a: number[]; b: number[]; note: string }[] = [
    { a: [128, 784], b: [784, 400], note: "the VAE's first layer, rank 2 (tf.matMul)" },
    { a: [1, 400, 128], b: [1, 128, 784], note: 'a weight gradient, rank 3 as the layers pass it' },
    { a: [132, 300], b: [300, 136], note: 'rows not shared evenly (68 and 64)' },
    { a: [12, 512], b: [512, 1024], note: 'three row tiles (8 and 4)' },
    { a: [3, 40, 512], b: [3, 512, 256], note: 'a batch of 3, each shared' },
    { a: [2, 40, 512], b: [512, 256], note: 'a batch of 2 with B broadcast' },
  ];
  for (const { a: sa, b: sb, note } of cases) {
    it(`give the single thread's bits and float64's values: ${note}, [${sa}] x [${sb}]`, async () => {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 11);
      const b = tf.randomNormal(sb, 0, 1, 'float32', 12);
      const { shared, alone, sharedProducts } = await expectNoLeaks(() => withAndWithout(() => tf.matMul(a, b)));
      expect(sharedProducts).toBe(sa.length === 3 ? sa[0] : 1);
      expect(shared.shape).toEqual(alone.shape);
      expect(shared.dataSync()).toEqual(alone.dataSync());
      expectClose(shared.dataSync(), reference(a, b, null, false), tolerance(sa[sa.length - 1]!));
      tf.dispose([a, b, shared, alone]);
    });
  }

  it('apply bias and ReLU on the helper rows too (tf.fused.matMul)', () => {
    const a = tf.randomNormal([128, 400], 0, 1, 'float32', 13);
    const b = tf.randomNormal([400, 784], 0, 1, 'float32', 14);
    const bias = tf.randomNormal([784], 0, 1, 'float32', 15);
    const { shared, alone, sharedProducts } = withAndWithout(() => tf.fused.matMul({ a, b, bias, activation: 'relu' }));
    expect(sharedProducts).toBe(1);
    expect(shared.dataSync()).toEqual(alone.dataSync());
    expectClose(shared.dataSync(), reference(a, b, bias, true), tolerance(400));
    tf.dispose([a, b, bias, shared, alone]);
  });

  it('train: the gradient of a shared product matches the single thread bit for bit', () => {
    const x = tf.randomNormal([128, 784], 0, 1, 'float32', 16);
    const w = tf.randomNormal([784, 400], 0, 0.05, 'float32', 17);
    const gradient = () => tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(x, v)))))(w);
    const { shared, alone, sharedProducts } = withAndWithout(gradient);
    expect(sharedProducts).toBeGreaterThanOrEqual(2); // forward and dW = x^T g
    expect(shared.dataSync()).toEqual(alone.dataSync());
    tf.dispose([x, w, shared, alone]);
  });

  it('leave products to the calling thread when a helper answers false, with the same result', () => {
    const failing: MatMulHelpers = { count: 1, start: () => () => false };
    const a = tf.randomNormal([128, 784], 0, 1, 'float32', 18);
    const b = tf.randomNormal([784, 400], 0, 1, 'float32', 19);
    const want = reference(a, b, null, false);
    const threads = matMulThreads()!;
    setMatMulHelpers(failing);
    try {
      const got = tf.matMul(a, b);
      expectClose(got.dataSync(), want, tolerance(784));
      got.dispose();
    } finally {
      setMatMulHelpers(threads);
    }
    tf.dispose([a, b]);
  });
});

describe('stopped helper threads', () => {
  it('take no products, and the calling thread computes them all', async () => {
    const threads = matMulThreads()!;
    await threads.stop();
    expect(threads.healthy).toBe(false);
    const before = threads.sharedProducts;
    const a = tf.randomNormal([128, 784], 0, 1, 'float32', 20);
    const b = tf.randomNormal([784, 400], 0, 1, 'float32', 21);
    const got = tf.matMul(a, b);
    expect(threads.sharedProducts).toBe(before);
    expectClose(got.dataSync(), reference(a, b, null, false), tolerance(784));
    tf.dispose([a, b, got]);
  });
});
