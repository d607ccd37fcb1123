import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Linear,
  RECORD_FORMAT_VERSION,
  Sequential,
  activation,
  flatten,
  linear,
  loadLayers,
  loadModelRecord,
  mlp,
  reshape,
  saveLayers,
  saveModelRecord,
  sequential,
} from '@elbo/nn';
import type { Layer, LoadedLayers } from '@elbo/nn';
import { expectClose } from '../../../tooling/testing';

const root = mkdtempSync(join(tmpdir(), 'elbo-nn-record-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshDir = (): string => join(root, `m${count++}`);

const same = (a: tf.Tensor, b: tf.Tensor) => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
const keep = (loaded: LoadedLayers) => loaded;

/** A model of several parts with no MLP in it: image -> flatten -> dense -> vector, and back. */
function parts(seed: number): { encoder: Sequential; decoder: Sequential } {
  return {
    encoder: sequential([flatten(), linear({ inputDim: 12, outputDim: 5, seed, activation: 'elu' }), activation('tanh')], {
      inputShape: [2, 3, 2],
    }),
    decoder: sequential([linear({ inputDim: 5, outputDim: 12, seed: seed + 1, activation: 'sigmoid' }), reshape([2, 3, 2])]),
  };
}

describe('saveLayers / loadLayers', () => {
  it('round-trips any stack of several parts through file://, with other settings and weights, bit for bit', async () => {
    const { encoder, decoder } = parts(3);
    const sigma = tf.scalar(-0.25);
    const dir = freshDir();
    await saveLayers(`file://${dir}`, 'elbo/test-model', {
      parts: { encoder, decoder },
      config: { beta: 2 },
      weights: { 'likelihood/logSigma': sigma },
    });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.modelTopology.formatVersion).toBe(RECORD_FORMAT_VERSION);
    expect(json.modelTopology.config.parts.encoder).toEqual(encoder.getConfig());
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name).sort()).toEqual([
      'decoder/layer0/bias',
      'decoder/layer0/kernel',
      'encoder/layer1/bias',
      'encoder/layer1/kernel',
      'likelihood/logSigma',
    ]);
    const before = tf.memory().numTensors;
    let logSigma = NaN;
    const back = await loadLayers(`file://${dir}`, { format: 'elbo/test-model', parts: ['encoder', 'decoder'] }, (loaded) => {
      logSigma = loaded.weights['likelihood/logSigma']!.dataSync()[0]!;
      return { parts: loaded.parts, config: loaded.config, formatVersion: loaded.formatVersion };
    });
    expect(tf.memory().numTensors - before).toBe(encoder.trainableVariables.length + decoder.trainableVariables.length);
    expect(logSigma).toBe(-0.25);
    expect(back.config).toEqual({ beta: 2 });
    expect(back.formatVersion).toBe(2);
    const x = tf.randomUniform([4, 2, 3, 2], 0, 1, 'float32', 9);
    const [a, b] = [encoder, back.parts.encoder!].map((e) => e.apply(x));
    same(a!, b!);
    const [c, d] = [decoder, back.parts.decoder!].map((m) => m.apply(a!));
    same(c!, d!);
    expect(d!.shape).toEqual([4, 2, 3, 2]);
    tf.dispose([x, a!, b!, c!, d!, sigma]);
    [encoder, decoder, back.parts.encoder!, back.parts.decoder!].forEach((m) => m.dispose());
  });

  it('throws on a truncated weights file, on weights that do not fit and on a missing part, loading nothing', async () => {
    const model = parts(5);
    const dir = freshDir();
    await saveLayers(`file://${dir}`, 'elbo/test-model', { parts: model });
    const before = tf.memory().numTensors;
    await expect(
      loadLayers(`file://${dir}`, { format: 'elbo/test-model', parts: ['encoder', 'decoder', 'prior'], caller: 'M.load' }, keep),
    ).rejects.toThrow('M.load: the record has no part "prior"; nothing was loaded');
    await expect(loadLayers(`file://${dir}`, { format: 'elbo/other', parts: ['encoder'] }, keep)).rejects.toThrow(
      'expected a model of format "elbo/other", got "elbo/test-model"',
    );
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.config.parts.decoder.layers[0].outputDim = 13;
    json.modelTopology.config.parts.decoder.layers[1].targetShape = [13];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    await expect(
      loadLayers(`file://${dir}`, { format: 'elbo/test-model', parts: ['encoder', 'decoder'], caller: 'M.load' }, keep),
    ).rejects.toThrow(
      'M.load: part decoder: Sequential.setWeights: weight layer0/kernel must have shape [5, 13], got [5, 12]; nothing was loaded',
    );
    const bin = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    truncateSync(join(dir, bin), 100);
    await expect(loadLayers(`file://${dir}`, { format: 'elbo/test-model', parts: ['encoder'] }, keep)).rejects.toThrow(
      /truncated or mismatched weights file/,
    );
    // the record's own check, for IO handlers that do not check lengths themselves
    const short: tf.io.IOHandler = {
      load: async () => ({
        modelTopology: json.modelTopology,
        format: 'elbo/test-model',
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new ArrayBuffer(8),
      }),
    };
    await expect(loadLayers(short, { format: 'elbo/test-model', parts: ['encoder'] }, keep)).rejects.toThrow(
      /the weights hold 8 bytes but their specs describe \d+ \(truncated or mismatched weights file\); nothing was loaded/,
    );
    await expect(loadLayers(`file://${dir}`, { format: 'elbo/test-model', part: ['encoder'] } as never, keep)).rejects.toThrow(
      'loadLayers: unknown option "part"; did you mean "parts"?',
    );
    expect(tf.memory().numTensors).toBe(before);
    model.encoder.dispose();
    model.decoder.dispose();
  });

  it('frees the parts when build throws', async () => {
    const model = parts(6);
    const dir = freshDir();
    await saveLayers(`file://${dir}`, 'elbo/test-model', { parts: model });
    const before = tf.memory().numTensors;
    await expect(
      loadLayers(`file://${dir}`, { format: 'elbo/test-model', parts: ['encoder', 'decoder'], caller: 'M.load' }, () => {
        throw new Error('latentDim must be 5');
      }),
    ).rejects.toThrow('M.load: latentDim must be 5; nothing was loaded');
    expect(tf.memory().numTensors).toBe(before);
    model.encoder.dispose();
    model.decoder.dispose();
  });

  it('refuses a record of a future formatVersion, naming the version and what to do', async () => {
    const w = tf.ones([2]);
    const dir = freshDir();
    await saveModelRecord(`file://${dir}`, 'elbo/test-model', { config: { a: 1 }, weights: { w } });
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    json.modelTopology.formatVersion = 7;
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const before = tf.memory().numTensors;
    await expect(loadModelRecord(`file://${dir}`, 'elbo/test-model')).rejects.toThrow(
      /the record has formatVersion 7, but this @elbo\/nn reads versions 1 to 2: it was written by a newer elbo; upgrade @elbo\/nn/,
    );
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });
});

