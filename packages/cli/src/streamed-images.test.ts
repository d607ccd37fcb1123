import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo, readRunJson, writeBadImages, writeGoodImages } from './images.fixture';

let dir: string;
// a limit of a few kB makes these tiny folders "large": converted to images.npy and streamed
const large = { ELBO_CLI_MEMORY_MB: '0.001' };
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elbo-cli-stream-'));
  await writeGoodImages(join(dir, 'imgs'), 30);
  await writeBadImages(join(dir, 'imgs'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('elbo train on a folder larger than the in-memory limit', () => {
  for (const kind of ['conv-vae', 'ae', 'pca'] as const) {
    it(`${kind}: converts it once to images.npy in the run folder, streams it, holds out 10%, and writes the full report`, async () => {
      const out = `run-${kind}`;
      const r = await elbo(
        [
          'train',
          'imgs',
          '--model',
          kind,
          '--size',
          '8',
          '--epochs',
          '2',
          '--latent',
          '3',
          '--batch-size',
          '8',
          '--skip-bad',
          '--out',
          out,
        ],
        dir,
        large,
      );
      expect(r.stderr).toContain('converting them once to images.npy');
      expect(r.stderr).toContain('skipped 3 unreadable image(s)');
      expect(r.code).toBe(0);
      const run = readRunJson(join(dir, out));
      expect(run.source).toMatchObject({ images: 30, skipped: 3, streamed: 'images.npy' });
      expect(existsSync(join(dir, out, 'images.npy'))).toBe(true);
      if (kind !== 'pca') {
        expect(run.history.loss).toHaveLength(2);
        expect(run.history.valLoss).toHaveLength(2);
        expect(run.history.loss!.every(Number.isFinite)).toBe(true);
      }
      expect(readFileSync(join(dir, out, 'report.html'), 'utf8')).toContain('<section id="typical">');
      const sample = await elbo(['sample', out, '-n', '4', '--out', `${kind}.png`], dir);
      expect(sample.code).toBe(0);
    });
  }

  it('without --skip-bad the conversion fails on the first bad file and leaves nothing', async () => {
    const r = await elbo(['train', 'imgs', '--size', '8', '--epochs', '1', '--out', 'run-bad', '--quiet'], dir, large);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/corrupt\.jpg is not a readable PNG or JPEG image/);
    expect(existsSync(join(dir, 'run-bad'))).toBe(false);
  });
});
