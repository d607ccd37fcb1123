import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d, LayerShapeError, conv2d, layerFromConfig } from '@elbo/nn';
import { checkAgainstOracle, convCases } from './testing/conv-oracle';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('Conv2d against PyTorch (reference/conv.json)', () => {
  for (const c of convCases().filter((k) => !k.transposed)) {
    // gradients where the backend has the kernels (tfjs-backend-wasm 4.22 lacks Conv2DBackpropFilter)
    it(`${c.name}: output and gradients for input, kernel and bias (on wasm through elbo's kernels)`, () => {
      const t = c.torch;
      const layer = conv2d({
        inChannels: t.in_channels,
        outChannels: t.out_channels,
        kernelSize: t.kernel_size,
        stride: t.stride,
        padding: t.padding,
      });
      checkAgainstOracle(layer, c);
      layer.dispose();
    });
  }

  it("'same' is TF's: the extra row at the bottom; at stride 1 on odd kernels it equals padding (k - 1) / 2", () => {
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
    const same = conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 'same', seed: 4 });
    const torch = conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, seed: 4 });
    const [a, b] = [same, torch].map((l) => l.apply(x));
    expect(a!.shape).toEqual([2, 4, 4, 2]);
    expect(b!.shape).toEqual([2, 4, 4, 2]);
    expect(values(a!)).not.toEqual(values(b!)); // PyTorch pads one row above, TF none above and one below
    const ref = tf.conv2d(x as tf.Tensor4D, same.kernel as tf.Tensor4D, 2, [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
    expect(values(a!)).toEqual(values(tf.add(ref, same.bias!)));
    const s1 = conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: 'same', seed: 4 });
    const p1 = conv2d({ inChannels: 3, outChannels: 2, kernelSize: 3, padding: 1, seed: 4 });
    expect(values(s1.apply(x))).toEqual(values(p1.apply(x)));
    const valid = conv2d({ inChannels: 3, outChannels: 2, kernelSize: [3, 2], stride: [1, 2], padding: 'valid' });
    expect(valid.outputShape([8, 9, 3])).toEqual([6, 4, 2]);
    tf.dispose([x, a!, b!, ref]);
    [same, torch, s1, p1, valid].forEach((l) => l.dispose());
  });
});

