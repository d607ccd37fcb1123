import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ActivationLayer,
  Flatten,
  Linear,
  Reshape,
  activation,
  exportLayersModel,
  flatten,
  importLayersModel,
  linear,
  mlp,
  reshape,
  sequential,
  toLayersArtifacts,
} from '@elbo/nn';
import { expectClose } from '../../../tooling/testing';
import { withFusedGradient } from './testing/fused-gradient';

const root = mkdtempSync(join(tmpdir(), 'elbo-nn-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('TF.js Layers export / import', () => {
  it('tf.loadLayersModel runs an exported stack of Dense, Activation, Reshape and Flatten layers with identical outputs', async () => {
    const net = sequential(
      [
        flatten(),
        linear({ inputDim: 12, outputDim: 8, seed: 1, activation: 'relu' }),
        activation('tanh'),
        linear({ inputDim: 8, outputDim: 6, seed: 2, activation: 'sigmoid' }),
        reshape([3, 2]),
      ],
      { inputShape: [2, 3, 2] },
    );
    const x = tf.randomUniform([5, 2, 3, 2], -1, 1, 'float32', 3);
    const dir = freshDir();
    await exportLayersModel(net, `file://${dir}`, 'decoder');
    const keras = await tfl.loadLayersModel(`file://${dir}`);
    expect(keras.layers.map((l) => l.getClassName())).toEqual(['Flatten', 'Dense', 'Activation', 'Dense', 'Reshape']);
    expect(keras.inputs[0]!.shape).toEqual([null, 2, 3, 2]);
    const theirs = keras.predict(x) as tf.Tensor;
    // bit for bit where the fast gradient is registered (Linear then runs Dense's fused kernel) ...
    const ours = withFusedGradient(true, () => net.apply(x));
    expect(theirs.shape).toEqual([5, 3, 2]);
    expect(values(ours)).toEqual(values(theirs));
    // ... and to float32 rounding on the plain matMul + add path
    const plain = withFusedGradient(false, () => net.apply(x));
    expectClose(plain, values(theirs), { rtol: 1e-6, atol: 1e-7 });
    // and back: the same stack, the same outputs
    const back = await importLayersModel(`file://${dir}`);
    expect(back.layers.map((l) => l.constructor)).toEqual([Flatten, Linear, ActivationLayer, Linear, Reshape]);
    expect(back.inputShape).toEqual([2, 3, 2]);
    const again = withFusedGradient(true, () => back.apply(x));
    expect(values(again)).toEqual(values(ours));
    tf.dispose([x, theirs, ours, again, plain]);
    keras.dispose();
    [net, back].forEach((m) => m.dispose());
  });

  it('imports a model trained in tfjs-layers back, weights and mixed activations included, and exports it again', async () => {
    const keras = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 6, inputShape: [4], activation: 'relu' }),
        tfl.layers.dense({ units: 6, activation: 'tanh', useBias: false }),
        tfl.layers.dense({ units: 2, activation: 'sigmoid' }),
      ],
    });
    keras.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 5);
    const y = tf.randomUniform([16, 2], 0, 1, 'float32', 6);
    await keras.fit(x, y, { epochs: 2, verbose: 0 });
    const dir = freshDir();
    await keras.save(`file://${dir}`);
    const before = tf.memory().numTensors;
    const net = await importLayersModel(`file://${dir}`);
    expect(tf.memory().numTensors - before).toBe(5);
    expect((net.layers as Linear[]).map((l) => [l.outputDim, l.activation, l.bias != null])).toEqual([
      [6, 'relu', true],
      [6, 'tanh', false],
      [2, 'sigmoid', true],
    ]);
    const ours = withFusedGradient(true, () => net.apply(x));
    const theirs = keras.predict(x) as tf.Tensor;
    expect(values(ours)).toEqual(values(theirs));
    const again = freshDir();
    await exportLayersModel(net, `file://${again}`);
    const reloaded = await tfl.loadLayersModel(`file://${again}`);
    const out = reloaded.predict(x) as tf.Tensor;
    expect(values(out)).toEqual(values(ours));
    tf.dispose([x, y, ours, theirs, out]);
    [keras, reloaded].forEach((m) => m.dispose());
    net.dispose();
  });

  it('reads a Keras 3 file: batch_shape on an InputLayer, and weights matched by manifest order when their names differ', async () => {
    const reference = mlp([4, 3, 2], { seed: 7, activation: 'elu' });
    const artifacts = await toLayersArtifacts(reference);
    const dir = freshDir();
    mkdirSync(dir, { recursive: true });
    const dense = (name: string, units: number, act: string) => ({
      module: 'keras.layers',
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' } },
        units,
        activation: act,
        use_bias: true,
      },
      registered_name: null,
    });
    const topology = {
      class_name: 'Sequential',
      config: {
        name: 'sequential',
        layers: [
          { class_name: 'InputLayer', config: { batch_shape: [null, 4], dtype: 'float32', sparse: false, name: 'input_layer' } },
          dense('dense', 3, 'elu'),
          dense('dense_1', 2, 'linear'),
        ],
      },
    };
    // Keras 3 names weights by variable path, not by layer name
    const names = ['sequential/dense/kernel', 'sequential/dense/bias', 'sequential/dense_1/kernel', 'sequential/dense_1/bias'];
    const weights = artifacts.weightSpecs!.map((s, i) => ({ ...s, name: names[i]! }));
    writeFileSync(join(dir, 'weights.bin'), Buffer.from(artifacts.weightData as ArrayBuffer));
    writeFileSync(
      join(dir, 'model.json'),
      JSON.stringify({ format: 'layers-model', modelTopology: topology, weightsManifest: [{ paths: ['weights.bin'], weights }] }),
    );
    const net = await importLayersModel(`file://${dir}`);
    expect(net.inputShape).toEqual([4]);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 8);
    const [a, b] = [net, reference].map((m) => m.apply(x));
    expect(values(a!)).toEqual(values(b!));
    // manifest order cannot save weights whose shapes do not line up
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[1].config.units = 2;
    json.modelTopology.config.layers[2].config.units = 3;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(importLayersModel(`file://${dir}`)).rejects.toThrow(
      /weight\(s\) dense\/kernel, dense\/bias, dense_1\/kernel, dense_1\/bias are missing, and the file's 4 weights \[sequential\/dense\/kernel \[4, 3\]/,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, a!, b!]);
    [net, reference].forEach((m) => m.dispose());
  });

  it('refuses models it cannot represent and mismatched weights, naming the layer and loading nothing', async () => {
    const dropout = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4] }), tfl.layers.dropout({ rate: 0.5 })] });
    const dir = freshDir();
    await dropout.save(`file://${dir}`);
    const before = tf.memory().numTensors;
    await expect(importLayersModel(`file://${dir}`)).rejects.toThrow(
      /layer 1 \(Dropout "dropout_\w+"\) is not supported; a Sequential of Dense, Conv2D, Conv2DTranspose, Activation, Reshape and Flatten layers/,
    );
    dropout.dispose();
    const gelu = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4], activation: 'selu' })] });
    const dir2 = freshDir();
    await gelu.save(`file://${dir2}`);
    await expect(importLayersModel(`file://${dir2}`)).rejects.toThrow(
      /layer 0 \(Dense "dense_\w+"\) has activation "selu"; supported: linear, relu/,
    );
    gelu.dispose();
    const image = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2, 4] })] });
    const dir3 = freshDir();
    await image.save(`file://${dir3}`);
    await expect(importLayersModel(`file://${dir3}`)).rejects.toThrow(
      /takes vectors but gets items of shape \[2, 4\] \(add a Flatten layer\)/,
    );
    image.dispose();
    const net = mlp([4, 3, 2]);
    const dir4 = freshDir();
    await exportLayersModel(net, `file://${dir4}`);
    const json = JSON.parse(readFileSync(join(dir4, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [4, 5]; // specs now describe more bytes than the file holds
    writeFileSync(join(dir4, 'model.json'), JSON.stringify(json));
    const afterModels = tf.memory().numTensors;
    await expect(importLayersModel(`file://${dir4}`)).rejects.toThrow(/truncated or mismatched/);
    expect(tf.memory().numTensors).toBe(afterModels);
    await expect(exportLayersModel(linear({ inputDim: 2, outputDim: 2 }) as never, `file://${freshDir()}`)).rejects.toThrow(
      'exportLayersModel: net must be a Sequential (made by sequential() or mlp()), got a Linear',
    );
    net.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 2); // only the Linear given to the refused export
  });
});
