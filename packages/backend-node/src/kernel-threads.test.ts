import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import {
  BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL,
  BERNOULLI_LOG_LIKELIHOOD_KERNEL,
  bernoulliCallerRows,
  callerRows,
  MIN_SHARED_MULTIPLY_ADDS,
  setThreadHelpers,
  threadHelpers,
  type ThreadHelpers,
} from '@elbo/backend-common';
import { kernelThreads, selectBackend } from './select-backend';

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
function withAndWithout(product: () => tf.Tensor): { shared: tf.Tensor; alone: tf.Tensor; sharedRuns: number } {
  const threads = kernelThreads()!;
  const before = threads.sharedRuns;
  const shared = product();
  const sharedRuns = threads.sharedRuns - before;
  setThreadHelpers(null);
  try {
    return { shared, alone: product(), sharedRuns };
  } finally {
    setThreadHelpers(threads);
  }
}

/** Bit-for-bit equality of two float32 tensors (vitest's deep equality is slow on a million values). */
function expectSameBits(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer, (t.dataSync() as Float32Array).byteOffset, 4 * t.size);
  expect(Buffer.compare(bytes(a), bytes(b)), 'bytes differ').toBe(0);
}

let reason: string;
beforeAll(async () => {
  ({ reason } = await selectBackend({ prefer: ['wasm'], fallback: false, threads: 2 }));
});
afterAll(async () => {
  setThreadHelpers(null);
  await kernelThreads()?.stop();
});

describe('products shared with a worker thread (threads: 2)', () => {
  it('start with the wasm backend, which says so', () => {
    expect(reason).toMatch(/large products and Bernoulli log-likelihoods shared by 2 threads/);
    expect(kernelThreads()?.count).toBe(1);
    expect(threadHelpers()).toBe(kernelThreads());
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
      const { shared, alone, sharedRuns } = await expectNoLeaks(() => withAndWithout(() => tf.matMul(a, b)));
      expect(sharedRuns).toBe(sa.length === 3 ? sa[0] : 1);
      expectSameBits(shared, alone);
      expectClose(shared.dataSync(), reference(a, b, null, false), tolerance(sa[sa.length - 1]!));
      tf.dispose([a, b, shared, alone]);
    });
  }

  it('apply bias and ReLU on the helper rows too (tf.fused.matMul)', () => {
    const a = tf.randomNormal([128, 400], 0, 1, 'float32', 13);
    const b = tf.randomNormal([400, 784], 0, 1, 'float32', 14);
    const bias = tf.randomNormal([784], 0, 1, 'float32', 15);
    const { shared, alone, sharedRuns } = withAndWithout(() => tf.fused.matMul({ a, b, bias, activation: 'relu' }));
    expect(sharedRuns).toBe(1);
    expectSameBits(shared, alone);
    expectClose(shared.dataSync(), reference(a, b, bias, true), tolerance(400));
    tf.dispose([a, b, bias, shared, alone]);
  });

  it('train: the gradient of a shared product matches the single thread bit for bit', () => {
    const x = tf.randomNormal([128, 784], 0, 1, 'float32', 16);
    const w = tf.randomNormal([784, 400], 0, 0.05, 'float32', 17);
    const gradient = () => tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(x, v)))))(w);
    const { shared, alone, sharedRuns } = withAndWithout(gradient);
    expect(sharedRuns).toBeGreaterThanOrEqual(2); // forward and dW = x^T g
    expectSameBits(shared, alone);
    tf.dispose([x, w, shared, alone]);
  });

  it('leave products to the calling thread when a helper answers false, with the same result', () => {
    const failing: ThreadHelpers = { count: 1, startProduct: () => () => false, startBernoulli: () => () => false };
    const a = tf.randomNormal([128, 784], 0, 1, 'float32', 18);
    const b = tf.randomNormal([784, 400], 0, 1, 'float32', 19);
    const want = reference(a, b, null, false);
    const threads = kernelThreads()!;
    setThreadHelpers(failing);
    try {
      const got = tf.matMul(a, b);
      expectClose(got.dataSync(), want, tolerance(784));
      got.dispose();
    } finally {
      setThreadHelpers(threads);
    }
    tf.dispose([a, b]);
  });
});

