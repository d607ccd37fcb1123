import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSystem, selectBackend } from './index';

/** Model artifacts as a model would hand them to `save`: a JSON topology and encoded weights. */
async function artifactsFor(values: number[][]): Promise<tf.io.ModelArtifacts> {
  const tensors = Object.fromEntries(values.map((v, i) => [`w${i}`, tf.tensor1d(v)]));
  const { data, specs } = await tf.io.encodeWeights(tensors);
  tf.dispose(Object.values(tensors));
  return { modelTopology: { kind: 'test-model', layers: values.length }, weightSpecs: specs, weightData: data, format: 'elbo-test' };
}

async function weightsOf(artifacts: tf.io.ModelArtifacts): Promise<number[][]> {
  const decoded = tf.io.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  const values = Object.keys(decoded)
    .sort()
    .map((k) => Array.from(decoded[k]!.dataSync()));
  tf.dispose(Object.values(decoded));
  return values;
}

const made: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-io-'));
  made.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  await selectBackend({ prefer: ['cpu'] });
});

describe('fileSystem IO handler', () => {
  it('round-trips topology and weights through real files', async () => {
    const dir = join(freshDir(), 'model');
    await fileSystem(dir).save!(
      await artifactsFor([
        [1, 2, 3],
        [0.5, -0.25],
      ]),
    );
    expect(readdirSync(dir).sort()).toEqual(['model.json', expect.stringMatching(/^weights-[0-9a-f]+\.bin$/)]);
    const loaded = await fileSystem(dir).load!();
    expect(loaded.modelTopology).toEqual({ kind: 'test-model', layers: 2 });
    expect(loaded.format).toBe('elbo-test');
    expect(await weightsOf(loaded)).toEqual([
      [1, 2, 3],
      [0.5, -0.25],
    ]);
  });

  it('serves file:// URLs through tf.io once a backend is selected', async () => {
    const dir = join(freshDir(), 'by-url');
    const [saver] = tf.io.getSaveHandlers(`file://${dir}`);
    expect(saver).toBeDefined();
    await saver!.save!(await artifactsFor([[7, 8]]));
    const [loader] = tf.io.getLoadHandlers(`file://${dir}`);
    expect(await weightsOf(await loader!.load!())).toEqual([[7, 8]]);
  });

  it('replaces a model and removes the old weights file', async () => {
    const dir = freshDir();
    await fileSystem(dir).save!(await artifactsFor([[1]]));
    await fileSystem(dir).save!(await artifactsFor([[2, 3]]));
    expect(readdirSync(dir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(await weightsOf(await fileSystem(dir).load!())).toEqual([[2, 3]]);
  });

  it('names a path that cannot be written', async () => {
    const parent = freshDir();
    writeFileSync(join(parent, 'a-file'), 'not a directory');
    const dir = join(parent, 'a-file', 'model');
    await expect(fileSystem(dir).save!(await artifactsFor([[1]]))).rejects.toThrow(`cannot save the model to ${dir}`);
  });

  it('leaves an existing model intact when a save fails midway', async () => {
    const dir = freshDir();
    await fileSystem(dir).save!(await artifactsFor([[4, 5, 6]]));
    const before = readdirSync(dir).sort();
    const broken = await artifactsFor([[9]]);
    broken.modelTopology = { notSerializable: 1n } as unknown as {}; // JSON.stringify throws after the weights file is written
    await expect(fileSystem(dir).save!(broken)).rejects.toThrow(`cannot save the model to ${dir}`);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(await weightsOf(await fileSystem(dir).load!())).toEqual([[4, 5, 6]]);
  });

  it('refuses a truncated weights file and loads nothing', async () => {
    const dir = freshDir();
    await fileSystem(dir).save!(await artifactsFor([[1, 2, 3, 4]]));
    const weights = readdirSync(dir).find((f) => f.endsWith('.bin'))!;
    truncateSync(join(dir, weights), 10);
    await expect(fileSystem(dir).load!()).rejects.toThrow(
      'weights hold 10 bytes but model.json describes 16 (truncated or mismatched weights file)',
    );
  });

  it('names a missing or corrupt model.json', async () => {
    const dir = freshDir();
    await expect(fileSystem(dir).load!()).rejects.toThrow(
      `cannot load a model from ${dir}: ${join(dir, 'model.json')} cannot be read (ENOENT)`,
    );
    writeFileSync(join(dir, 'model.json'), '{ not json');
    await expect(fileSystem(dir).load!()).rejects.toThrow('is not valid JSON');
  });

  it('rejects an empty path', () => {
    expect(() => fileSystem('')).toThrow('fileSystem path must be a non-empty string, got ""');
  });

  it('writes model.json that tfjs can read back as JSON', async () => {
    const dir = freshDir();
    await fileSystem(dir).save!(await artifactsFor([[1]]));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].weights[0]).toMatchObject({ name: 'w0', shape: [1], dtype: 'float32' });
  });
});
