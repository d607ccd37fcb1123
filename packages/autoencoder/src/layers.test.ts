import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, describe, expect, it } from 'vitest';
import { Autoencoder, mlp } from './index';

// The Layers format itself (any Sequential of Dense / Activation / Reshape / Flatten, Keras files,
// refusals) is tested in @elbo/nn's layers-model.test.ts; here, the autoencoder's two models.
const root = mkdtempSync(join(tmpdir(), 'elbo-ae-layers-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);
const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describe('Autoencoder and TF.js Layers', () => {
  it('exportLayers writes an encoder and a decoder that tf.loadLayersModel runs with identical outputs', async () => {
    const ae = new Autoencoder({ encoder: mlp([10, 8, 3], { seed: 1 }), decoder: mlp([3, 8, 10], { seed: 2, activation: 'tanh' }) });
    const x = tf.randomUniform([5, 10], 0, 1, 'float32', 3);
    const [encDir, decDir] = [freshDir(), freshDir()];
    await ae.exportLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}` });
    const encoder = await tfl.loadLayersModel(`file://${encDir}`);
    const decoder = await tfl.loadLayersModel(`file://${decDir}`);
    expect(encoder.inputs[0]!.shape).toEqual([null, 10]);
    const z = encoder.predict(x) as tf.Tensor;
    const ours = ae.encode(x);
    expect(values(z)).toEqual(values(ours));
    const logits = decoder.predict(z) as tf.Tensor;
    const ourLogits = ae.decoder.apply(z);
    expect(values(logits)).toEqual(values(ourLogits));
    tf.dispose([x, z, ours, logits, ourLogits]);
    encoder.dispose();
    decoder.dispose();
    ae.dispose();
  });

  it('fromLayers rebuilds an autoencoder with the same outputs, and frees what it read when the parts do not fit', async () => {
    const ae = new Autoencoder({ encoder: mlp([6, 4, 2], { seed: 4 }), decoder: mlp([2, 4, 6], { seed: 5 }), likelihood: 'bernoulli' });
    const [encDir, decDir] = [freshDir(), freshDir()];
    await ae.exportLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}` });
    const back = await Autoencoder.fromLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}`, likelihood: 'bernoulli' });
    const x = tf.randomUniform([3, 6], 0, 1, 'float32', 1);
    const [a, b] = [back.reconstruct(x), ae.reconstruct(x)];
    expect(values(a)).toEqual(values(b));
    tf.dispose([x, a, b]);
    // a decoder that does not take the encoder's codes: nothing stays behind
    const before = tf.memory().numTensors;
    await expect(Autoencoder.fromLayers({ encoder: `file://${encDir}`, decoder: `file://${encDir}` })).rejects.toThrow(
      "Autoencoder: the decoder must take the encoder's output shape [2], but its input shape is [6]",
    );
    await expect(
      Autoencoder.fromLayers({ encoder: `file://${encDir}`, decoder: `file://${decDir}`, likelihod: 'bernoulli' } as never),
    ).rejects.toThrow(/likelihod/);
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
    back.dispose();
  });
});
