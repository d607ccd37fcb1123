import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from './index';

describe('an allocation the wasm heap cannot hold', () => {
  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.name).toBe('wasm');
  });

  // tf.tile makes its output in the kernel: the size goes straight to the heap's malloc, no JavaScript array first.
  const one = () => tf.ones([1]);
  it.each([
    ['a tensor that needs the heap to grow past 4 GiB (malloc answers 0)', 2 ** 30 - 4, /out of memory allocating 4\.00 GiB/],
    ['a tensor of 4 GiB or more (its size would wrap around a wasm32 i32)', 2 ** 30 + 1, /out of memory allocating 4\.00 GiB/],
  ])('%s is a named error, and the backend keeps working with nothing leaked', (_, floats, message) => {
    const tensors = tf.memory().numTensors;
    const x = one();
    let error: unknown;
    try {
      tf.tidy(() => tf.tile(x, [floats]));
    } catch (e) {
      error = e;
    }
    x.dispose();
    expect(error).toMatchObject({ name: 'WasmOutOfMemoryError' });
    expect(String(error)).toMatch(message);
    expect(String(error)).toMatch(/Nothing was allocated and the backend still works/);
    expect(tf.memory().numTensors).toBe(tensors);
    // the backend still computes: before the guard, every op after this failed with "memory access out of bounds"
    const y = tf.tidy(() => tf.sum(tf.add(tf.range(0, 1000), 1)));
    expect(y.dataSync()[0]).toBe(500500);
    y.dispose();
  });
});
