import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSystem } from '@elbo/backend-node';
import { loadModelRecord, saveModelRecord } from '@elbo/nn';
import { Autoencoder, mlp } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

const root = mkdtempSync(join(tmpdir(), 'elbo-ae-save-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);

const model = (seed = 0): Autoencoder =>
  new Autoencoder({
    encoder: mlp([12, 7, 3], { seed }),
    decoder: mlp([3, 7, 12], { seed: seed + 1, activation: 'tanh' }),
    likelihood: 'continuous-bernoulli',
  });

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
    json.modelTopology.config.parts.decoder.layers[0].outputDim = 8; // the stored layer0 weights are [3, 7]
    json.modelTopology.config.parts.decoder.layers[1].inputDim = 8;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow(
      /^Autoencoder\.load: part decoder: .*layer0\/kernel.*\[3, 8\].*\[3, 7\].*; nothing was loaded$/,
    );
    expect(tf.memory().numTensors).toBe(before);
    ae.dispose();
  });

  it('refuses a record whose likelihood is not a likelihood config, loading nothing', async () => {
    const ae = model(3);
    const dir = freshDir();
    await ae.save(`file://${dir}`);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.likelihood = 42;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow(
      "Autoencoder.load: the record's likelihood must be a likelihood config, got number 42; nothing was loaded",
    );
    json.modelTopology.config.likelihood = { name: 'poisson', eventRank: 1 };
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expect(Autoencoder.load(`file://${dir}`)).rejects.toThrow(
      /^Autoencoder\.load: Likelihood: likelihood must be one of .*got string "poisson"; nothing was loaded$/,
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

  it('keeps a learned likelihood sigma across save and load', async () => {
    const ae = new Autoencoder({
      encoder: mlp([12, 3], { seed: 5 }),
      decoder: mlp([3, 12], { seed: 6 }),
      likelihood: { name: 'gaussian', sigma: 0.3, learnSigma: true },
    });
    const x = tf.randomUniform([8, 12], 0, 1, 'float32', 2);
    await ae.fit(x, { epochs: 3, batchSize: 4, learningRate: 1e-2 });
    expect(ae.likelihood.sigma()).not.toBeCloseTo(0.3, 3); // trained
    const dir = freshDir();
    await ae.save(`file://${dir}`);
    const back = await Autoencoder.load(`file://${dir}`);
    expect(back.likelihood.logSigma!.dataSync()[0]).toBe(ae.likelihood.logSigma!.dataSync()[0]);
    expect(back.trainableVariables).toHaveLength(ae.trainableVariables.length);
    expect(Array.from(back.negLogLikelihood(x).dataSync())).toEqual(Array.from(ae.negLogLikelihood(x).dataSync()));
    [ae, back].forEach((m) => m.dispose());
    x.dispose();
  });
});

/**
 * A record exactly as @elbo/autoencoder 0.0.0 wrote it (Autoencoder.save -> saveModelRecord of its
 * serialization.ts, through the file:// handler): no formatVersion, the parts as MlpConfigs directly
 * under their names, the likelihood as a name with `scale`, and the weights `encoder/layer<i>/kernel`, ...
 */
function writeVersion1Record(dir: string, weights: Record<string, { shape: number[]; values: number[] }>): void {
  const mlpConfig = (sizes: number[], seed: number) => ({
    sizes,
    activation: 'tanh',
    outputActivation: 'linear',
    seed,
    init: 'pytorch',
    bias: true,
  });
  const config = { encoder: mlpConfig([4, 3, 2], 0), decoder: mlpConfig([2, 3, 4], 1), likelihood: 'gaussian', scale: 0.5 };
  const names = Object.keys(weights);
  const data = new Float32Array(names.flatMap((name) => weights[name]!.values));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(data.buffer));
  const modelJSON = {
    modelTopology: { format: 'elbo/autoencoder', config },
    format: 'elbo/autoencoder',
    generatedBy: 'elbo/autoencoder (elbo)',
    convertedBy: null,
    weightsManifest: [{ paths: ['weights.bin'], weights: names.map((name) => ({ name, shape: weights[name]!.shape, dtype: 'float32' })) }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJSON));
}

