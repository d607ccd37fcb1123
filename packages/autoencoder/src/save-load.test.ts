import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSystem } from '@elbo/backend-node';
import { Autoencoder, loadModelRecord, mlp, saveModelRecord } from './index';
import { expectClose } from '../../../tooling/testing';

const root = mkdtempSync(join(tmpdir(), 'elbo-ae-save-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);

const model = (seed = 0): Autoencoder =>
  new Autoencoder({ encoder: mlp([12, 7, 3], { seed }), decoder: mlp([3, 7, 12], { seed: seed + 1, activation: 'tanh' }), likelihood: 'continuous-bernoulli' });

describe('save / load', () => {
  it('round-trips through file:// with bit-identical outputs', async () => {
    const ae = model();
    const x = tf.randomUniform([9, 12], 0, 1, 'float32', 4);
    await ae.fit(x, { epochs: 2, batchSize: 4 }); // weights no longer the seeded initial ones
    const dir = freshDir();
    await ae.save(`file://${dir}`);
    const before = tf.memory().numTensors;
    const back = await Autoencoder.load(`file://${dir}`);
    expect(tf.memory().numTensors - before).toBe(back.trainableVariables.length);
    expect(back.getConfig()).toEqual(ae.getConfig());
    expect(Array.from(back.reconstruct(x).dataSync())).toEqual(Array.from(ae.reconstruct(x).dataSync()));
    expect(Array.from(back.encode(x).dataSync())).toEqual(Array.from(ae.encode(x).dataSync()));
    // an IO handler works as well as a URL
    const viaHandler = await Autoencoder.load(fileSystem(dir));
    expect(Array.from(viaHandler.encode(x).dataSync())).toEqual(Array.from(ae.encode(x).dataSync()));
    [ae, back, viaHandler].forEach((m) => m.dispose());
    x.dispose();
  });

  it('throws on a truncated weights file and loads nothing', async () => {
    const ae = model(1);
    const dir = freshDir();
    await ae.save(`file://${dir}`);
    const bin = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    truncateSync(join(dir, bin), 100);
    const before = tf.memory().numTensors;
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow(/truncated or mismatched weights file/);
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
  });

  it('throws on weights that do not match the architecture, naming the weight, and loads nothing', async () => {
    const ae = model(2);
    const dir = freshDir();
    await ae.save(`file://${dir}`);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.decoder.sizes = [3, 8, 12]; // the stored layer0 weights are [3, 7]
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow(
      'Autoencoder.load: Mlp.setWeights: weight layer0/kernel must have shape [3, 8], got [3, 7]; nothing was loaded',
    );
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
  });

  it('refuses a model of another format and a URL with no handler', async () => {
    const dir = freshDir();
    const w = tf.zeros([2]);
    await saveModelRecord(`file://${dir}`, 'elbo/other', { config: { a: 1 }, weights: { w } });
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow('expected a model of format "elbo/autoencoder", got "elbo/other"');
    const back = await loadModelRecord<{ a: number }>(`file://${dir}`, 'elbo/other');
    expect(back.config).toEqual({ a: 1 });
    expectClose(back.weights.w!, [0, 0], { rtol: 0 });
    tf.dispose([w, back.weights.w!]);
    await expect(Autoencoder.load('nowhere://x')).rejects.toThrow('no tfjs IO handler for "nowhere://x"');
  });
});
