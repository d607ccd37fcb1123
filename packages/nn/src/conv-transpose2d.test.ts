import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ConvTranspose2d, LayerShapeError, convTranspose2d, layerFromConfig } from '@elbo/nn';
import { checkAgainstOracle, convCases } from './testing/conv-oracle';

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('ConvTranspose2d against PyTorch (reference/conv.json)', () => {
  for (const c of convCases().filter((k) => k.transposed)) {
    it(`${c.name}: output and gradients for input, kernel and bias (on wasm through elbo's kernels)`, () => {
      const t = c.torch;
      const layer = convTranspose2d({
        inChannels: t.in_channels,
        outChannels: t.out_channels,
        kernelSize: t.kernel_size,
        stride: t.stride,
        padding: t.padding,
        outputPadding: t.output_padding,
      });
      checkAgainstOracle(layer, c);
      layer.dispose();
    });
  }

  it("'same' gives n s and 'valid' n s + max(k - s, 0), as Keras' Conv2DTranspose", () => {
    const same = convTranspose2d({ inChannels: 2, outChannels: 3, kernelSize: 3, stride: 2, padding: 'same' });
    const valid = convTranspose2d({ inChannels: 2, outChannels: 3, kernelSize: [3, 1], stride: 2, padding: 'valid' });
    expect(same.outputShape([7, 5, 2])).toEqual([14, 10, 3]);
    expect(valid.outputShape([7, 5, 2])).toEqual([15, 10, 3]);
    const x = tf.randomNormal([2, 7, 5, 2], 0, 1, 'float32', 1);
    const y = valid.apply(x);
    expect(y.shape).toEqual([2, 15, 10, 3]);
    // k < s: every second column gets no input pixel, only the bias
    const column = tf.tidy(() => tf.sub(tf.slice(y, [0, 0, 1, 0], [2, 15, 1, 3]), valid.bias!));
    expect(Math.max(...values(column).map(Math.abs))).toBe(0);
    tf.dispose([x, y, column]);
    [same, valid].forEach((l) => l.dispose());
  });
});

