import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Layer, LayerShapeError, Linear, layerFromConfig, linear } from '@elbo/nn';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

const arrays = (layer: Linear) => layer.toJSON().weights;

describe('Linear', () => {
  it('draws the PyTorch nn.Linear default: uniform ±1/sqrt(fan_in), variance bound^2/3', () => {
    const layer = new Linear({ inputDim: 400, outputDim: 300, seed: 3 });
    const { kernel, bias } = arrays(layer);
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
    const { kernel, bias } = arrays(layer);
    const limit = Math.sqrt(6 / 500);
    const variance = kernel.reduce((s, v) => s + v * v, 0) / kernel.length;
    expectClose(variance, (limit * limit) / 3, { rtol: 0.02 });
    expect(bias!.every((v) => v === 0)).toBe(true);
    layer.dispose();
  });

  it('is reproducible from the seed (0 included) and differs across seeds', () => {
    const a = new Linear({ inputDim: 5, outputDim: 3, seed: 7 });
    const b = linear({ inputDim: 5, outputDim: 3, seed: 7 });
    const c = new Linear({ inputDim: 5, outputDim: 3, seed: 8 });
    const [z1, z2] = [0, 1].map(() => new Linear({ inputDim: 5, outputDim: 3, seed: 0 }));
    expect(arrays(a)).toEqual(arrays(b));
    expect(arrays(a).kernel).not.toEqual(arrays(c).kernel);
    expect(arrays(z1!)).toEqual(arrays(z2!));
    [a, b, c, z1!, z2!].forEach((l) => l.dispose());
  });

  it('computes y = x W + b as the sums written out, for batches and single rows, without leaks', async () => {
    const layer = new Linear({ inputDim: 4, outputDim: 3, seed: 2 });
    expect(layer).toBeInstanceOf(Layer);
    const { kernel: W, bias: b } = arrays(layer);
    const x = [
      [1, -2, 0.5, 3],
      [0, 1, 1, -1],
    ];
    const expected = x.flatMap((row) => [0, 1, 2].map((j) => row.reduce((s, xi, i) => s + xi * W[i * 3 + j]!, b![j]!)));
    const y = await expectNoLeaks(() => layer.apply(x));
    expect(y.shape).toEqual([2, 3]);
    expectClose(y, expected, { rtol: 1e-5, atol: 1e-6 });
    const y1 = layer.apply(x[0]!);
    expect(y1.shape).toEqual([3]);
    expectClose(y1, expected.slice(0, 3), { rtol: 1e-5, atol: 1e-6 });
    tf.dispose([y, y1]);
    layer.dispose();
  });

  it('applies its activation after the affine map, for fused (relu, elu) and unfused (sigmoid, tanh, softplus) ones', async () => {
    const x = tf.tensor2d([
      [1, -2, 0.5],
      [-3, 0.25, 2],
    ]);
    for (const act of ['relu', 'elu', 'sigmoid', 'tanh', 'softplus'] as const) {
      const plain = new Linear({ inputDim: 3, outputDim: 4, seed: 5 });
      const withAct = new Linear({ inputDim: 3, outputDim: 4, seed: 5, activation: act });
      const pre = plain.apply(x);
      const want = tf.tidy(() => ({ relu: tf.relu, elu: tf.elu, sigmoid: tf.sigmoid, tanh: tf.tanh, softplus: tf.softplus })[act](pre));
      const got = await expectNoLeaks(() => withAct.apply(x));
      expectClose(got, want.dataSync(), { rtol: 1e-6, atol: 1e-7 });
      expect(withAct.getConfig().activation).toBe(act);
      tf.dispose([pre, want, got]);
      [plain, withAct].forEach((l) => l.dispose());
    }
    x.dispose();
  });

  it('works without a bias and exposes its variables for an optimizer', () => {
    const layer = new Linear({ inputDim: 2, outputDim: 2, bias: false, seed: 0 });
    expect(layer.trainableVariables).toHaveLength(1);
    expect(layer.weightSpecs()).toEqual([{ name: 'kernel', shape: [2, 2] }]);
    layer.setWeights({ kernel: [1, 2, 3, 4], bias: null });
    const y = layer.apply([[1, 1]]);
    expectClose(y, [4, 6]);
    y.dispose();
    const withBias = new Linear({ inputDim: 2, outputDim: 2 });
    expect(withBias.trainableVariables).toHaveLength(2);
    expect(withBias.weightSpecs().map((s) => s.name)).toEqual(['kernel', 'bias']);
    layer.dispose();
    withBias.dispose();
  });

  it('round-trips through toJSON / fromJSON, getConfig / layerFromConfig and getWeights / setWeights', async () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, init: 'glorot', seed: 5, name: 'enc', activation: 'tanh' });
    const copy = Linear.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
    expect(copy.getConfig()).toEqual(layer.getConfig());
    expect(arrays(copy)).toEqual(arrays(layer));
    const fresh = layerFromConfig(JSON.parse(JSON.stringify(layer.getConfig())));
    expect(fresh).toBeInstanceOf(Linear);
    expect(arrays(fresh as Linear)).toEqual(arrays(layer));
    const rebuilt = Linear.fromConfig(layer.getConfig()); // the same seed draws the same weights
    expect(arrays(rebuilt)).toEqual(arrays(layer));
    rebuilt.dispose();
    const zeros = linear({ inputDim: 3, outputDim: 2, init: 'zeros' });
    await expectNoLeaks(() => {
      const weights = layer.getWeights();
      expect(Object.keys(weights)).toEqual(['kernel', 'bias']);
      zeros.setWeights(weights);
      tf.dispose(Object.values(weights));
    });
    expect(arrays(zeros)).toEqual(arrays(layer));
    [layer, copy, fresh, zeros].forEach((l) => l.dispose());
  });

  it('rejects bad options naming the argument, and unknown keys naming the closest one', () => {
    const before = tf.memory().numTensors;
    expect(() => new Linear({ inputDim: 0, outputDim: 2 })).toThrow('Linear: inputDim must be a positive integer, got 0');
    expect(() => new Linear({ inputDim: 2, outputDim: 1.5 })).toThrow('Linear: outputDim must be a positive integer, got 1.5');
    expect(() => new Linear({ inputDim: 2, outputDim: 2, init: 'he' as 'glorot' })).toThrow(/init must be/);
    expect(() => new Linear({ inputDim: 2, outputDim: 2, seed: NaN })).toThrow('Linear: seed must be a finite number, got NaN');
    expect(() => new Linear({ inputDim: 2, outputDim: 2, bias: 1 as never })).toThrow('Linear: bias must be a boolean, got 1');
    expect(() => new Linear({ inputDim: 2, outputDim: 2, activation: 'gelu' as never })).toThrow(
      /Linear: activation must be one of 'linear', 'relu'.*got "gelu"/,
    );
    expect(() => new Linear({ inputDim: 2, outputDim: 2, activaton: 'relu' } as never)).toThrow(
      'Linear: unknown option "activaton"; did you mean "activation"?',
    );
    expect(() => new Linear({ inputDim: 2, outputDim: 2, units: 3 } as never)).toThrow(/unknown option "units" \(known: inputDim/);
    expect(() => new Linear(undefined as never)).toThrow(/options must be an object/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad weights before changing anything', () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 1 });
    const before = arrays(layer);
    expect(() => layer.setWeights({ kernel: [1, 2], bias: [0, 0] })).toThrow(/kernel must have 6 values/);
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [0] })).toThrow(/bias must have 2 values, got 1/);
    expect(() => layer.setWeights({ kernel: [1, 2, NaN, 4, 5, 6], bias: [0, 0] })).toThrow(/got NaN at index 2/);
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [0, Infinity] })).toThrow(
      'Linear.setWeights: bias must be finite, got Infinity at index 1',
    );
    expect(() => layer.setWeights({ kernel: [1, 2, 3, 4, 5, 6], bias: [NaN, 0] })).toThrow(
      'Linear.setWeights: bias must be finite, got NaN at index 0',
    );
    const k = tf.ones([3, 2]);
    const b = tf.tensor1d([0, NaN]);
    const wrong = tf.ones([2, 3]);
    expect(() => layer.setWeights({ kernel: k })).toThrow('Linear.setWeights: weight bias is missing (expected shape [2])');
    expect(() => layer.setWeights({ kernel: wrong, bias: b })).toThrow(
      'Linear.setWeights: weight kernel must have shape [3, 2], got [2, 3]',
    );
    expect(() => layer.setWeights({ kernel: k, bias: b })).toThrow(
      'Linear.setWeights: weight bias must be finite, got a NaN or infinite value',
    );
    expect(() => layer.setWeights({ kernel: k, bias: k, extra: k })).toThrow(
      'Linear.setWeights: unexpected weight(s) extra; expected kernel, bias',
    );
    tf.dispose([k, b, wrong]);
    expect(arrays(layer)).toEqual(before);
    layer.dispose();
  });

  it('apply rejects input it cannot read or that does not fit, naming x and both shapes, leaking nothing', async () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 1 });
    await expectNoLeaks(() => {
      expect(() => layer.apply('abc' as never)).toThrow(
        'Linear.apply: x must be a tensor, a number or a (nested) array of numbers, got string "abc"',
      );
      expect(() => layer.apply(null as never)).toThrow(
        'Linear.apply: x must be a tensor, a number or a (nested) array of numbers, got null',
      );
      expect(() =>
        layer.apply([
          [1, 2, 3],
          [4, 5],
        ]),
      ).toThrow('Linear.apply: x must be a rectangular array, got length 2 at [1] where the first row has 3');
      expect(() => layer.apply([[1, 2]])).toThrow('Linear.apply: x of shape [1, 2] does not fit: Linear takes items of shape [3], got [2]');
      const image = tf.zeros([2, 2, 3]);
      expect(() => layer.apply(image)).toThrow(
        'Linear.apply: x of shape [2, 2, 3] does not fit: Linear takes items of shape [3], got [2, 3] (flatten() first for images)',
      );
      image.dispose();
      expect(() => layer.apply(7)).toThrow('Linear.apply: x must have a batch axis, got a scalar');
      expect(() => layer.apply({ length: 3 } as never)).toThrow(/^Linear\.apply: x could not be made into a tensor/);
      // tfjs would read the string as NaN and flatten the inner array: both must throw, naming where
      expect(() => layer.apply([[1, 'a', 3]] as never)).toThrow('Linear.apply: x must hold numbers, got string "a" at [0, 1]');
      expect(() => layer.apply([1, [2], 3] as never)).toThrow('Linear.apply: x must hold numbers, got an array of length 1 at [1]');
      expect(() => layer.apply([[1, 2, 3], 4] as never)).toThrow(
        'Linear.apply: x must be a rectangular array, got a non-array at [1] where the first row has 3',
      );
      const strings = tf.tensor([['a', 'b', 'c']]);
      expect(() => layer.apply(strings)).toThrow('Linear.apply: x must be a numeric tensor, got a string tensor of shape [1, 3]');
      strings.dispose();
    });
    const gone = tf.zeros([1, 3]);
    gone.dispose();
    expect(() => layer.apply(gone)).toThrow('Linear.apply: x is a disposed tensor');
    layer.dispose();
  });

  it('outputShape maps [inputDim] to [outputDim] and throws a LayerShapeError for anything else', () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2 });
    expect(layer.outputShape([3])).toEqual([2]);
    expect(() => layer.outputShape([4])).toThrow(LayerShapeError);
    expect(() => layer.outputShape([4])).toThrow('Linear takes items of shape [3], got [4]');
    expect(() => layer.outputShape([0] as never)).toThrow(/an input shape must list positive integers, got \[0\]/);
    layer.dispose();
  });

  it('apply gives the same answer for a tensor, number[][], number[], typed arrays, typed-array rows and int tensors', async () => {
    const layer = new Linear({ inputDim: 3, outputDim: 2, seed: 4 });
    const rows = [
      [1, -2, 0],
      [3, 0, -1],
    ];
    const x = tf.tensor2d(rows);
    const want = Array.from(layer.apply(x).dataSync());
    await expectNoLeaks(() => {
      const ints = tf.tensor2d(rows, undefined, 'int32');
      for (const input of [rows, ints, rows.map((r) => Float32Array.from(r)), rows.map((r) => Float64Array.from(r))]) {
        const y = layer.apply(input);
        expect(y.shape).toEqual([2, 2]);
        expect(Array.from(y.dataSync())).toEqual(want);
        y.dispose();
      }
      ints.dispose();
      for (const input of [rows[1]!, Float32Array.from(rows[1]!)]) {
        const y = layer.apply(input);
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
