import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { meanLoss } from './index';
import type { BatchingOptions } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

const owned: tf.Tensor[] = [];
const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
afterEach(() => tf.dispose(owned.splice(0)));

/** Rows 0..n-1 of a [n, 1] tensor holding their own index. */
const indexRows = (n: number): tf.Tensor2D => keep(tf.tensor2d(Array.from({ length: n }, (_, i) => i), [n, 1]));

describe('meanLoss', () => {
  it('weights each batch by its rows, so the result is the mean over all examples, and leaks nothing', async () => {
    const x = indexRows(7);
    const sizes: number[] = [];
    const lossFn = (b: tf.Tensor) => {
      sizes.push(b.shape[0]!);
      return { loss: tf.mean(b), metrics: { square: tf.mean(tf.square(b)) } };
    };
    // batches [0 1 2] [3 4 5] [6]: an unweighted mean of the batch means would be (1 + 4 + 6) / 3
    const means = await expectNoLeaks(() => meanLoss(lossFn, x, { batchSize: 3, shuffle: true, seed: 0 }));
    expect(sizes).toEqual([3, 3, 1]);
    expectClose(means.loss!, 3, { rtol: 1e-6 });
    expectClose(means.square!, 91 / 7, { rtol: 1e-6 });
  });

  it('rejects a malformed lossFn, data or batching before reading any batch', async () => {
    const x = indexRows(4);
    let calls = 0;
    const lossFn = (b: tf.Tensor) => (calls++, tf.mean(b));
    const batching = { batchSize: 2, shuffle: false, seed: 0 };
    const before = tf.memory().numTensors;
    const rejects = (b: unknown) => meanLoss(lossFn, x, b as BatchingOptions);
    // batchSize 0 used to cut the tensor into empty slices forever
    await expect(rejects({ ...batching, batchSize: 0 })).rejects.toThrow('meanLoss: batching.batchSize must be an integer >= 1, got 0');
    await expect(rejects({ ...batching, batchSize: 2.5 })).rejects.toThrow('meanLoss: batching.batchSize must be an integer >= 1, got 2.5');
    await expect(rejects({ ...batching, batchSize: -1 })).rejects.toThrow('meanLoss: batching.batchSize must be an integer >= 1, got -1');
    await expect(rejects({ shuffle: false, seed: 0 })).rejects.toThrow('meanLoss: batching.batchSize must be an integer >= 1, got undefined');
    await expect(rejects({ ...batching, shuffle: 'no' })).rejects.toThrow('meanLoss: batching.shuffle must be a boolean, got string');
    await expect(rejects({ ...batching, seed: NaN })).rejects.toThrow('meanLoss: batching.seed must be a finite number, got NaN');
    await expect(rejects(null)).rejects.toThrow('meanLoss: batching must be an object { batchSize, shuffle, seed }, got null');
    await expect(meanLoss(5 as never, x, batching)).rejects.toThrow('meanLoss: lossFn must be a function, got number');
    await expect(meanLoss(lossFn, 5 as never, batching)).rejects.toThrow('meanLoss: data must be a tensor, an (async) iterable');
    await expect(meanLoss(lossFn, keep(tf.zeros([0, 1])), batching)).rejects.toThrow('meanLoss: data must have at least one row, got shape [0, 1]');
    expect(calls).toBe(0);
    expect(tf.memory().numTensors).toBe(before + 1); // the empty tensor made above
    expect(x.isDisposed).toBe(false);
  });

  it('takes batchSize alone (shuffle and seed are ignored, so they may be left out)', async () => {
    const means = await meanLoss((b: tf.Tensor) => tf.mean(b), indexRows(4), { batchSize: 3 } as BatchingOptions);
    expectClose(means.loss!, 1.5, { rtol: 1e-6 });
  });
});
