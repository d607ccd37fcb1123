import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { Autoencoder, exportLayersModel, importLayersModel, mlp } from './index';

const root = mkdtempSync(join(tmpdir(), 'elbo-ae-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('TF.js Layers export / import', () => {
  it('tf.loadLayersModel runs the exported encoder and decoder with identical outputs', async () => {
    const ae = new Autoencoder({ encoder: mlp([10, 8, 3], { seed: 1 }), decoder: mlp([3, 8, 10], { seed: 2, activation: 'tanh' }) });
    const x = tf.randomUniform([5, 10], 0, 1, 'float32', 3);
    const [encDir, decDir] = [freshDir(), freshDir()];
    await ae.exportLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}` });
    const encoder = await tfl.loadLayersModel(`file://${encDir}`);
    const decoder = await tfl.loadLayersModel(`file://${decDir}`);
    expect(encoder.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense']);
    expect(encoder.inputs[0]!.shape).toEqual([null, 10]);
    const z = encoder.predict(x) as tf.Tensor;
    expect(values(z)).toEqual(values(ae.encoder.apply(x)));
    const logits = decoder.predict(z) as tf.Tensor;
    expect(values(logits)).toEqual(values(ae.decoder.apply(z)));
    tf.dispose([x, z, logits]);
    encoder.dispose();
    decoder.dispose();
    ae.dispose();
  });

  it('imports a model trained in tfjs-layers (Keras-style) back, weights included', async () => {
    const keras = tfl.sequential({
      layers: [tfl.layers.dense({ units: 6, inputShape: [4], activation: 'relu' }), tfl.layers.dense({ units: 6, activation: 'relu' }), tfl.layers.dense({ units: 2, activation: 'sigmoid' })],
    });
    keras.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, 4], 0, 1, 'float32', 5);
    const y = tf.randomUniform([16, 2], 0, 1, 'float32', 6);
    await keras.fit(x, y, { epochs: 2, verbose: 0 });
    const dir = freshDir();
    await keras.save(`file://${dir}`);
    const net = await importLayersModel(`file://${dir}`);
    expect(net.getConfig()).toMatchObject({ sizes: [4, 6, 6, 2], activation: 'relu', outputActivation: 'sigmoid' });
    const ours = net.apply(x);
    const theirs = keras.predict(x) as tf.Tensor;
    expect(values(ours)).toEqual(values(theirs));
    // and back out again: the round trip keeps the outputs
    const again = freshDir();
    await exportLayersModel(net, `file://${again}`);
    const reloaded = await tfl.loadLayersModel(`file://${again}`);
    expect(values(reloaded.predict(x) as tf.Tensor)).toEqual(values(theirs));
    tf.dispose([x, y, ours, theirs]);
    [keras, reloaded].forEach((m) => m.dispose());
    net.dispose();
  });

  it('Autoencoder.fromLayers rebuilds an autoencoder with the same outputs', async () => {
    const ae = new Autoencoder({ encoder: mlp([6, 4, 2], { seed: 4 }), decoder: mlp([2, 4, 6], { seed: 5 }), likelihood: 'bernoulli' });
    const [encDir, decDir] = [freshDir(), freshDir()];
    await ae.exportLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}` });
    const back = await Autoencoder.fromLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}`, likelihood: 'bernoulli' });
    const x = tf.randomUniform([3, 6], 0, 1, 'float32', 1);
    expect(values(back.reconstruct(x))).toEqual(values(ae.reconstruct(x)));
    tf.dispose(x);
    ae.dispose();
    back.dispose();
  });

  it('refuses models it cannot represent, and truncated weights, loading nothing', async () => {
    const conv = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [4] }), tfl.layers.dropout({ rate: 0.5 })] });
    const dir = freshDir();
    await conv.save(`file://${dir}`);
    await expect(importLayersModel(`file://${dir}`)).rejects.toThrow('layer 1 is a Dropout; only Dense layers can become an Mlp');
    conv.dispose();
    const mixed = tfl.sequential({
      layers: [tfl.layers.dense({ units: 3, inputShape: [4], activation: 'relu' }), tfl.layers.dense({ units: 3, activation: 'tanh' }), tfl.layers.dense({ units: 1 })],
    });
    const dir2 = freshDir();
    await mixed.save(`file://${dir2}`);
    await expect(importLayersModel(`file://${dir2}`)).rejects.toThrow('the hidden layers must share one activation, got relu, tanh');
    mixed.dispose();
    const net = mlp([4, 3, 2]);
    const dir3 = freshDir();
    await exportLayersModel(net, `file://${dir3}`);
    const json = JSON.parse(readFileSync(join(dir3, 'model.json'), 'utf8'));
    json.weightsManifest[0].weights[0].shape = [4, 5]; // specs now describe more bytes than the file holds
    writeFileSync(join(dir3, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(importLayersModel(`file://${dir3}`)).rejects.toThrow(/truncated or mismatched/);
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });
});