/** Writes model.json + weights.bin as the autoencoder and the VAE wrote them before @elbo/nn (format version 1, no formatVersion field). */
function writeOldRecord(format: string, config: unknown, weights: { name: string; shape: number[]; values: number[] }[]): string {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  const data = Float32Array.from(weights.flatMap((w) => w.values));
  writeFileSync(join(dir, 'weights.bin'), Buffer.from(data.buffer));
  const manifest = [{ paths: ['weights.bin'], weights: weights.map(({ name, shape }) => ({ name, shape, dtype: 'float32' })) }];
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      modelTopology: { format, config },
      format,
      generatedBy: `${format} (elbo)`,
      convertedBy: null,
      weightsManifest: manifest,
    }),
  );
  return dir;
}

const oldMlp = (sizes: number[], outputActivation: string) => ({
  sizes,
  activation: 'relu',
  outputActivation,
  seed: 0,
  init: 'pytorch',
  bias: true,
});
const values = (n: number, scale: number, shift: number) => Array.from({ length: n }, (_, i) => scale * ((i * 7) % 5) - shift);

describe('records written before @elbo/nn', () => {
  it('an autoencoder record (MlpConfig parts) loads as Sequentials of Linear layers with its weights', async () => {
    const W0 = values(6, 0.25, 0.5); // [3, 2]
    const b0 = [0.1, -0.2];
    const W1 = values(4, 0.5, 1); // [2, 2]
    const b1 = [0.3, 0];
    const dir = writeOldRecord(
      'elbo/autoencoder',
      { encoder: oldMlp([3, 2, 2], 'linear'), decoder: oldMlp([2, 3], 'sigmoid'), likelihood: 'gaussian', scale: 0.5 },
      [
        { name: 'encoder/layer0/kernel', shape: [3, 2], values: W0 },
        { name: 'encoder/layer0/bias', shape: [2], values: b0 },
        { name: 'encoder/layer1/kernel', shape: [2, 2], values: W1 },
        { name: 'encoder/layer1/bias', shape: [2], values: b1 },
        { name: 'decoder/layer0/kernel', shape: [2, 3], values: values(6, 0.1, 0.2) },
        { name: 'decoder/layer0/bias', shape: [3], values: [0, 0, 0] },
      ],
    );
    const before = tf.memory().numTensors;
    const loaded = await loadLayers(
      `file://${dir}`,
      { format: 'elbo/autoencoder', parts: ['encoder', 'decoder'], caller: 'Autoencoder.load' },
      keep,
    );
    expect(tf.memory().numTensors - before).toBe(6);
    expect(loaded.formatVersion).toBe(1);
    expect(loaded.config).toEqual({ likelihood: 'gaussian', scale: 0.5 });
    const encoder = loaded.parts.encoder as Sequential;
    expect(encoder).toBeInstanceOf(Sequential);
    expect((encoder.layers as Linear[]).map((l) => [l.inputDim, l.outputDim, l.activation])).toEqual([
      [3, 2, 'relu'],
      [2, 2, 'linear'],
    ]);
    expect((loaded.parts.decoder as Sequential).layers.map((l) => (l as Linear).activation)).toEqual(['sigmoid']);
    // y = relu(x W0 + b0) W1 + b1, written out
    const x = [1, -2, 0.5];
    const h = [0, 1].map((j) =>
      Math.max(
        0,
        x.reduce((s, xi, i) => s + xi * W0[i * 2 + j]!, b0[j]!),
      ),
    );
    const want = [0, 1].map((j) => h.reduce((s, hi, i) => s + hi * W1[i * 2 + j]!, b1[j]!));
    const y = encoder.apply([x]);
    expectClose(y, want, { rtol: 1e-6, atol: 1e-7 });
    y.dispose();
    Object.values(loaded.parts).forEach((p: Layer) => p.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a VAE record loads with its other settings and its learned sigma', async () => {
    const config = {
      encoder: oldMlp([2, 4], 'linear'),
      decoder: oldMlp([2, 2], 'linear'),
      latentDim: 2,
      likelihood: { name: 'gaussian', sigma: 1, learnSigma: true },
      beta: 1,
      freeBits: 0,
      kl: 'analytic',
      encoderScale: 'logvar',
    };
    const dir = writeOldRecord('elbo/vae', config, [
      { name: 'encoder/layer0/kernel', shape: [2, 4], values: values(8, 0.1, 0.1) },
      { name: 'encoder/layer0/bias', shape: [4], values: [0, 0, 0, 0] },
      { name: 'decoder/layer0/kernel', shape: [2, 2], values: [1, 0, 0, 1] },
      { name: 'decoder/layer0/bias', shape: [2], values: [0.5, -0.5] },
      { name: 'likelihood/logSigma', shape: [], values: [-1] },
    ]);
    const before = tf.memory().numTensors;
    const model = await loadLayers(
      `file://${dir}`,
      { format: 'elbo/vae', parts: ['encoder', 'decoder'] },
      ({ parts: p, config: c, weights }) => ({
        encoder: p.encoder!,
        decoder: p.decoder!,
        rest: c,
        logSigma: weights['likelihood/logSigma']!.dataSync()[0],
        weightNames: Object.keys(weights),
      }),
    );
    expect(model.logSigma).toBe(-1);
    expect(model.weightNames).toEqual(['likelihood/logSigma']);
    expect(model.rest).toEqual({
      latentDim: 2,
      likelihood: { name: 'gaussian', sigma: 1, learnSigma: true },
      beta: 1,
      freeBits: 0,
      kl: 'analytic',
      encoderScale: 'logvar',
    });
    const y = model.decoder!.apply([[2, 3]]);
    expect(Array.from(y.dataSync())).toEqual([2.5, 2.5]);
    y.dispose();
    model.encoder!.dispose();
    model.decoder!.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an mlp() saved now keeps the weight names the old Mlp wrote', async () => {
    const net = mlp([3, 4, 2], { seed: 1 });
    const dir = freshDir();
    await saveLayers(`file://${dir}`, 'elbo/autoencoder', { parts: { encoder: net } });
    const names = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).weightsManifest[0].weights.map((w: { name: string }) => w.name);
    expect(names).toEqual(['encoder/layer0/kernel', 'encoder/layer0/bias', 'encoder/layer1/kernel', 'encoder/layer1/bias']);
    net.dispose();
  });
});