describe('ConvTranspose2d', () => {
  it('upsamples a batch or one image with its activation, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const layer = convTranspose2d({
      inChannels: 4,
      outChannels: 1,
      kernelSize: 3,
      stride: 2,
      padding: 1,
      outputPadding: 1,
      activation: 'sigmoid',
    });
    expect(layer.weightSpecs()).toEqual([
      { name: 'kernel', shape: [3, 3, 1, 4] },
      { name: 'bias', shape: [1] },
    ]);
    expect(layer.outputPadding).toEqual([1, 1]);
    const x = tf.randomNormal([3, 7, 7, 4], 0, 1, 'float32', 2);
    const y = layer.apply(x);
    expect(y.shape).toEqual([3, 14, 14, 1]);
    expect(values(y).every((v) => v > 0 && v < 1)).toBe(true);
    const image = tf.tidy(() => tf.squeeze(tf.slice(x, [2], [1]), [0]));
    const one = layer.apply(image);
    expect(one.shape).toEqual([14, 14, 1]);
    expect(values(one)).toEqual(values(y).slice(2 * 196));
    tf.dispose([x, y, image, one]);
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("init 'pytorch' is uniform in ±1/sqrt(outChannels kh kw), PyTorch's fan-in for its [in, out, kh, kw] weight", () => {
    const make = (seed: number) => convTranspose2d({ inChannels: 64, outChannels: 8, kernelSize: 4, seed });
    const [a, b, c] = [make(1), make(1), make(2)];
    const bound = 1 / Math.sqrt(8 * 4 * 4); // not 1/sqrt(64 * 4 * 4): PyTorch reads fan_in from dim 1 of its weight
    const k = values(a!.kernel);
    expect(a!.kernel.shape).toEqual([4, 4, 8, 64]);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...k.map(Math.abs))).toBeGreaterThan(0.99 * bound);
    const variance = k.reduce((s, v) => s + v * v, 0) / k.length;
    expect(variance / (bound ** 2 / 3)).toBeCloseTo(1, 1);
    expect(Math.max(...values(a!.bias!).map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(values(b!.kernel)).toEqual(k);
    expect(values(c!.kernel)).not.toEqual(k);
    const glorot = convTranspose2d({ inChannels: 64, outChannels: 8, kernelSize: 4, init: 'glorot' });
    expect(Math.max(...values(glorot.kernel).map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / (72 * 16)));
    expect(values(glorot.bias!)).toEqual(Array(8).fill(0));
    [a!, b!, c!, glorot].forEach((l) => l.dispose());
  });

  it('round-trips its config through layerFromConfig', () => {
    const layer = convTranspose2d({
      inChannels: 3,
      outChannels: 2,
      kernelSize: [3, 4],
      stride: [2, 3],
      padding: [1, 0],
      outputPadding: [1, 2],
      seed: 9,
    });
    const config = layer.getConfig();
    expect(config).toMatchObject({
      kind: 'ConvTranspose2d',
      kernelSize: [3, 4],
      stride: [2, 3],
      padding: [1, 0],
      outputPadding: [1, 2],
      seed: 9,
    });
    const twin = layerFromConfig(JSON.parse(JSON.stringify(config)));
    expect(twin).toBeInstanceOf(ConvTranspose2d);
    expect(twin.getConfig()).toEqual(config);
    expect(twin.outputShape([5, 5, 3])).toEqual([10, 18, 2]); // (5-1)2 - 2 + 3 + 1, (5-1)3 + 4 + 2
    tf.tidy(() => {
      const x = tf.randomNormal([1, 5, 5, 3], 0, 1, 'float32', 5);
      expect(values(twin.apply(x))).toEqual(values(layer.apply(x)));
    });
    [layer, twin].forEach((l) => l.dispose());
  });

  it('rejects bad options before any weight exists: outputPadding must be below the stride and needs a numeric padding', () => {
    const before = tf.memory().numTensors;
    const ok = { inChannels: 1, outChannels: 2, kernelSize: 3, stride: 2 };
    const cases: [Record<string, unknown>, string][] = [
      [
        { ...ok, outputPadding: 2 },
        'ConvTranspose2d: outputPadding must be smaller than the stride (as in PyTorch), got outputPadding 2 with stride 2',
      ],
      [{ ...ok, outputPadding: [0, 1], stride: [2, 1] }, 'got outputPadding [0,1] with stride [2,1]'],
      [{ ...ok, outputPadding: -1 }, 'ConvTranspose2d: outputPadding must be a non-negative integer or a pair [h, w] of them, got -1'],
      [
        { ...ok, outputPadding: 1, padding: 'same' },
        "ConvTranspose2d: outputPadding needs a numeric padding (PyTorch's meaning), got padding 'same'",
      ],
      [{ ...ok, kernelSize: 0 }, 'ConvTranspose2d: kernelSize must be a positive integer or a pair [h, w] of them, got 0'],
      [{ ...ok, stride: 1.5 }, 'ConvTranspose2d: stride must be a positive integer or a pair [h, w] of them, got 1.5'],
      [{ ...ok, inChannels: -2 }, 'ConvTranspose2d: inChannels must be a positive integer, got -2'],
      [{ ...ok, output_padding: 1 }, 'ConvTranspose2d: unknown option "output_padding"; did you mean "outputPadding"?'],
    ];
    for (const [options, message] of cases) expect(() => convTranspose2d(options as never), message).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('outputShape throws a LayerShapeError for the wrong rank or channels, and for an output of no pixels', () => {
    const layer = convTranspose2d({ inChannels: 8, outChannels: 1, kernelSize: 3, padding: 2 });
    expect(() => layer.outputShape([7, 7, 1])).toThrow(LayerShapeError);
    expect(() => layer.outputShape([7, 7, 1])).toThrow(
      'ConvTranspose2d(8 -> 1, kernel [3, 3]) takes images [height, width, 8], got [7, 7, 1]',
    );
    expect(layer.outputShape([3, 4, 8])).toEqual([1, 2, 1]); // (n - 1) - 2 * 2 + 3
    expect(() => layer.outputShape([2, 4, 8])).toThrow(
      'ConvTranspose2d(8 -> 1, kernel [3, 3]) with stride [1, 1] and padding [2, 2] cannot take images of 2 x 4: the output would be 0 x 2',
    );
    layer.dispose();
  });
});
