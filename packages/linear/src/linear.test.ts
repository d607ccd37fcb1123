import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Linear } from '@elbo/linear';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

describe('Linear', () => {
  it('draws the PyTorch nn.Linear default: uniform ±1/sqrt(fan_in), variance bound^2/3', () => {
    const layer = new Linear({ inputDim: 400, outputDim: 300, seed: 3 });
    const { kernel, bias } = layer.getWeights();
    const bound = 1 / Math.sqrt(400);
    expect(Math.max(...kernel.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...bias!.map(Math.abs))).toBeLessThanOrEqual(bound);
    const mean = kernel.reduce((s, v) => s + v, 0) / kernel.length;
    const variance = kernel.reduce((s, v) => s + (v - mean) ** 2, 0) / kernel.length;
    // 120000 draws: the sample variance has relative sd ~ sqrt(0.8/n) ~ 0.26%.
    expectClose(variance, (bound * bound) / 3, { rtol: 0.02 });
    expect(Math.abs(mean)).toBeLessThan(bound * 0.01);
    layer.dispose();
  });

  it('draws Glorot uniform with a zero bias', () => {
    const layer = new Linear({ inputDim: 300, outputDim: 200, init: 'glorot', seed: 1 });
    const { kernel, bias } = layer.getWeights();
    const limit = Math.sqrt(6 / 500);
    const variance = kernel.reduce((s, v) => s + v * v, 0) / kernel.length;
    expectClose(variance, (limit * limit) / 3, { rtol: 0.02 });
    expect(bias!.every((v) => v === 0)).toBe(true);
    layer.dispose();
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const a = new Linear({ inputDim: 5, outputDim: 3, seed: 7 });
    const b = new Linear({ inputDim: 5, outputDim: 3, seed: 7 });
    const c = new Linear({ inputDim: 5, outputDim: 3, seed: 8 });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(a.getWeights().kernel).not.toEqual(c.getWeights().kernel);
    [a, b, c].forEach((l) => l.dispose());
  });

  it('is reproducible from seed 0 too (tfjs itself reads a seed of 0 as none)', () => {
    const [a, b] = [0, 1].map(() => new Linear({ inputDim: 5, outputDim: 3, seed: 0 }));
    expect(a!.getWeights()).toEqual(b!.getWeights());
    [a!, b!].forEach((l) => l.dispose());
  });

  it('computes y = x W + b as the sums written out, for batches and single rows, without leaks', async () => {
    const layer = new Linear({ inputDim: 4, outputDim: 3, seed: 2 });
    const { kernel: W, bias: b } = layer.getWeights();
    const x = [
      [1, -2, 0.5, 3],
      [0, 1, 1, -1],
    ];
    const expected = x.flatMap((row) =>
      [0, 1, 2].map((j) => row.reduce((s, xi, i) => s + xi * W[i * 3 + j]!, b![j]!)),
    );
    const y = await expectNoLeaks(() => layer.apply(x));
    expect(y.shape).toEqual([2, 3]);
    expectClose(y, expected, { rtol: 1e-5, atol: 1e-6 });
    const y1 = layer.apply(x[0]!);
    expect(y1.shape).toEqual([3]);
    expectClose(y1, expected.slice(0, 3), { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([y, y1]);
    layer.dispose();
  });

  it('works without a bias and exposes its variables for an optimizer', () => {
    const layer = new Linear({ inputDim: 2, outputDim: 2, bias: false, seed: 0 });
    expect(layer.trainableVariables).toHaveLength(1);
    layer.setWeights({ kernel: [1, 2, 3, 4], bias: null });
    const y = layer.apply([[1, 1]]);
    expectClose(y, [4, 6]);
    y.dispose();
    const withBias = new Linear({ inputDim: 2, outputDim: 2 });
    expect(withBias.trainableVariables).toHaveLength(2);
    layer.dispose();
    withBias.dispose();
  });

  it('round-trips through toJSON / fromJSON', () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, init: 'glorot', seed: 5, name: 'enc' });
    const copy = Linear.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
    expect(copy.getConfig()).toEqual(layer.getConfig());
    expect(copy.getWeights()).toEqual(layer.getWeights());
    const fresh = Linear.fromConfig(layer.getConfig());
    expect(fresh.getWeights()).toEqual(layer.getWeights());
    [layer, copy, fresh].forEach((l) => l.dispose());
  });

  it('rejects bad configs, inputs and weights before changing anything', () => {
    expect(() => new Linear({ inputDim: 0, outputDim: 2 })).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => new Linear({ inputDim: 2, outputDim: 1.5 })).toThrow(/outputDim must be a positive integer, got 1.5/);
    expect(() => new Linear({ inputDim: 2, outputDim: 2, init: 'he' as 'glorot' })).toThrow(/init must be/);
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 1 });
    const before = layer.getWeights();
    expect(() => layer.apply([[1, 2]])).toThrow(/3 features in its last axis, got shape \[1,2\]/);
    expect(() => layer.setWeights({ kernel: [1, 2], bias: [0, 0] })).toThrow(/kernel must have 6 values/);
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [0] })).toThrow(/bias must have 2 values, got 1/);
    expect(() => layer.setWeights({ kernel: [1, 2, NaN, 4, 5, 6], bias: [0, 0] })).toThrow(/got NaN at index 2/);
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [0, Infinity] })).toThrow(
      'Linear.setWeights: bias must be finite, got Infinity at index 1',
    );
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [NaN, 0] })).toThrow(
      'Linear.setWeights: bias must be finite, got NaN at index 0',
    );
    expect(layer.getWeights()).toEqual(before);
    layer.dispose();
  });

  it('apply rejects input it cannot read, naming x, the shape expected and what came, leaking nothing', async () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 1 });
    const expects = 'Linear.apply: x must be a tensor, number[] or number[][] of shape [batch, 3] or [3], got';
    await expectNoLeaks(() => {
      expect(() => layer.apply('abc' as never)).toThrow(`${expects} string "abc"`);
      expect(() => layer.apply(null as never)).toThrow(`${expects} null`);
      expect(() => layer.apply(7 as never)).toThrow(`${expects} number 7`);
      expect(() => layer.apply({ length: 3 } as never)).toThrow(`${expects} Object`);
      expect(() => layer.apply([[1, 2, 3], [4, 5]])).toThrow(`${expects} rows of unequal length: 3 at row 0, 2 at row 1`);
      expect(() => layer.apply([[1, 'a', 3]] as never)).toThrow(`${expects} string "a" at index [0, 1]`);
      expect(() => layer.apply([1, [2], 3] as never)).toThrow(`${expects} an array of length 1 at index 1`);
      expect(() => layer.apply([[1, 2, 3], 4] as never)).toThrow(`${expects} number 4 at row 1 of a nested array`);
      expect(() => layer.apply([[[1, 2, 3]]] as never)).toThrow(`${expects} an array of length 3 at index [0, 0]`);
      const strings = tf.tensor([['a', 'b', 'c']]);
      expect(() => layer.apply(strings)).toThrow('Linear.apply: x must be a numeric tensor, got a string tensor of shape [1,3]');
      strings.dispose();
    });
    layer.dispose();
  });

  it('apply gives the same answer for a tensor, number[][], number[], typed arrays and typed-array rows', async () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 4 });
    const rows = [
      [1, -2, 0.5],
      [3, 0, -1],
    ];
    const x = tf.tensor2d(rows);
    const want = Array.from(layer.apply(x).dataSync());
    await expectNoLeaks(() => {
      for (const input of [rows, rows.map((r) => Float32Array.from(r)), rows.map((r) => Float64Array.from(r))]) {
        const y = layer.apply(input as number[][]);
        expect(y.shape).toEqual([2, 2]);
        expect(Array.from(y.dataSync())).toEqual(want);
        y.dispose();
      }
      for (const input of [rows[1]!, Float32Array.from(rows[1]!)]) {
        const y = layer.apply(input as number[]);
        expect(y.shape).toEqual([2]);
        expect(Array.from(y.dataSync())).toEqual(want.slice(2));
        y.dispose();
      }
    });
    expect(x.isDisposed).toBe(false);
    x.dispose();
    layer.dispose();
  });
});