describe('Conv2d', () => {
  it('takes a batch [n, h, w, c] or one image [h, w, c], applies its activation, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const layer = conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 1, activation: 'relu', seed: 1 });
    expect(tf.memory().numTensors - before).toBe(2);
    const x = tf.randomNormal([4, 7, 6, 2], 0, 1, 'float32', 2);
    const y = layer.apply(x);
    expect(y.shape).toEqual([4, 4, 3, 3]);
    expect(Math.min(...values(y))).toBe(0);
    const image = tf.tidy(() => tf.squeeze(tf.slice(x, [1], [1]), [0]));
    const one = layer.apply(image);
    expect(one.shape).toEqual([4, 3, 3]);
    expect(values(one)).toEqual(values(y).slice(36, 72));
    expect(layer.weightSpecs()).toEqual([
      { name: 'kernel', shape: [3, 3, 2, 3] },
      { name: 'bias', shape: [3] },
    ]);
    expect([layer.kernelSize, layer.stride, layer.padding]).toEqual([
      [3, 3],
      [2, 2],
      [1, 1],
    ]);
    tf.dispose([x, y, image, one]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("init 'pytorch' is uniform in ±1/sqrt(inChannels kh kw) for kernel and bias; same seed, same weights", () => {
    const make = (seed: number) => conv2d({ inChannels: 16, outChannels: 32, kernelSize: [3, 5], seed });
    const [a, b, c] = [make(7), make(7), make(8)];
    const bound = 1 / Math.sqrt(16 * 3 * 5);
    const k = values(a!.kernel);
    expect(k.length).toBe(3 * 5 * 16 * 32);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...k)).toBeGreaterThan(0.99 * bound);
    expect(Math.min(...k)).toBeLessThan(-0.99 * bound);
    const mean = k.reduce((s, v) => s + v, 0) / k.length;
    const variance = k.reduce((s, v) => s + (v - mean) ** 2, 0) / k.length;
    expect(Math.abs(mean)).toBeLessThan(0.05 * bound);
    expect(variance / (bound ** 2 / 3)).toBeCloseTo(1, 1); // Var U(-b, b) = b^2 / 3
    const bias = values(a!.bias!);
    expect(Math.max(...bias.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(new Set(bias).size).toBe(32);
    expect(values(b!.kernel)).toEqual(k);
    expect(values(b!.bias!)).toEqual(bias);
    expect(values(c!.kernel)).not.toEqual(k);
    const glorot = conv2d({ inChannels: 16, outChannels: 32, kernelSize: [3, 5], init: 'glorot' });
    const limit = Math.sqrt(6 / ((16 + 32) * 15));
    expect(Math.max(...values(glorot.kernel).map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...values(glorot.kernel))).toBeGreaterThan(0.99 * limit);
    expect(values(glorot.bias!)).toEqual(Array(32).fill(0));
    const zeros = conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1, init: 'zeros', bias: false });
    expect(values(zeros.kernel)).toEqual([0, 0, 0, 0]);
    expect(zeros.bias).toBeNull();
    [a!, b!, c!, glorot, zeros].forEach((l) => l.dispose());
  });

  it('round-trips its config through layerFromConfig, weights included by setWeights', () => {
    const layer = conv2d({
      inChannels: 3,
      outChannels: 4,
      kernelSize: [3, 1],
      stride: [2, 1],
      padding: [1, 0],
      seed: 3,
      activation: 'tanh',
    });
    const config = layer.getConfig();
    expect(config).toEqual({
      kind: 'Conv2d',
      inChannels: 3,
      outChannels: 4,
      kernelSize: [3, 1],
      stride: [2, 1],
      padding: [1, 0],
      bias: true,
      init: 'pytorch',
      seed: 3,
      activation: 'tanh',
      name: 'conv2d',
    });
    const twin = layerFromConfig(JSON.parse(JSON.stringify(config)));
    expect(twin).toBeInstanceOf(Conv2d);
    expect(twin.getConfig()).toEqual(config);
    const x = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', 5);
    const [a, b] = [layer, twin].map((l) => l.apply(x));
    expect(values(a!)).toEqual(values(b!)); // same seed, same weights
    tf.dispose([x, a!, b!]);
    [layer, twin].forEach((l) => l.dispose());
  });

  it('rejects bad options before any weight exists, naming the option, what it takes and what came', () => {
    const before = tf.memory().numTensors;
    const ok = { inChannels: 1, outChannels: 2, kernelSize: 3 };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ok, kernelSize: 0 }, 'Conv2d: kernelSize must be a positive integer or a pair [h, w] of them, got 0'],
      [{ ...ok, kernelSize: 2.5 }, 'Conv2d: kernelSize must be a positive integer or a pair [h, w] of them, got 2.5'],
      [{ ...ok, kernelSize: [3, -1] }, 'Conv2d: kernelSize must be a positive integer or a pair [h, w] of them, got [3,-1]'],
      [{ ...ok, kernelSize: [3, 3, 3] }, 'Conv2d: kernelSize must be a positive integer or a pair [h, w] of them, got [3,3,3]'],
      [{ ...ok, stride: 0 }, 'Conv2d: stride must be a positive integer or a pair [h, w] of them, got 0'],
      [{ ...ok, inChannels: 0 }, 'Conv2d: inChannels must be a positive integer, got 0'],
      [{ ...ok, outChannels: 1.5 }, 'Conv2d: outChannels must be a positive integer, got 1.5'],
      [{ ...ok, outChannels: undefined }, 'Conv2d: outChannels must be a positive integer, got undefined'],
      [{ ...ok, padding: -1 }, "Conv2d: padding must be a non-negative integer, a pair [h, w] of them, 'same' or 'valid', got -1"],
      [{ ...ok, padding: 'SAME' }, "Conv2d: padding must be a non-negative integer, a pair [h, w] of them, 'same' or 'valid', got 'SAME'"],
      [{ ...ok, init: 'he' }, "Conv2d: init must be 'pytorch', 'glorot' or 'zeros', got 'he'"],
      [{ ...ok, activation: 'gelu' }, "Conv2d: activation must be one of 'linear', 'relu'"],
      [{ ...ok, kernel_size: 3 }, 'Conv2d: unknown option "kernel_size"; did you mean "kernelSize"?'],
      [{ ...ok, outputPadding: 1 }, 'Conv2d: unknown option "outputPadding"'],
    ];
    for (const [options, message] of cases) expect(() => conv2d(options as never), message).toThrow(message);
    expect(() => conv2d(null as never)).toThrow('Conv2d: options must be an object { inChannels, outChannels, kernelSize, ... }, got null');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('outputShape throws a LayerShapeError naming the layer and both shapes: wrong rank, wrong channels, too small', () => {
    const layer = conv2d({ inChannels: 3, outChannels: 8, kernelSize: 5, stride: 2, padding: 1 });
    const thrown = (shape: number[]): LayerShapeError => {
      try {
        layer.outputShape(shape);
      } catch (error) {
        return error as LayerShapeError;
      }
      throw new Error(`no error for [${shape.join(', ')}]`);
    };
    expect(thrown([28, 28, 1])).toBeInstanceOf(LayerShapeError);
    expect(thrown([28, 28, 1]).message).toBe('Conv2d(3 -> 8, kernel [5, 5]) takes images [height, width, 3], got [28, 28, 1]');
    expect(thrown([784]).message).toBe(
      'Conv2d(3 -> 8, kernel [5, 5]) takes images [height, width, 3], got [784] (reshape() vectors to images first)',
    );
    expect(thrown([2, 28, 28, 3]).message).toMatch(/takes images \[height, width, 3\], got \[2, 28, 28, 3\]/);
    // PyTorch's rule: any padding, as long as the padded input holds the kernel (h + 2p >= k)
    expect(layer.outputShape([3, 3, 3])).toEqual([1, 1, 8]);
    expect(thrown([2, 3, 3]).message).toBe(
      'Conv2d(3 -> 8, kernel [5, 5]) with stride [2, 2] and padding [1, 1] cannot take images of 2 x 3: the output would be 0 x 1',
    );
    expect(() => layer.apply(tf.zeros([1, 2, 2, 3]))).toThrow(
      /Conv2d.apply: x of shape \[1, 2, 2, 3\] does not fit: .*cannot take images of 2 x 2/,
    );
    const wide = conv2d({ inChannels: 1, outChannels: 1, kernelSize: 2, padding: 3 }); // padding beyond the kernel, as PyTorch allows
    expect(wide.outputShape([1, 1, 1])).toEqual([6, 6, 1]);
    [layer, wide].forEach((l) => l.dispose());
  });
});
