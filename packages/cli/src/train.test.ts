import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo, readRunJson, writeGoodImages } from './images.fixture';
import { REPORT_SECTIONS } from './report';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elbo-cli-train-'));
  await writeGoodImages(join(dir, 'imgs'), 24);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('elbo train, each model kind for one epoch on a folder of mixed PNG/JPEG modes and sizes', () => {
  for (const kind of ['conv-vae', 'vae', 'ae', 'pca'] as const) {
    it(`${kind}: writes run.json, the model, samples.png and a report with every section`, async () => {
      const out = `run-${kind}`;
      const size = kind === 'conv-vae' ? '16' : '8';
      const result = await elbo(
        ['train', 'imgs', '--model', kind, '--size', size, '--epochs', '1', '--latent', '4', '--batch-size', '8', '--out', out],
        dir,
      );
      expect(result.stderr).not.toMatch(/Error/);
      expect(result.code).toBe(0);
      const runDir = join(dir, out);
      const run = readRunJson(runDir);
      expect(run).toMatchObject({ format: 'elbo-run', version: 1, kind, interrupted: false, labelNames: ['a', 'b'] });
      expect(run.image).toEqual({ size: [Number(size), Number(size)], channels: 3, fit: 'cover', background: [255, 255, 255] });
      expect(run.source).toMatchObject({ kind: 'folder', images: 24, skipped: 0 });
      expect((run.packages as Record<string, string>)['@elbo/vae']).toMatch(/^\d+\.\d+\.\d+/);
      if (kind === 'pca') expect(existsSync(join(runDir, 'model', 'pca.json'))).toBe(true);
      else {
        expect(existsSync(join(runDir, 'model', 'model.json'))).toBe(true);
        expect(run.history.loss).toHaveLength(1);
        expect(run.history.valLoss).toHaveLength(1);
        expect(Number.isFinite(run.history.loss![0])).toBe(true);
      }
      const meta = await sharp(join(runDir, 'samples.png')).metadata();
      const tile = Number(size);
      expect([meta.width, meta.height]).toEqual([8 * tile + 9 * 2, 8 * tile + 9 * 2]); // 8 x 8 tiles, 2-pixel gaps
      const html = readFileSync(join(runDir, 'report.html'), 'utf8');
      for (const id of REPORT_SECTIONS) expect(html).toContain(`<section id="${id}">`);
      expect(html.match(/src="data:image\/png;base64,/g)?.length).toBeGreaterThanOrEqual(5);
      expect(html).toContain('<svg');
      for (const png of ['reconstructions.png', 'interpolations.png', 'least-typical.png', 'most-typical.png']) {
        expect((await sharp(join(runDir, png)).metadata()).format).toBe('png');
      }
      if (kind.endsWith('vae')) expect(html).toMatch(/reconstruction/);
    });
  }

  it("--fit contain --background '#102030' pads wide images with that colour and records both in run.json", async () => {
    mkdirSync(join(dir, 'wide'));
    for (let i = 0; i < 12; i++) {
      const raw = Buffer.alloc(16 * 8 * 3);
      for (let p = 0; p < 16 * 8; p++) raw.set([255, 4 * i, 0], 3 * p); // red, a little green that differs per image
      await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } })
        .png()
        .toFile(join(dir, 'wide', `${i}.png`));
    }
    const result = await elbo(
      [
        'train',
        'wide',
        '--model',
        'pca',
        '--size',
        '8',
        '--latent',
        '2',
        '--fit',
        'contain',
        '--background',
        '#102030',
        '--out',
        'run-contain',
        '--quiet',
      ],
      dir,
    );
    expect(result.code).toBe(0);
    expect(readRunJson(join(dir, 'run-contain')).image).toEqual({ size: [8, 8], channels: 3, fit: 'contain', background: [16, 32, 48] });
    // reconstructions.png: 8 x 8 tiles magnified 6 times, 2-pixel gaps; its first tile is an original
    const { data, info } = await sharp(join(dir, 'run-contain', 'reconstructions.png'))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const pixel = (row: number) =>
      Array.from(data.subarray(3 * ((2 + row * 6 + 3) * info.width + 2 + 3 * 6), 3 * ((2 + row * 6 + 3) * info.width + 2 + 3 * 6) + 3));
    expect(pixel(0)).toEqual([16, 32, 48]); // 16 x 8 placed as 8 x 4 at row 2: rows 0-1 and 6-7 are background
    expect(pixel(7)).toEqual([16, 32, 48]);
    expect(pixel(4)[0]).toBe(255);
  });

  it('reads a .npy file of uint8 [n, h, w] at its own size, and refuses a --size that disagrees (exit 2)', async () => {
    const { writeNpy } = await import('@elbo/datasets/node');
    const pixels = Uint8Array.from({ length: 20 * 6 * 6 }, (_, i) => (i * 37) % 256);
    await writeNpy(join(dir, 'grey.npy'), pixels, [20, 6, 6]);
    const ok = await elbo(['train', 'grey.npy', '--model', 'pca', '--latent', '3', '--out', 'run-npy', '--quiet'], dir);
    expect(ok.code).toBe(0);
    expect(readRunJson(join(dir, 'run-npy')).image).toEqual({ size: [6, 6], channels: 1, fit: 'cover', background: [255, 255, 255] });
    const bad = await elbo(['train', 'grey.npy', '--size', '8', '--out', 'run-npy-2'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('grey.npy holds 6x6 images, but --size asks for 8x8');
    expect(existsSync(join(dir, 'run-npy-2'))).toBe(false);
  });
});
