import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINE_FACTORS, linesArrays } from '@elbo/datasets';
import { readNpy, writeLinesNpy } from '@elbo/datasets/node';

const dir = mkdtempSync(join(tmpdir(), 'elbo-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeLinesNpy', () => {
  it('writes in pieces exactly the images and factors linesArrays makes at once', async () => {
    const path = join(dir, 'lines.npy');
    const factorsPath = join(dir, 'factors.npy');
    const progress: number[] = [];
    const result = await writeLinesNpy(path, { n: 50, size: 16, seed: 3, chunk: 7, factorsPath, onProgress: (k) => progress.push(k) });
    expect(progress).toEqual([7, 14, 21, 28, 35, 42, 49, 50]);
    expect(result.shape).toEqual([50, 256]);
    expect(result.bytes).toBe(statSync(path).size);
    const whole = linesArrays({ n: 50, size: 16, seed: 3 });
    const images = await readNpy(path);
    expect(images.shape).toEqual([50, 256]);
    expect(Buffer.from(images.data.buffer).equals(Buffer.from(whole.images.buffer))).toBe(true);
    const factors = await readNpy(factorsPath);
    expect(factors.shape).toEqual([50, 6]);
    LINE_FACTORS.forEach((name, column) => {
      expect(Array.from(factors.data.filter((_, i) => i % 6 === column))).toEqual(Array.from(whole.factors[name]));
    });
  });

  it('validates the options before creating any file', async () => {
    await expect(writeLinesNpy(join(dir, 'bad.npy'), { n: 10, size: 200 })).rejects.toThrow(
      'lines: size must be an integer in [8, 100], got 200',
    );
    await expect(writeLinesNpy(join(dir, 'bad.npy'), { n: 10, chunk: 0 })).rejects.toThrow(
      'writeLinesNpy: chunk must be a positive integer, got 0',
    );
    expect(readdirSync(dir).filter((f) => f.startsWith('bad'))).toEqual([]);
  });
});
