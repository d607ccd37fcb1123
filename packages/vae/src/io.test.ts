import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mlp } from '@elbo/autoencoder';
import { afterAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { vaeFromLayers } from './io';
import { VAE } from './vae';

const dir = mkdtempSync(join(tmpdir(), 'elbo-vae-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const x = tf.randomUniform([5, 12], 0, 1, 'float32', 3);

function model(likelihood: ConstructorParameters<typeof VAE>[0]['likelihood']) {
  return new VAE({ encoder: mlp([12, 8, 6], { seed: 1 }), decoder: mlp([3, 8, 12], { seed: 2 }), latentDim: 3, likelihood, beta: 0.5, freeBits: 0.1 });
}

describe('save / load', () => {
  it('round-trips the whole model bit for bit, learned sigma and settings included, without leaks', async () => {
    const vae = model({ name: 'gaussian', sigma: 0.3, learnSigma: true });
    await vae.fit(x, { epochs: 2, batchSize: 5 });
    const url = `file://${join(dir, 'gauss')}`;
    await vae.save(url);
    await expectNoLeaks(async () => (await VAE.load(url)).dispose());
    const back = await VAE.load(url);
    expect(back.likelihood.getConfig()).toEqual(vae.likelihood.getConfig());
    expect([back.beta, back.freeBits, back.latentDim, back.kl]).toEqual([0.5, 0.1, 3, 'analytic']);
    const [a, b] = [vae.elbo(x, { seed: 4 }).elbo.dataSync(), back.elbo(x, { seed: 4 }).elbo.dataSync()];
    expect(Array.from(b)).toEqual(Array.from(a));
    vae.dispose();
    back.dispose();
  });

  it('a truncated weights file or a foreign format throws and loads nothing', async () => {
    const vae = model('bernoulli');
    const path = join(dir, 'bern');
    await vae.save(`file://${path}`);
    const bin = readdirSync(path).find((f) => f.endsWith('.bin'))!;
    const bytes = readFileSync(join(path, bin));
    writeFileSync(join(path, bin), bytes.subarray(0, bytes.length - 8));
    const before = tf.memory().numTensors;
    await expect(VAE.load(`file://${path}`)).rejects.toThrow(/truncated or mismatched/);
    expect(tf.memory().numTensors).toBe(before);
    const ae = join(dir, 'layers-enc');
    await vae.exportLayers({ encoder: `file://${ae}`, decoder: `file://${join(dir, 'layers-dec')}` });
    await expect(VAE.load(`file://${ae}`)).rejects.toThrow(/expected a model of format "elbo\/vae"/);
    vae.dispose();
  });

  it('exports encoder and decoder as TF.js Layers models that compute the same outputs, and imports them back', async () => {
    const vae = model('continuous-bernoulli');
    const urls = { encoder: `file://${join(dir, 'enc')}`, decoder: `file://${join(dir, 'dec')}` };
    await vae.exportLayers(urls);
    const enc = await tfl.loadLayersModel(urls.encoder);
    const want = vae.encoder.apply(x).dataSync();
    const got = (enc.predict(x) as tf.Tensor).dataSync();
    got.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-5));
    const back = await vaeFromLayers(urls, { latentDim: 3, likelihood: 'continuous-bernoulli' });
    const r1 = vae.reconstruct(x).dataSync();
    const r2 = back.reconstruct(x).dataSync();
    r2.forEach((v, i) => expect(Math.abs(v - r1[i]!)).toBeLessThan(1e-5));
    enc.dispose();
    vae.dispose();
    back.dispose();
  });

  it('refuses to save a model whose networks are not mlp()s', async () => {
    const custom = { apply: (t: tf.Tensor) => tf.tidy(() => tf.concat([t, t], 1)), trainableVariables: [], dispose: () => undefined };
    const vae = new VAE({ encoder: custom, decoder: { apply: (z: tf.Tensor) => z, trainableVariables: [], dispose: () => undefined }, latentDim: 2 });
    await expect(vae.save(`file://${join(dir, 'custom')}`)).rejects.toThrow(/needs an encoder and a decoder made by mlp\(\)/);
  });
});
