import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Conv2d, ConvTranspose2d, Linear, convDecoder, convEncoder } from '@elbo/nn';
import type { ConvDecoderOptions, ConvEncoderOptions, Sequential } from '@elbo/nn';

/** [kind, weight shapes] of each layer with weights, to compare with the PyTorch anchor's modules. */
const weighted = (net: Sequential) =>
  net.layers.filter((l) => l.weightSpecs().length > 0).map((l) => [l.kind, ...l.weightSpecs().map((s) => s.shape)]);

describe('convEncoder / convDecoder', () => {
  it("defaults are the anchor's layers (the Keras VAE example, ../shared/anchors/ref_torch_convvae.py) with PyTorch padding", () => {
    const encoder = convEncoder({ inputShape: [28, 28, 1], outputDim: 32 });
    const decoder = convDecoder({ inputDim: 16, outputShape: [28, 28, 1] });
    expect(weighted(encoder)).toEqual([
      ['Conv2d', [3, 3, 1, 32], [32]],
      ['Conv2d', [3, 3, 32, 64], [64]],
      ['Linear', [3136, 256], [256]],
      ['Linear', [256, 32], [32]],
    ]);
    expect(weighted(decoder)).toEqual([
      ['Linear', [16, 3136], [3136]],
      ['ConvTranspose2d', [3, 3, 64, 64], [64]],
      ['ConvTranspose2d', [3, 3, 32, 64], [32]],
      ['ConvTranspose2d', [3, 3, 1, 32], [1]],
    ]);
    const convs = encoder.layers.filter((l): l is Conv2d => l instanceof Conv2d);
    expect(convs.map((c) => [c.stride, c.padding, c.activation])).toEqual([
      [[2, 2], [1, 1], 'relu'],
      [[2, 2], [1, 1], 'relu'],
    ]);
    const transposed = decoder.layers.filter((l): l is ConvTranspose2d => l instanceof ConvTranspose2d);
    expect(transposed.map((c) => [c.stride, c.padding, c.outputPadding, c.activation])).toEqual([
      [[2, 2], [1, 1], [1, 1], 'relu'],
      [[2, 2], [1, 1], [1, 1], 'relu'],
      [[1, 1], [1, 1], [0, 0], 'linear'],
    ]);
    expect((encoder.layers.at(-1) as Linear).getConfig().activation).toBe('linear');
    expect(encoder.finalShape).toEqual([32]);
    expect(decoder.finalShape).toEqual([28, 28, 1]);
    encoder.dispose();
    decoder.dispose();
  });

  it('give back any image shape, odd sizes and colour included, and run without leaks', () => {
    for (const [shape, filters] of [
      [
        [25, 30, 3],
        [8, 16],
      ],
      [
        [9, 7, 1],
        [4, 4, 4],
      ],
      [[64, 64, 4], [8]],
    ] as [[number, number, number], number[]][]) {
      const before = tf.memory().numTensors;
      const encoder = convEncoder({ inputShape: shape, outputDim: 6, filters, hidden: [], kernelSize: 5, seed: 2 });
      const decoder = convDecoder({ inputDim: 3, outputShape: shape, filters: [...filters].reverse(), hidden: [10], seed: 3 });
      expect(decoder.finalShape).toEqual(shape);
      const x = tf.randomUniform([2, ...shape], 0, 1, 'float32', 1);
      const code = encoder.apply(x);
      expect(code.shape).toEqual([2, 6]);
      const z = tf.slice(code, [0, 0], [2, 3]);
      const image = decoder.apply(z);
      expect(image.shape).toEqual([2, ...shape]);
      tf.dispose([x, code, z, image]);
      encoder.dispose();
      decoder.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('the same seed gives the same weights', () => {
    const nets = [0, 0, 1].map((seed) => convEncoder({ inputShape: [8, 8, 1], outputDim: 2, filters: [2], seed }));
    const kernels = nets.map((n) => {
      const weights = n.getWeights();
      const values = Array.from(weights['layer0/kernel']!.dataSync());
      tf.dispose(Object.values(weights));
      n.dispose();
      return values;
    });
    expect(kernels[0]).toEqual(kernels[1]);
    expect(kernels[0]).not.toEqual(kernels[2]);
  });

  it('refuse bad options by name, before any variable exists', () => {
    const good: ConvEncoderOptions = { inputShape: [28, 28, 1], outputDim: 4 };
    const goodDecoder: ConvDecoderOptions = { inputDim: 2, outputShape: [28, 28, 1] };
    const cases: [() => unknown, string | RegExp][] = [
      [() => convEncoder(null as never), 'convEncoder: options must be an object, got null'],
      [
        () => convEncoder({ ...good, inputShape: [28, 28] as never }),
        'convEncoder: inputShape must be an image shape [height, width, channels] of positive integers, got [28,28]',
      ],
      [() => convEncoder({ ...good, outputDim: 0 }), 'convEncoder: outputDim must be a positive integer, got 0'],
      [() => convEncoder({ ...good, filters: [] }), 'convEncoder: filters must list at least one positive integer(s), got []'],
      [() => convEncoder({ ...good, kernelSize: 4 }), /^convEncoder: kernelSize must be an odd positive integer .* got 4$/],
      [() => convEncoder({ ...good, hidden: [0] }), 'convEncoder: hidden must list positive integer(s), got [0]'],
      [() => convEncoder({ ...good, activaton: 'relu' } as never), /convEncoder: unknown option "activaton"/],
      [() => convDecoder({ ...goodDecoder, outputShape: [28, 28, 0] }), /^convDecoder: outputShape must be an image shape/],
      [() => convDecoder({ ...goodDecoder, inputDim: 1.5 }), 'convDecoder: inputDim must be a positive integer, got 1.5'],
      [() => convDecoder({ ...goodDecoder, activation: 'gelu' as never }), /^convDecoder: activation must be one of/],
    ];
    const before = tf.memory().numTensors;
    for (const [make, message] of cases) expect(make).toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});