describe('records of the previous version', () => {
  it('a version-1 record (MlpConfig parts, likelihood name and scale) loads with the outputs its weights give', async () => {
    const values = (n: number, k: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + k) / 2);
    const weights = {
      'encoder/layer0/kernel': { shape: [4, 3], values: values(12, 0) },
      'encoder/layer0/bias': { shape: [3], values: values(3, 1) },
      'encoder/layer1/kernel': { shape: [3, 2], values: values(6, 2) },
      'encoder/layer1/bias': { shape: [2], values: values(2, 3) },
      'decoder/layer0/kernel': { shape: [2, 3], values: values(6, 4) },
      'decoder/layer0/bias': { shape: [3], values: values(3, 5) },
      'decoder/layer1/kernel': { shape: [3, 4], values: values(12, 6) },
      'decoder/layer1/bias': { shape: [4], values: values(4, 7) },
    };
    const dir = freshDir();
    writeVersion1Record(dir, weights);
    const before = tf.memory().numTensors;
    const ae = await Autoencoder.load(`file://${dir}`);
    expect(tf.memory().numTensors - before).toBe(8);
    expect(ae.getConfig().likelihood).toEqual({ name: 'gaussian', sigma: 0.5, learnSigma: false, eventRank: 1 });

    // The oracle: the old Mlp's forward pass written out in plain numbers, h = tanh(x W + b), linear last layer.
    const x = [
      [0.1, 0.9, 0.4, 0.0],
      [1.0, 0.2, 0.7, 0.5],
      [0.3, 0.3, 0.8, 0.6],
    ];
    const affine = (h: number[][], w: keyof typeof weights, b: keyof typeof weights, act: (v: number) => number): number[][] => {
      const m = weights[w].shape[1]!;
      return h.map((row) =>
        Array.from({ length: m }, (_, j) => act(weights[b].values[j]! + row.reduce((s, v, i) => s + v * weights[w].values[i * m + j]!, 0))),
      );
    };
    const id = (v: number): number => v;
    const z = affine(
      affine(x, 'encoder/layer0/kernel', 'encoder/layer0/bias', Math.tanh),
      'encoder/layer1/kernel',
      'encoder/layer1/bias',
      id,
    );
    const mean = affine(
      affine(z, 'decoder/layer0/kernel', 'decoder/layer0/bias', Math.tanh),
      'decoder/layer1/kernel',
      'decoder/layer1/bias',
      id,
    );
    // gaussian with scale 0.5: -log p = sum_i (x_i - m_i)^2 / (2 * 0.25) + log 0.5 + log(2 pi) / 2
    const nll = x.map((row, n) =>
      row.reduce((s, v, i) => s + (v - mean[n]![i]!) ** 2 / 0.5 + Math.log(0.5) + 0.5 * Math.log(2 * Math.PI), 0),
    );

    const xt = tf.tensor2d(x);
    await expectNoLeaks(async () => {
      const codes = ae.encode(xt);
      expectClose(codes, z.flat(), { rtol: 1e-5, atol: 1e-6 });
      const recon = ae.reconstruct(xt);
      expectClose(recon, mean.flat(), { rtol: 1e-5, atol: 1e-6 });
      const logLoss = ae.negLogLikelihood(xt);
      expectClose(logLoss, nll, { rtol: 1e-5 });
      tf.dispose([codes, recon, logLoss]);
    });
    // saved again, it is a version-2 record with the same outputs
    const again = freshDir();
    await ae.save(`file://${again}`);
    expect(JSON.parse(readFileSync(join(again, 'model.json'), 'utf8')).modelTopology.formatVersion).toBe(2);
    const back = await Autoencoder.load(`file://${again}`);
    expect(Array.from(back.reconstruct(xt).dataSync())).toEqual(Array.from(ae.reconstruct(xt).dataSync()));
    [ae, back].forEach((m) => m.dispose());
    xt.dispose();
  });
});
