import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { flatten, linear, mlp, reshape, sequential } from '@elbo/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { VAE } from './vae';

const dir = mkdtempSync(join(tmpdir(), 'elbo-vae-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const x = tf.randomUniform([5, 12], 0, 1, 'float32', 3);

function model(likelihood: ConstructorParameters<typeof VAE>[0]['likelihood']) {
  return new VAE({
    encoder: mlp([12, 8, 6], { seed: 1 }),
    decoder: mlp([3, 8, 12], { seed: 2 }),
    latentDim: 3,
    likelihood,
    beta: 0.5,
    freeBits: 0.1,
  });
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
    const back = await VAE.fromLayers(urls, { likelihood: 'continuous-bernoulli' });
    expect(back.latentDim).toBe(3);
    const r1 = vae.reconstruct(x).dataSync();
    const r2 = back.reconstruct(x).dataSync();
    r2.forEach((v, i) => expect(Math.abs(v - r1[i]!)).toBeLessThan(1e-5));
    enc.dispose();
    vae.dispose();
    back.dispose();
  });

  it('saves and loads any stack of layers, not only mlp()s (reshape and flatten included)', async () => {
    const encoder = sequential([reshape([3, 4]), flatten(), linear({ inputDim: 12, outputDim: 4, seed: 5 })], { inputShape: [12] });
    const decoder = sequential([linear({ inputDim: 2, outputDim: 12, seed: 6 }), reshape([12])]);
    const vae = new VAE({ encoder, decoder, likelihood: 'bernoulli' });
    const url = `file://${join(dir, 'stack')}`;
    await vae.save(url);
    const back = await VAE.load(url);
    expect(back.encoder.getConfig()).toEqual(vae.encoder.getConfig());
    expect(Array.from(back.reconstruct(x).dataSync())).toEqual(Array.from(vae.reconstruct(x).dataSync()));
    vae.dispose();
    back.dispose();
  });
});

