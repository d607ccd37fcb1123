import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// As in an app that did not install the optional peer: importing sharp fails.
vi.mock('sharp', () => {
  throw new Error("Cannot find package 'sharp'");
});

describe('without sharp installed', () => {
  it('each image function says which package to install, naming itself', async () => {
    const { decodeImageFile, imageFolder, imageFolderToNpy, readImageFolder } = await import('@elbo/datasets/node');
    await expect(imageFolder('.', { size: 8 })).rejects.toThrow(/^imageFolder needs the optional package sharp: npm install sharp/);
    await expect(readImageFolder('.', { size: 8 })).rejects.toThrow(/^readImageFolder needs the optional package sharp: npm install sharp/);
    await expect(imageFolderToNpy('.', 'x.npy', { size: 8 })).rejects.toThrow(
      /^imageFolderToNpy needs the optional package sharp: npm install sharp/,
    );
    await expect(decodeImageFile('x.png', { size: 8 })).rejects.toThrow(
      /^decodeImageFile needs the optional package sharp: npm install sharp/,
    );
  });

  it('the rest of @elbo/datasets/node works without it', async () => {
    const { readNpy, writeNpy } = await import('@elbo/datasets/node');
    const dir = mkdtempSync(join(tmpdir(), 'elbo-no-sharp-'));
    try {
      await writeNpy(join(dir, 'x.npy'), Float32Array.of(1, 2, 3, 4), [2, 2]);
      expect((await readNpy(join(dir, 'x.npy'))).shape).toEqual([2, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
