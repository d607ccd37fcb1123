import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { expectClose } from '../../../tooling/testing';

// A runtime whose worker threads cannot start (as some embedders and sandboxes have it).
vi.mock('node:worker_threads', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:worker_threads')>()),
  Worker: class {
    constructor() {
      throw new Error('no worker threads here');
    }
  },
}));

const { selectBackend, kernelThreads } = await import('./select-backend');
const { threadHelpers } = await import('@elbo/backend-common');

describe('threads: 2 where worker threads cannot start', () => {
  it('keeps the wasm backend on one thread, says why, and computes large products right', async () => {
    const { name, reason } = await selectBackend({ prefer: ['wasm'], fallback: false, threads: 2 });
    expect(name).toBe('wasm');
    expect(reason).toContain('one thread (worker threads could not start: no worker threads here)');
    expect(kernelThreads()).toBeUndefined();
    expect(threadHelpers()).toBeNull();
    const a = tf.randomNormal([128, 784], 0, 1, 'float32', 1);
    const b = tf.randomNormal([784, 400], 0, 1, 'float32', 2);
    const got = tf.matMul(a, b);
    const [av, bv] = [a.dataSync(), b.dataSync()];
    const want = new Float64Array(128 * 400);
    for (let i = 0; i < 128; i++)
      for (let p = 0; p < 784; p++) for (let j = 0; j < 400; j++) want[i * 400 + j]! += av[i * 784 + p]! * bv[p * 400 + j]!;
    expectClose(got.dataSync(), want, { rtol: 1e-5, atol: 1e-6 * Math.sqrt(784) * 8 });
    tf.dispose([a, b, got]);
  });
});