describe('records of the previous @elbo/vae (version 1: MLP configs)', () => {
  // As the old saveVAE wrote it: modelTopology { format, config } without formatVersion, the parts as
  // MLP configs under their names, weights encoder/layer<i>/kernel [in, out] and bias, likelihood/logSigma.
  const oldMlp = (sizes: number[]) => ({ sizes, activation: 'relu', outputActivation: 'linear', seed: 0, init: 'pytorch', bias: true });
  const W = (shape: number[], seed: number) => tf.randomUniform(shape, -0.5, 0.5, 'float32', seed);
  async function oldRecord(
    likelihood: Record<string, unknown>,
    logSigma?: number,
  ): Promise<{ artifacts: tf.io.ModelArtifacts; weights: tf.NamedTensorMap }> {
    const weights: tf.NamedTensorMap = {
      'encoder/layer0/kernel': W([12, 8], 1),
      'encoder/layer0/bias': W([8], 2),
      'encoder/layer1/kernel': W([8, 6], 3),
      'encoder/layer1/bias': W([6], 4),
      'decoder/layer0/kernel': W([3, 8], 5),
      'decoder/layer0/bias': W([8], 6),
      'decoder/layer1/kernel': W([8, 12], 7),
      'decoder/layer1/bias': W([12], 8),
    };
    if (logSigma != null) weights['likelihood/logSigma'] = tf.scalar(logSigma);
    const config = {
      encoder: oldMlp([12, 8, 6]),
      decoder: oldMlp([3, 8, 12]),
      latentDim: 3,
      likelihood,
      beta: 0.5,
      freeBits: 0.1,
      kl: 'monte-carlo',
      encoderScale: 'softplus',
    };
    const { data, specs } = await tf.io.encodeWeights(weights);
    const artifacts = {
      modelTopology: { format: 'elbo/vae', config },
      format: 'elbo/vae',
      generatedBy: 'elbo/vae (elbo)',
      convertedBy: null,
      weightSpecs: specs,
      weightData: data,
    };
    return { artifacts: artifacts as unknown as tf.io.ModelArtifacts, weights };
  }
  /** The old Mlp by hand: relu hidden layer, linear output. */
  const net = (w: tf.NamedTensorMap, part: string, t: tf.Tensor) =>
    tf.add(
      tf.matMul(tf.relu(tf.add(tf.matMul(t, w[`${part}/layer0/kernel`]!), w[`${part}/layer0/bias`]!)), w[`${part}/layer1/kernel`]!),
      w[`${part}/layer1/bias`]!,
    );

  it('loads with the settings, the learned sigma and the outputs the old model had, leaking nothing', async () => {
    const { artifacts, weights } = await oldRecord({ name: 'gaussian', sigma: Math.exp(-0.7), learnSigma: true }, -0.7);
    await expectNoLeaks(async () => (await VAE.load(tf.io.fromMemory(artifacts))).dispose());
    const vae = await VAE.load(tf.io.fromMemory(artifacts));
    expect([vae.latentDim, vae.beta, vae.freeBits, vae.kl, vae.encoderScale]).toEqual([3, 0.5, 0.1, 'monte-carlo', 'softplus']);
    expect(vae.likelihood.name).toBe('gaussian');
    expect(vae.likelihood.trainableVariables).toHaveLength(1);
    expectClose(vae.likelihood.logSigma!.dataSync()[0]!, -0.7, { rtol: 1e-6 });
    const h = net(weights, 'encoder', x);
    const { mu, logVar } = vae.encodeParams(x);
    expectClose(mu, Array.from(tf.slice(h, [0, 0], [-1, 3]).dataSync()), { rtol: 1e-6, atol: 1e-7 });
    const eps = tf.backend().epsilon();
    const wantLogVar = tf.mul(2, tf.log(tf.add(tf.softplus(tf.slice(h, [0, 3], [-1, 3])), eps)));
    expectClose(logVar, Array.from(wantLogVar.dataSync()), { rtol: 1e-6, atol: 1e-6 });
    const z = tf.randomNormal([4, 3], 0, 1, 'float32', 9);
    expectClose(vae.decode(z), Array.from(net(weights, 'decoder', z).dataSync()), { rtol: 1e-6, atol: 1e-7 });
    // Saved again, it is a record of this version that loads to the same model.
    const url = `file://${join(dir, 'resaved')}`;
    await vae.save(url);
    const again = await VAE.load(url);
    expect(Array.from(again.elbo(x, { seed: 2 }).elbo.dataSync())).toEqual(Array.from(vae.elbo(x, { seed: 2 }).elbo.dataSync()));
    vae.dispose();
    again.dispose();
    tf.dispose([...Object.values(weights), h, mu, logVar, wantLogVar, z]);
  });

  it('loads the Bernoulli kinds (likelihood { name } only), and refuses a learned sigma without its weight, loading nothing', async () => {
    const { artifacts, weights } = await oldRecord({ name: 'continuous-bernoulli' });
    const vae = await VAE.load(tf.io.fromMemory(artifacts));
    expect(vae.likelihood.getConfig()).toEqual({ name: 'continuous-bernoulli', eventRank: 1 });
    expectClose(vae.decodeRaw(tf.ones([1, 3])), Array.from(net(weights, 'decoder', tf.ones([1, 3])).dataSync()), {
      rtol: 1e-6,
      atol: 1e-7,
    });
    vae.dispose();
    tf.dispose(Object.values(weights));
    const missing = await oldRecord({ name: 'gaussian', sigma: 0.5, learnSigma: true });
    tf.dispose(Object.values(missing.weights));
    const before = tf.memory().numTensors;
    await expect(VAE.load(tf.io.fromMemory(missing.artifacts))).rejects.toThrow(
      /VAE.load: the learned likelihood sigma \(the weight likelihood\/logSigma\) is missing; nothing was loaded/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
