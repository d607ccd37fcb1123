import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSystem, selectBackend } from './index';

/** Artifacts of a one-weight model: a JSON topology and two float32 values. */
async function artifacts(values = [1, 2]): Promise<tf.io.ModelArtifacts> {
  const w = tf.tensor1d(values);
  const { data, specs } = await tf.io.encodeWeights({ w });
  w.dispose();
  return { modelTopology: { kind: 'test' }, weightSpecs: specs, weightData: data };
}

const made: string[] = [];
const fresh = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'elbo-io-safety-'));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
beforeAll(async () => {
  await selectBackend({ prefer: ['cpu'] });
});

/** A model folder whose model.json names `paths` as its weights files. */
function hostileModel(paths: string[]): string {
  const dir = join(fresh(), 'model');
  mkdirSync(dir);
  const manifest = [{ paths, weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }];
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: { kind: 'test' }, weightsManifest: manifest }));
  return dir;
}

describe('fileSystem never reads or writes outside the model folder', () => {
  it('refuses manifest paths that leave the folder: .., absolute, and links leading out', async () => {
    const outside = join(fresh(), 'secret.bin');
    writeFileSync(outside, new Uint8Array(8));
    for (const path of ['../secret.bin', '../../../../../../etc/hostname', outside, 'sub/../../secret.bin']) {
      const dir = hostileModel([path]);
      await expect(fileSystem(dir).load!()).rejects.toThrow(`model.json names the weights file ${JSON.stringify(path)}`);
    }
    const dir = hostileModel(['link.bin']);
    symlinkSync(outside, join(dir, 'link.bin'));
    await expect(fileSystem(dir).load!()).rejects.toThrow(/link\.bin is a link that leads out of the model folder/);
    // a link to a file inside the folder is fine
    const inside = hostileModel(['link.bin']);
    writeFileSync(join(inside, 'real.bin'), new Uint8Array(new Float32Array([3, 4]).buffer));
    symlinkSync(join(inside, 'real.bin'), join(inside, 'link.bin'));
    const loaded = await fileSystem(inside).load!();
    expect(Array.from(new Float32Array(loaded.weightData as ArrayBuffer))).toEqual([3, 4]);
  });

  it('saving over a hostile model.json deletes nothing outside the folder', async () => {
    const victim = join(fresh(), 'keep.txt');
    writeFileSync(victim, 'still here');
    const dir = hostileModel([`../${join('..', victim)}`, victim]);
    await fileSystem(dir).save!(await artifacts());
    expect(readFileSync(victim, 'utf8')).toBe('still here');
  });

  it('refuses a model.json that is a link leading out of the folder', async () => {
    const elsewhere = join(fresh(), 'model.json');
    writeFileSync(elsewhere, JSON.stringify({ modelTopology: {}, weightsManifest: [] }));
    const dir = join(fresh(), 'model');
    mkdirSync(dir);
    symlinkSync(elsewhere, join(dir, 'model.json'));
    await expect(fileSystem(dir).load!()).rejects.toThrow(/model\.json is a link that leads out of the model folder/);
  });
});

describe('fileSystem saves', () => {
  it('rejects an unwritable path with the path and the reason instead of hanging', async () => {
    const result = await Promise.race([
      fileSystem('/proc/nonexistent/model').save!(await artifacts()).then(
        () => 'saved',
        (error: Error) => error.message,
      ),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 5 s'), 5000)),
    ]);
    expect(result).toMatch(/^cannot save the model to \/proc\/nonexistent\/model: .*ENOENT/);
    const file = join(fresh(), 'a-file');
    writeFileSync(file, '');
    await expect(fileSystem(join(file, 'model')).save!(await artifacts())).rejects.toThrow(
      `cannot save the model to ${join(file, 'model')}: ENOTDIR`,
    );
  });

  it('leaves one weights file after repeated saves, and cleans up ones a killed save left', async () => {
    const dir = join(fresh(), 'model');
    await fileSystem(dir).save!(await artifacts());
    writeFileSync(join(dir, 'weights-0123456789ab.bin'), new Uint8Array(8)); // as a save killed after its weights
    writeFileSync(join(dir, 'notes.txt'), 'not ours');
    for (let i = 0; i < 3; i++) await fileSystem(dir).save!(await artifacts([i, i]));
    const files = readdirSync(dir).sort();
    expect(files.filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    expect(files).toContain('notes.txt');
    const loaded = await fileSystem(dir).load!();
    expect(Array.from(new Float32Array(loaded.weightData as ArrayBuffer))).toEqual([2, 2]);
  });

  it('takes the folder or the model.json inside it, for save and load alike', async () => {
    const dir = join(fresh(), 'model');
    await fileSystem(`file://${dir}/model.json`).save!(await artifacts([5, 6]));
    expect(readdirSync(dir)).toContain('model.json');
    for (const url of [dir, `file://${dir}`, `${dir}/model.json`, `file://${dir}/model.json`]) {
      const loaded = await fileSystem(url).load!();
      expect(Array.from(new Float32Array(loaded.weightData as ArrayBuffer))).toEqual([5, 6]);
    }
    expect(() => fileSystem(`${dir}/weights.json`)).toThrow(
      `fileSystem path must name a model folder or the model.json inside it, got "${dir}/weights.json"`,
    );
  });
});
