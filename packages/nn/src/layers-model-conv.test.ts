import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2d,
  ConvTranspose2d,
  conv2d,
  convTranspose2d,
  exportLayersModel,
  flatten,
  importLayersModel,
  linear,
  reshape,
  sequential,
  toLayersArtifacts,
} from '@elbo/nn';
import type { Conv2dOptions, ConvTranspose2dOptions, Sequential } from '@elbo/nn';
import { expectClose } from '../../../tooling/testing';

const root = mkdtempSync(join(tmpdir(), 'elbo-nn-layers-conv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** A layer with random bias (a zero bias would hide a bias-only row in the wrong place). */
function withRandomBias<L extends Conv2d | ConvTranspose2d>(layer: L, seed: number): L {
  tf.tidy(() => layer.bias?.assign(tf.randomUniform(layer.bias.shape, -1, 1, 'float32', seed)));
  return layer;
}

/**
 * Exports a one-layer stack, loads it with tf.loadLayersModel and imports it back: tfjs-layers must give
 * the same outputs (float32 rounding), the import the same layer and bit-identical outputs.
 */
async function roundTrip(layer: Conv2d | ConvTranspose2d, inputShape: number[]): Promise<{ kerasClasses: string[]; back: Layer }> {
  const net = sequential([layer], { inputShape });
  const artifacts = await toLayersArtifacts(net, 'm');
  const keras = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
  const kerasClasses = keras.layers.map((l) => l.getClassName());
  const back = await importLayersModel(tf.io.fromMemory(artifacts));
  tf.tidy(() => {
    const x = tf.randomNormal([2, ...inputShape], 0, 1, 'float32', 11);
    const ours = net.apply(x);
    const theirs = keras.predict(x) as tf.Tensor;
    expect(theirs.shape).toEqual(ours.shape);
    expectClose(theirs, values(ours), { rtol: 1e-5, atol: 1e-5 });
    expect(values(back.apply(x))).toEqual(values(ours));
  });
  keras.dispose();
  net.dispose();
  return { kerasClasses, back: back.layers[0]! };
}
type Layer = Sequential['layers'][number];

describe('TF.js Layers export / import of convolutions', () => {
  const convs: [Partial<Conv2dOptions>, number[], string[]][] = [
    [{ kernelSize: 3, stride: 2, padding: 1 }, [8, 8, 2], ['ZeroPadding2D', 'Conv2D']],
    [{ kernelSize: 3, stride: 2, padding: 1 }, [7, 7, 2], ['ZeroPadding2D', 'Conv2D']],
    [{ kernelSize: [3, 5], stride: [1, 2], padding: [2, 0] }, [6, 9, 2], ['ZeroPadding2D', 'Conv2D']],
    [{ kernelSize: 2, padding: 3 }, [3, 3, 2], ['ZeroPadding2D', 'Conv2D']],
    [{ kernelSize: 5, stride: 1, padding: 0 }, [9, 7, 2], ['Conv2D']],
    [{ kernelSize: 3, stride: 2, padding: 'same' }, [8, 8, 2], ['Conv2D']],
    [{ kernelSize: 4, stride: 3, padding: 'valid' }, [11, 10, 2], ['Conv2D']],
  ];
  for (const [options, inputShape, classes] of convs) {
    it(`Conv2d ${JSON.stringify(options)} on ${JSON.stringify(inputShape)} -> ${classes.join(' + ')}: same outputs in tfjs-layers, imported back as it was`, async () => {
      const layer = withRandomBias(conv2d({ inChannels: 2, outChannels: 3, seed: 1, activation: 'tanh', ...options } as Conv2dOptions), 2);
      const { kerasClasses, back } = await roundTrip(layer, inputShape);
      expect(kerasClasses).toEqual(classes);
      expect(back).toBeInstanceOf(Conv2d);
      // padding 0 is 'valid'
      const padding = typeof layer.padding === 'string' || layer.padding.some((p) => p > 0) ? layer.padding : 'valid';
      expect((back as Conv2d).padding).toEqual(padding);
      expect((back as Conv2d).activation).toBe('tanh');
      back.dispose();
    });
  }

  // [options, input shape, Keras layers]: e = max(s - k, 0) + p - q rows cropped at the bottom; e < 0 pads the input
  const transposed: [Partial<ConvTranspose2dOptions>, number[], string[]][] = [
    [{ kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 }, [7, 7, 2], ['Conv2DTranspose', 'Cropping2D']], // e = 0
    [{ kernelSize: 4, stride: 2, padding: 1 }, [5, 5, 2], ['Conv2DTranspose', 'Cropping2D']], // e = 1
    [{ kernelSize: 3, stride: 1, padding: 1 }, [6, 5, 2], ['Conv2DTranspose', 'Cropping2D']],
    [{ kernelSize: 3, stride: 2, padding: 0, outputPadding: 1 }, [4, 4, 2], ['ZeroPadding2D', 'Conv2DTranspose', 'Cropping2D']], // e = -1
    [{ kernelSize: 1, stride: 3, padding: 0, outputPadding: 2 }, [3, 4, 2], ['Conv2DTranspose']], // k < s: e = 0
    [{ kernelSize: 2, stride: 3, padding: 0 }, [3, 3, 2], ['Conv2DTranspose', 'Cropping2D']], // k < s: e = 1
    [
      { kernelSize: [3, 4], stride: [2, 3], padding: [0, 2], outputPadding: [1, 2] },
      [4, 5, 2],
      ['ZeroPadding2D', 'Conv2DTranspose', 'Cropping2D'],
    ],
    [{ kernelSize: 3, stride: 1, padding: 4 }, [10, 10, 2], ['Conv2DTranspose', 'Cropping2D']], // padding beyond the kernel
    [{ kernelSize: 2, stride: 2 }, [5, 5, 2], ['Conv2DTranspose']],
    [{ kernelSize: 3, stride: 2, padding: 'same' }, [5, 6, 2], ['Conv2DTranspose']],
    [{ kernelSize: 1, stride: 2, padding: 'valid' }, [5, 6, 2], ['Conv2DTranspose']],
  ];
  for (const [options, inputShape, classes] of transposed) {
    it(`ConvTranspose2d ${JSON.stringify(options)} on ${JSON.stringify(inputShape)} -> ${classes.join(' + ')}: same outputs in tfjs-layers, imported back as it was`, async () => {
      const layer = withRandomBias(
        convTranspose2d({ inChannels: 2, outChannels: 3, seed: 3, activation: 'relu', ...options } as ConvTranspose2dOptions),
        4,
      );
      const [padding, outputPadding] = [layer.padding, layer.outputPadding];
      const { kerasClasses, back } = await roundTrip(layer, inputShape);
      expect(kerasClasses).toEqual(classes);
      expect(back).toBeInstanceOf(ConvTranspose2d);
      if (typeof padding === 'string' || classes.length > 1) {
        expect([(back as ConvTranspose2d).padding, (back as ConvTranspose2d).outputPadding]).toEqual([padding, outputPadding]);
      }
      back.dispose();
    });
  }

  it('a conv encoder and decoder go to file:// and tf.loadLayersModel runs them with the same outputs', async () => {
    const encoder = sequential(
      [
        conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, activation: 'relu', seed: 1 }),
        conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, activation: 'relu', seed: 2 }),
        flatten(),
        linear({ inputDim: 392, outputDim: 4, seed: 3 }),
      ],
      { inputShape: [28, 28, 1] },
    );
    const decoder = sequential([
      linear({ inputDim: 4, outputDim: 392, activation: 'relu', seed: 4 }),
      reshape([7, 7, 8]),
      convTranspose2d({
        inChannels: 8,
        outChannels: 4,
        kernelSize: 3,
        stride: 2,
        padding: 1,
        outputPadding: 1,
        activation: 'relu',
        seed: 5,
      }),
      convTranspose2d({ inChannels: 4, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, seed: 6 }),
    ]);
    const [encDir, decDir] = [join(root, 'encoder'), join(root, 'decoder')];
    await exportLayersModel(encoder, `file://${encDir}`, 'encoder');
    await exportLayersModel(decoder, `file://${decDir}`, 'decoder');
    const [kEnc, kDec] = await Promise.all([
      tfl.loadLayersModel(`file://${encDir}/model.json`),
      tfl.loadLayersModel(`file://${decDir}/model.json`),
    ]);
    expect(kEnc.layers.map((l) => l.getClassName())).toEqual(['ZeroPadding2D', 'Conv2D', 'ZeroPadding2D', 'Conv2D', 'Flatten', 'Dense']);
    expect(kDec.layers.map((l) => l.getClassName())).toEqual([
      'Dense',
      'Reshape',
      'Conv2DTranspose',
      'Cropping2D',
      'Conv2DTranspose',
      'Cropping2D',
    ]);
    const [bEnc, bDec] = await Promise.all([importLayersModel(`file://${encDir}`), importLayersModel(`file://${decDir}`)]);
    expect(bDec.layers.map((l) => l.kind)).toEqual(['Linear', 'Reshape', 'ConvTranspose2d', 'ConvTranspose2d']);
    tf.tidy(() => {
      const x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7);
      const z = encoder.apply(x);
      expectClose(kEnc.predict(x) as tf.Tensor, values(z), { rtol: 1e-5, atol: 1e-5 });
      const y = decoder.apply(z);
      expect(y.shape).toEqual([3, 28, 28, 1]);
      expectClose(kDec.predict(z) as tf.Tensor, values(y), { rtol: 1e-5, atol: 1e-5 });
      expect(values(bDec.apply(bEnc.apply(x)))).toEqual(values(y));
    });
    [kEnc, kDec].forEach((m) => m.dispose());
    [encoder, decoder, bEnc, bDec].forEach((m) => m.dispose());
  });

  it("imports plain tfjs-layers convolutions ('same' and 'valid', Conv2D and Conv2DTranspose) with the same outputs", async () => {
    const keras = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [9, 8, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        tfl.layers.conv2d({ filters: 5, kernelSize: [2, 3], padding: 'valid', useBias: false }),
        tfl.layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'elu' }),
        tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'valid', biasInitializer: 'randomNormal' }),
      ],
    });
    let saved: tf.io.ModelArtifacts | undefined;
    await keras.save(
      tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
    );
    const net = await importLayersModel(tf.io.fromMemory(saved!));
    expect(net.layers.map((l) => [l.kind, (l as Conv2d).padding])).toEqual([
      ['Conv2d', 'same'],
      ['Conv2d', 'valid'],
      ['ConvTranspose2d', 'same'],
      ['ConvTranspose2d', 'valid'],
    ]);
    expect(net.finalShape).toEqual([17, 9, 2]); // h 9 -> 5 -> 4 -> 8 -> 17, w 8 -> 4 -> 2 -> 4 -> 9
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 8, 3], 0, 1, 'float32', 3);
      expectClose(net.apply(x), values(keras.predict(x) as tf.Tensor), { rtol: 1e-5, atol: 1e-5 });
    });
    keras.dispose();
    net.dispose();
  });

  const concatenated = (weights: tf.Tensor[]): ArrayBuffer => {
    const flat = tf.tidy(() => tf.concat(weights.map((w) => tf.reshape(w, [-1]))));
    const data = flat.dataSync().slice().buffer;
    flat.dispose();
    return data;
  };

  /** A Keras 3 model.json: InputLayer with batch_shape, DTypePolicy dtypes, weights named by variable path. */
  function keras3(layers: { class_name: string; config: Record<string, unknown> }[], weights: tf.Tensor[]) {
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 6, 6, 2], dtype: 'float32', name: 'input_layer' } },
          ...layers.map((l) => ({
            module: 'keras.layers',
            registered_name: null,
            ...l,
            config: { trainable: true, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } }, ...l.config },
          })),
        ],
      },
    };
    return tf.io.fromMemory({
      modelTopology: topology,
      format: 'layers-model',
      weightSpecs: weights.map((w, i) => ({ name: `sequential/layer_${i}/variable`, shape: w.shape, dtype: 'float32' as const })),
      weightData: concatenated(weights),
    });
  }
  type KerasJSON = { class_name: string; config: Record<string, unknown> };
  const keras3Conv = (cls: string, extra: Record<string, unknown>): KerasJSON => ({
    class_name: cls,
    config: {
      name: cls.toLowerCase(),
      filters: 3,
      kernel_size: [3, 3],
      strides: [2, 2],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      groups: 1,
      activation: 'linear',
      use_bias: true,
      ...extra,
    },
  });

  it("reads Keras 3 conv configs (channels_last, dilation_rate 1, groups 1, a 'valid' Conv2DTranspose's output_padding)", async () => {
    const kernel = tf.randomNormal([3, 3, 3, 2], 0, 1, 'float32', 1);
    const bias = tf.randomNormal([3], 0, 1, 'float32', 2);
    const net = await importLayersModel(keras3([keras3Conv('Conv2DTranspose', { output_padding: [1, 1] })], [kernel, bias]));
    const layer = net.layers[0] as ConvTranspose2d;
    expect([layer.padding, layer.outputPadding, layer.stride]).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    expect(net.finalShape).toEqual([14, 14, 3]); // (6 - 1) 2 + 3 + 1
    expect(values(layer.kernel)).toEqual(values(kernel));
    const conv = await importLayersModel(keras3([keras3Conv('Conv2D', { strides: 1, dilation_rate: 1 })], [tf.ones([3, 3, 2, 3]), bias]));
    expect(conv.finalShape).toEqual([4, 4, 3]);
    tf.dispose([kernel, bias]);
    [net, conv].forEach((m) => m.dispose());
  });

  it('refuses what it cannot represent, naming the layer and loading nothing', async () => {
    const w = () => [tf.zeros([3, 3, 2, 3]), tf.zeros([3])];
    const cases: [KerasJSON[], RegExp][] = [
      [
        [keras3Conv('Conv2D', { data_format: 'channels_first' })],
        /layer 0 \(Conv2D "conv2d"\) has data_format "channels_first"; only channels_last/,
      ],
      [[keras3Conv('Conv2D', { dilation_rate: [2, 2] })], /layer 0 \(Conv2D "conv2d"\) has dilation_rate \[2,2\]; only 1 can be imported/],
      [[keras3Conv('Conv2D', { groups: 2 })], /layer 0 \(Conv2D "conv2d"\) has groups 2; only 1 can be imported/],
      [[keras3Conv('Conv2D', { padding: 'causal' })], /has padding "causal"; 'same' and 'valid' can be imported/],
      [[keras3Conv('Conv2D', { activation: 'gelu' })], /has activation "gelu"/],
      [
        [
          {
            class_name: 'ZeroPadding2D',
            config: {
              name: 'zp',
              padding: [
                [1, 0],
                [1, 1],
              ],
            },
          },
          keras3Conv('Conv2D', {}),
        ],
        /layer 0 \(ZeroPadding2D "zp"\) pads \[\[1,0\],\[1,1\]\] before a 'valid' Conv2D; only equal padding on both sides/,
      ],
      [
        [
          { class_name: 'ZeroPadding2D', config: { name: 'zp', padding: 1 } },
          { class_name: 'Flatten', config: { name: 'f' } },
        ],
        /layer 0 \(ZeroPadding2D "zp"\) is followed by Flatten; a ZeroPadding2D can be imported only right before a Conv2D or Conv2DTranspose/,
      ],
      [[{ class_name: 'Cropping2D', config: { name: 'crop', cropping: 1 } }], /layer 0 \(Cropping2D "crop"\) is not supported/],
      [
        [
          keras3Conv('Conv2DTranspose', {}),
          {
            class_name: 'Cropping2D',
            config: {
              name: 'crop',
              cropping: [
                [0, 3],
                [0, 0],
              ],
            },
          },
        ],
        /layer 0 \(Conv2DTranspose "conv2dtranspose"\) with the padding and cropping around it needs output padding \[-3, 0\]/,
      ],
      [
        [keras3Conv('Conv2DTranspose', { padding: 'same', output_padding: 1 })],
        /is a 'same' Conv2DTranspose with padding, cropping or output_padding/,
      ],
    ];
    for (const [layers, message] of cases) {
      const weights = w();
      const before = tf.memory().numTensors;
      await expect(importLayersModel(keras3(layers, weights)), String(message)).rejects.toThrow(message);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose(weights);
    }
  });
});
