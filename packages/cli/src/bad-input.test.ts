import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo, readRunJson, writeBadImages, writeGoodImages } from './images.fixture';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elbo-cli-bad-'));
  await writeGoodImages(join(dir, 'mixed'), 12);
  await writeGoodImages(join(dir, 'some-bad'), 12);
  await writeBadImages(join(dir, 'some-bad'));
  await writeBadImages(join(dir, 'all-bad'));
  mkdirSync(join(dir, 'empty'));
  writeFileSync(join(dir, 'notes.txt'), 'not images');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (input: string, out: string, ...more: string[]) =>
  elbo(['train', input, '--size', '8', '--epochs', '1', '--model', 'pca', '--latent', '2', '--out', out, '--quiet', ...more], dir);

describe('elbo train on bad input: exit 1, a message naming the path, nothing written', () => {
  it('a path that does not exist', async () => {
    const { code, stderr } = await train('missing', 'r1');
    expect(code).toBe(1);
    expect(stderr).toContain('elbo train: missing does not exist; expected a folder of images or a .npy file');
    expect(existsSync(join(dir, 'r1'))).toBe(false);
  });

  it('a file that is neither a folder nor a .npy file', async () => {
    const { code, stderr } = await train('notes.txt', 'r2');
    expect(code).toBe(1);
    expect(stderr).toContain('notes.txt is a file but not a .npy file');
  });

  it('an empty folder', async () => {
    const { code, stderr } = await train('empty', 'r3');
    expect(code).toBe(1);
    expect(stderr).toMatch(/empty holds no \.png, \.jpg or \.jpeg files/);
    expect(existsSync(join(dir, 'r3'))).toBe(false);
  });

  it('a corrupt image fails the run with the first bad path (sorted), and says how to skip', async () => {
    const { code, stderr } = await train('some-bad', 'r5');
    expect(code).toBe(1);
    expect(stderr).toMatch(/corrupt\.jpg is not a readable PNG or JPEG image/);
    expect(stderr).toContain('--skip-bad');
    expect(existsSync(join(dir, 'r5'))).toBe(false);
  });

  it('--skip-bad leaves the corrupt, truncated and non-image files out and counts them', async () => {
    const { code, stderr } = await elbo(
      ['train', 'some-bad', '--size', '8', '--epochs', '1', '--model', 'pca', '--latent', '2', '--out', 'r6', '--skip-bad'],
      dir,
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/skipped 3 unreadable image\(s\)/);
    expect(readRunJson(join(dir, 'r6')).source).toMatchObject({ images: 12, skipped: 3 });
  });

  it('--skip-bad on a folder where nothing is readable fails, naming the folder', async () => {
    const { code, stderr } = await train('all-bad', 'r7', '--skip-bad');
    expect(code).toBe(1);
    expect(stderr).toContain('all-bad');
    expect(existsSync(join(dir, 'r7'))).toBe(false);
  });

  it('a .npy file of float32 outside [0, 1] names the value and the file', async () => {
    const { writeNpy } = await import('@elbo/datasets/node');
    await writeNpy(
      join(dir, 'raw.npy'),
      Float32Array.from({ length: 4 * 5 * 5 }, (_, i) => i),
      [4, 5, 5],
    );
    const { code, stderr } = await elbo(['train', 'raw.npy', '--out', 'r8', '--quiet'], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('raw.npy must hold uint8 pixels or floats in [0, 1], got 2 at element 2');
  });

  it('an existing run folder is refused without --force, and kept when a --force run fails', async () => {
    expect((await train('mixed', 'keep')).code).toBe(0);
    const before = readFileSync(join(dir, 'keep', 'run.json'), 'utf8');
    const refused = await train('mixed', 'keep');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--out keep already exists; pass --force');
    const failed = await train('some-bad', 'keep', '--force');
    expect(failed.code).toBe(1);
    expect(readFileSync(join(dir, 'keep', 'run.json'), 'utf8')).toBe(before);
    const replaced = await train('mixed', 'keep', '--force', '--seed', '3');
    expect(replaced.code).toBe(0);
    expect(readRunJson(join(dir, 'keep')).settings).toMatchObject({ seed: 3 });
  });
});