/** The Bernoulli kernels' values in float64: sum_j x l - softplus(l) per row, or dy (x - sigmoid(l)). */
function bernoulliReference(x: tf.Tensor, logits: tf.Tensor, dy: tf.Tensor | null): Float64Array {
  const [xRows, width] = x.shape as [number, number];
  const rows = logits.shape[0]!;
  const [xv, lv, dyv] = [x.dataSync(), logits.dataSync(), dy?.dataSync()];
  const out = new Float64Array(dy == null ? rows : rows * width);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < width; j++) {
      const [xj, l] = [xv[(r % xRows) * width + j]!, lv[r * width + j]!];
      if (dyv == null) out[r]! += xj * l - Math.max(l, 0) - Math.log1p(Math.exp(-Math.abs(l)));
      else out[r * width + j] = dyv[r]! * (xj - 1 / (1 + Math.exp(-l)));
    }
  }
  return out;
}

describe('Bernoulli log-likelihoods shared with a worker thread', () => {
  it('split at multiples of x rows (K samples of a batch), or row by row where logits and x pair one to one', () => {
    expect(bernoulliCallerRows(10500, 21, 784, 1)).toBe(5250);
    expect(bernoulliCallerRows(10000, 21, 784, 1)).toBe(21 * 239); // 476 units of 21 rows: 239 and 237
    expect(bernoulliCallerRows(2000, 2000, 784, 1)).toBe(1000);
    expect(bernoulliCallerRows(128, 128, 784, 1)).toBe(128); // a training batch: 100 k values, not shared
    expect(bernoulliCallerRows(1344, 672, 784, 0)).toBe(1344);
  });

  const cases = [
    { rows: 2100, xRows: 21, note: "logLikelihood's K samples of a batch" },
    { rows: 1500, xRows: 1500, note: 'logits and x one to one (elbo() of a large batch)' },
    { rows: 2000, xRows: 40, note: 'rows not shared evenly (25 and 25 units of 40, then 1000 rows each)' },
  ];
  for (const { rows, xRows, note } of cases) {
    for (const gradient of [false, true]) {
      it(`give the single thread's bits and float64's values${gradient ? ' (gradient)' : ''}: ${note}`, async () => {
        const width = 784;
        const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([xRows, width], 0, 1, 'float32', 31), 0.5), 'float32'));
        const logits = tf.randomNormal([rows, width], 0, 3, 'float32', 32);
        const dy = gradient ? tf.randomNormal([rows], 0, 1, 'float32', 33) : null;
        const kernel = gradient ? BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL : BERNOULLI_LOG_LIKELIHOOD_KERNEL;
        const inputs: tf.NamedTensorMap = dy == null ? { x, logits } : { x, logits, dy };
        const { shared, alone, sharedRuns } = await expectNoLeaks(() =>
          withAndWithout(() => tf.engine().runKernel(kernel, inputs, {}) as tf.Tensor),
        );
        expect(sharedRuns).toBe(1);
        expectSameBits(shared, alone);
        expectClose(shared.dataSync(), bernoulliReference(x, logits, dy), { rtol: 2e-5, atol: gradient ? 1e-6 : 1e-4 * Math.sqrt(width) });
        tf.dispose([x, logits, shared, alone, ...(dy == null ? [] : [dy])]);
      });
    }
  }
});

describe('stopped helper threads', () => {
  it('take no products, and the calling thread computes them all', async () => {
    const threads = kernelThreads()!;
    await threads.stop();
    expect(threads.healthy).toBe(false);
    const before = threads.sharedRuns;
    const a = tf.randomNormal([128, 784], 0, 1, 'float32', 20);
    const b = tf.randomNormal([784, 400], 0, 1, 'float32', 21);
    const got = tf.matMul(a, b);
    expect(threads.sharedRuns).toBe(before);
    expectClose(got.dataSync(), reference(a, b, null, false), tolerance(784));
    tf.dispose([a, b, got]);
  });
});
