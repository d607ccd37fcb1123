import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Conv2d,
  ConvTranspose2d,
  LayerShapeError,
  conv2d,
  convTranspose2d,
  flatten,
  layerFromConfig,
  linear,
  loadLayers,
  registeredLayerKinds,
  reshape,
  saveLayers,
  sequential,
} from '@elbo/nn';
import type { Sequential } from '@elbo/nn';

const root = mkdtempSync(join(tmpdir(), 'elbo-nn-conv-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** A small conv encoder [12, 12, 2] -> [8] and its mirror decoder, PyTorch-style padding throughout. */
function convParts(seed: number): { encoder: Sequential; decoder: Sequential } {
  const encoder = sequential(
    [
      conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, activation: 'relu', seed }), // [6, 6, 4]
      conv2d({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: 2, padding: [1, 0], activation: 'elu', seed: seed + 1 }), // [3, 3, 6]
      flatten(),
      linear({ inputDim: 54, outputDim: 8, seed: seed + 2 }),
    ],
    { inputShape: [12, 12, 2] },
  );
  const decoder = sequential([
    linear({ inputDim: 8, outputDim: 54, activation: 'relu', seed: seed + 3 }),
    reshape([3, 3, 6]),
    convTranspose2d({ inChannels: 6, outChannels: 4, kernelSize: 4, stride: 2, padding: 1, activation: 'tanh', seed: seed + 4 }), // [6, 6, 4]
    convTranspose2d({ inChannels: 4, outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, seed: seed + 5 }), // [12, 12, 2]
  ]);
  return { encoder, decoder };
}

describe('convolutional stacks', () => {
  it('chain in sequential: shapes checked when built, weights named layer<i>/kernel, configs round-trip', () => {
    const { encoder, decoder } = convParts(1);
    expect(encoder.finalShape).toEqual([8]);
    expect(decoder.finalShape).toEqual([12, 12, 2]);
    expect(encoder.weightSpecs().map((s) => `${s.name} [${s.shape.join(', ')}]`)).toEqual([
      'layer0/kernel [3, 3, 2, 4]',
      'layer0/bias [4]',
      'layer1/kernel [3, 2, 4, 6]',
      'layer1/bias [6]',
      'layer3/kernel [54, 8]',
      'layer3/bias [8]',
    ]);
    expect(registeredLayerKinds()).toEqual(expect.arrayContaining(['Conv2d', 'ConvTranspose2d']));
    const twin = layerFromConfig(JSON.parse(JSON.stringify(decoder.getConfig()))) as Sequential;
    expect(twin.layers.map((l) => l.constructor.name)).toEqual(['Linear', 'Reshape', 'ConvTranspose2d', 'ConvTranspose2d']);
    tf.tidy(() => {
      const z = tf.randomNormal([3, 8], 0, 1, 'float32', 2);
      expect(values(twin.apply(z))).toEqual(values(decoder.apply(z))); // same seeds, same weights
      const x = tf.randomUniform([3, 12, 12, 2], 0, 1, 'float32', 3);
      expect(decoder.apply(encoder.apply(x)).shape).toEqual([3, 12, 12, 2]);
    });
    [encoder, decoder, twin].forEach((m) => m.dispose());
  });

  it('fail clearly when they do not chain, naming the layer, both shapes and the source, and free their layers', () => {
    const before = tf.memory().numTensors;
    expect(() =>
      sequential([conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3 }), conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 })], {
        inputShape: [28, 28, 1],
      }),
    ).toThrow(
      'sequential: layer 1 (Conv2d) cannot take shape [26, 26, 4] from layer 0 (Conv2d): Conv2d(3 -> 4, kernel [3, 3]) takes images [height, width, 3], got [26, 26, 4]',
    );
    expect(() => sequential([flatten(), conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3 })], { inputShape: [28, 28, 1] })).toThrow(
      LayerShapeError,
    );
    expect(() => sequential([conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3 })])).toThrow(
      'sequential: options.inputShape is required when the first layer is a Conv2d (it takes any shape)',
    );
    expect(() =>
      sequential(
        [conv2d({ inChannels: 1, outChannels: 1, kernelSize: 5, stride: 2 }), conv2d({ inChannels: 1, outChannels: 1, kernelSize: 5 })],
        {
          inputShape: [9, 9, 1],
        },
      ),
    ).toThrow(
      /layer 1 \(Conv2d\) cannot take shape \[3, 3, 1\] from layer 0 \(Conv2d\): .* cannot take images of 3 x 3: the output would be 0 x 0/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save and load through saveLayers / loadLayers on file://, bit for bit, loading exactly the variables', async () => {
    const { encoder, decoder } = convParts(5);
    const dir = join(root, 'record');
    await saveLayers(`file://${dir}`, 'elbo/conv-test', { parts: { encoder, decoder } });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.config.parts.decoder.layers[3]).toEqual(decoder.layers[3]!.getConfig());
    const before = tf.memory().numTensors;
    const back = await loadLayers(`file://${dir}`, { format: 'elbo/conv-test', parts: ['encoder', 'decoder'] }, (loaded) => loaded.parts);
    expect(tf.memory().numTensors - before).toBe(encoder.trainableVariables.length + decoder.trainableVariables.length);
    expect((back.decoder as Sequential).layers[3]).toBeInstanceOf(ConvTranspose2d);
    expect((back.encoder as Sequential).layers[1]).toBeInstanceOf(Conv2d);
    tf.tidy(() => {
      const x = tf.randomUniform([4, 12, 12, 2], 0, 1, 'float32', 9);
      const z = encoder.apply(x);
      expect(values(back.encoder!.apply(x))).toEqual(values(z));
      expect(values(back.decoder!.apply(z))).toEqual(values(decoder.apply(z)));
    });
    [encoder, decoder, back.encoder!, back.decoder!].forEach((m) => m.dispose());
  });

  it('train: gradients reach every variable of a conv encoder-decoder, and no tensor is left behind', () => {
    const { encoder, decoder } = convParts(7);
    const x = tf.randomUniform([2, 12, 12, 2], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const vars = [...encoder.trainableVariables, ...decoder.trainableVariables];
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(decoder.apply(encoder.apply(x)), x))) as tf.Scalar, vars);
    expect(Object.keys(grads)).toHaveLength(vars.length);
    for (const v of vars) expect(tf.tidy(() => tf.sum(tf.abs(grads[v.name]!)).dataSync()[0]!)).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    [encoder, decoder].forEach((m) => m.dispose());
  });
});
