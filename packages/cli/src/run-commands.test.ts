import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo, writeBadImages, writeGoodImages } from './images.fixture';

let dir: string;
let files: string[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elbo-cli-run-'));
  files = await writeGoodImages(join(dir, 'imgs'), 18);
  for (const [model, out] of [
    ['vae', 'vae-run'],
    ['pca', 'pca-run'],
  ]) {
    const r = await elbo(
      ['train', 'imgs', '--model', model!, '--size', '8', '--epochs', '1', '--latent', '3', '--out', out!, '--quiet'],
      dir,
    );
    if (r.code !== 0) throw new Error(r.stderr);
  }
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('elbo sample, encode and score on a run folder', () => {
  it('sample -n 4 writes a 2 x 2 grid of 8x8 tiles; the same seed gives the same PNG, another seed another', async () => {
    expect((await elbo(['sample', 'vae-run', '-n', '4', '--out', 'g.png'], dir)).code).toBe(0);
    const meta = await sharp(join(dir, 'g.png')).metadata();
    expect([meta.width, meta.height]).toEqual([2 * 8 + 3 * 2, 2 * 8 + 3 * 2]);
    await elbo(['sample', 'vae-run', '-n', '4', '--out', 'g2.png'], dir);
    await elbo(['sample', 'vae-run', '-n', '4', '--out', 'g3.png', '--seed', '5'], dir);
    const [a, b, c] = ['g.png', 'g2.png', 'g3.png'].map((f) => readFileSync(join(dir, f)));
    expect(a!.equals(b!)).toBe(true);
    expect(a!.equals(c!)).toBe(false);
  });

  it('sample --from prior draws a VAE from N(0, I) instead of its codes; --from must be codes or prior', async () => {
    expect((await elbo(['sample', 'vae-run', '-n', '4', '--out', 'prior.png', '--from', 'prior'], dir)).code).toBe(0);
    expect((await elbo(['sample', 'vae-run', '-n', '4', '--out', 'codes.png', '--from', 'codes'], dir)).code).toBe(0);
    const [prior, codes, byDefault] = ['prior.png', 'codes.png', 'g.png'].map((f) => readFileSync(join(dir, f)));
    expect(prior!.equals(codes!)).toBe(false);
    expect(codes!.equals(byDefault!)).toBe(true);
    const bad = await elbo(['sample', 'vae-run', '-n', '4', '--out', 'x.png', '--from', 'posterior'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--from must be one of codes, prior, got "posterior"|--from.*codes.*prior.*posterior/);
  });

  it('encode writes z.npy of shape [n, latent]', async () => {
    const { code } = await elbo(['encode', 'vae-run', 'imgs', '--out', 'z.npy'], dir);
    expect(code).toBe(0);
    const { readNpy } = await import('@elbo/datasets/node');
    const z = await readNpy(join(dir, 'z.npy'));
    expect(z.shape).toEqual([18, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data).every(Number.isFinite)).toBe(true);
  });

  it('score prints one CSV row per image with file, label, a finite score and its typicality, and a header saying what they are', async () => {
    for (const run of ['vae-run', 'pca-run']) {
      const { code, stdout } = await elbo(['score', run, 'imgs'], dir);
      expect(code).toBe(0);
      const lines = stdout.trim().split('\n');
      expect(lines[0]).toMatch(/^# score: .*; typicality: -\|score - -?[\d.e+-]+\| \/ [\d.e+-]+, against the training images' scores/);
      expect(lines[1]).toBe('file,label,score,typicality');
      const { scores: reference } = JSON.parse(readFileSync(join(dir, run, 'run.json'), 'utf8')) as {
        scores: { mean: number; sd: number };
      };
      const rows = lines.slice(2).map((l) => l.split(','));
      expect(rows.map((r) => r[0]).sort()).toEqual([...files].sort());
      for (const [file, label, score, typical] of rows) {
        expect(label).toBe(file!.includes('/') ? file!.split('/')[0] : '');
        expect(Number.isFinite(Number(score))).toBe(true);
        expect(Number(typical)).toBeCloseTo(-Math.abs(Number(score) - reference.mean) / reference.sd, 9);
      }
    }
    expect((await elbo(['score', 'pca-run', 'imgs', '--out', 's.csv'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 's.csv'), 'utf8').trim().split('\n')).toHaveLength(2 + 18);
  });

  it('a run.json whose training scores are not numbers is refused, naming the file and what came', async () => {
    const copy = join(dir, 'bad-scores-run');
    cpSync(join(dir, 'pca-run'), copy, { recursive: true });
    const run = JSON.parse(readFileSync(join(copy, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(copy, 'run.json'), JSON.stringify({ ...run, scores: { mean: 'x', sd: -1 } }));
    const { code, stderr } = await elbo(['score', 'bad-scores-run', 'imgs'], dir);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /run\.json has invalid training scores: expected \{ mean, sd >= 0, images \} of finite numbers, got \{"mean":"x","sd":-1\}/,
    );
  });

  it('a folder that is not a run, a run.json of another format, and a broken model each exit 1 naming the folder', async () => {
    const notRun = await elbo(['sample', 'imgs', '--out', 'x.png'], dir);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toContain('elbo sample: imgs is not an elbo run folder: expected imgs/run.json');
    mkdirSync(join(dir, 'foreign'));
    writeFileSync(join(dir, 'foreign', 'run.json'), JSON.stringify({ format: 'keras', version: 3 }));
    const foreign = await elbo(['encode', 'foreign', 'imgs', '--out', 'z2.npy'], dir);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('expected format "elbo-run" version 1, got format "keras" version 3');
    mkdirSync(join(dir, 'wrong-kind'));
    const run = JSON.parse(readFileSync(join(dir, 'vae-run', 'run.json'), 'utf8'));
    writeFileSync(join(dir, 'wrong-kind', 'run.json'), JSON.stringify({ ...run, kind: 'gan' }));
    const kind = await elbo(['score', 'wrong-kind', 'imgs'], dir);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toContain('wrong-kind holds a model of kind "gan"; this command takes conv-vae, vae, ae, pca');
    mkdirSync(join(dir, 'pca-as-vae'));
    writeFileSync(join(dir, 'pca-as-vae', 'run.json'), JSON.stringify({ ...run, kind: 'vae' }));
    mkdirSync(join(dir, 'pca-as-vae', 'model'));
    writeFileSync(join(dir, 'pca-as-vae', 'model', 'pca.json'), readFileSync(join(dir, 'pca-run', 'model', 'pca.json')));
    const broken = await elbo(['sample', 'pca-as-vae', '--out', 'y.png'], dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('elbo sample: the vae model in pca-as-vae/model cannot be loaded');
  });

  it('a .npy file of another size than the run was trained on is refused, naming both sizes', async () => {
    const { writeNpy } = await import('@elbo/datasets/node');
    await writeNpy(join(dir, 'big.npy'), new Uint8Array(2 * 10 * 10 * 3), [2, 10, 10, 3]);
    const { code, stderr } = await elbo(['encode', 'vae-run', 'big.npy', '--out', 'z3.npy'], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('big.npy holds 10x10 images, but the run was trained on 8x8');
  });

  it('encode and score read a folder in blocks of 256 (300 images), fail on a corrupt image naming it, and skip and count with --skip-bad', async () => {
    await writeGoodImages(join(dir, 'many'), 300);
    const { code } = await elbo(['encode', 'pca-run', 'many', '--out', 'many.npy'], dir);
    expect(code).toBe(0);
    const { readNpy } = await import('@elbo/datasets/node');
    expect((await readNpy(join(dir, 'many.npy'))).shape).toEqual([300, 3]);
    await writeBadImages(join(dir, 'many'));
    const failed = await elbo(['score', 'vae-run', 'many'], dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/corrupt\.jpg is not a readable PNG or JPEG image[\s\S]*--skip-bad/);
    const skipped = await elbo(['score', 'vae-run', 'many', '--skip-bad'], dir);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain('skipped 3 unreadable image(s)');
    expect(skipped.stdout.trim().split('\n')).toHaveLength(2 + 300);
  });
});
