import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageFolder, ImageFileError, type ImageFolder } from '@elbo/datasets/node';
import { solid, temporaryFolder, writeImage, writeNumberedImages } from './test-image-files';

const dir = temporaryFolder();
const bad = join(dir, 'bad');
const outside = join(dir, 'outside');
const linked = join(dir, 'linked');

beforeAll(async () => {
  await writeNumberedImages(bad, 5);
  const png = await writeImage(
    join(dir, 'source.png'),
    solid(40, 30, [9, 99, 199]).map((v, i) => (v + i) % 256),
    40,
    30,
    3,
  );
  const jpeg = await writeImage(
    join(dir, 'source.jpg'),
    solid(40, 30, [9, 99, 199]).map((v, i) => (v + i) % 256),
    40,
    30,
    3,
    'jpeg',
  );
  writeFileSync(join(bad, 'a-text.png'), 'this is text, not a PNG\n');
  writeFileSync(join(bad, 'b-cut.png'), png.subarray(0, png.length >> 1));
  writeFileSync(join(bad, 'c-cut.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  // a valid image outside the folder, reached through a symlink inside it, and one symlink that stays inside
  await writeImage(join(outside, 'secret.png'), solid(2, 2, [1, 1, 1]), 2, 2, 3);
  await writeNumberedImages(linked, 2);
  symlinkSync(join(outside, 'secret.png'), join(linked, 'escape.png'));
  symlinkSync(join(linked, 'img-000.png'), join(linked, 'alias.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs one epoch, disposing every batch; returns the files seen. */
async function drain(folder: ImageFolder): Promise<string[]> {
  const seen: string[] = [];
  for await (const batch of folder) {
    seen.push(...batch.files);
    batch.images.dispose();
  }
  return seen;
}

describe('imageFolder: bad files', () => {
  it('fails the epoch with ImageFileError for the first bad file, leaking nothing', async () => {
    const folder = await imageFolder(bad, { size: 8, batchSize: 2, shuffle: false });
    const before = tf.memory().numTensors;
    const error = await drain(folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageFileError);
    expect((error as ImageFileError).file).toBe('a-text.png');
    expect((error as Error).message).toMatch(/^imageFolder: a-text\.png is not a readable PNG or JPEG image: .+/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['b-cut.png', 'c-cut.jpg'])('refuses the truncated %s', async (name) => {
    const only = join(dir, `only-${name}`);
    await writeNumberedImages(only, 1);
    writeFileSync(join(only, name), readFileSync(join(bad, name)));
    const error = await drain(await imageFolder(only, { size: 8, shuffle: false })).catch((e: unknown) => e);
    expect((error as ImageFileError).file).toBe(name);
  });

  it('skipBad skips each bad file, counts it once however many epochs, and tells onSkip each time', async () => {
    const calls: [string, string][] = [];
    const folder = await imageFolder(bad, {
      size: 8,
      batchSize: 3,
      seed: 2,
      skipBad: true,
      onSkip: (path, error) => calls.push([path, error.reason]),
    });
    const before = tf.memory().numTensors;
    for (let e = 0; e < 2; e++)
      expect((await drain(folder)).sort()).toEqual(['img-000.png', 'img-001.png', 'img-002.png', 'img-003.png', 'img-004.png']);
    expect(tf.memory().numTensors).toBe(before);
    expect(folder.skipped.map((s) => s.file).sort()).toEqual(['a-text.png', 'b-cut.png', 'c-cut.jpg']);
    for (const { reason } of folder.skipped) expect(reason.length).toBeGreaterThan(0);
    expect(calls.length).toBe(6);
    expect(new Set(calls.map(([path]) => path))).toEqual(new Set(['a-text.png', 'b-cut.png', 'c-cut.jpg']));
  });

  it('refuses a symlink that resolves outside the folder, and reads one that stays inside', async () => {
    const error = await drain(await imageFolder(linked, { size: 2, shuffle: false })).catch((e: unknown) => e);
    expect((error as ImageFileError).file).toBe('escape.png');
    expect((error as Error).message).toMatch(
      /imageFolder: escape\.png is not a readable PNG or JPEG image: it resolves to .*secret\.png, outside the folder /,
    );
    const folder = await imageFolder(linked, { size: 2, shuffle: false, skipBad: true });
    expect(await drain(folder)).toEqual(['alias.png', 'img-000.png', 'img-001.png']);
    expect(folder.skipped).toEqual([{ file: 'escape.png', reason: expect.stringMatching(/outside the folder/) }]);
  });
});

describe('imageFolder: bad folders', () => {
  it('names the folder when it holds no .png, .jpg or .jpeg file', async () => {
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'sub'), { recursive: true });
    writeFileSync(join(empty, 'sub', 'photo.gif'), 'GIF89a');
    await expect(imageFolder(empty, { size: 8 })).rejects.toThrow(`imageFolder: the folder ${empty} holds no .png, .jpg or .jpeg files`);
  });

  it('refuses a missing path, a file, and a path that is not a string', async () => {
    await expect(imageFolder(join(dir, 'nowhere'), { size: 8 })).rejects.toThrow(`imageFolder: dir ${join(dir, 'nowhere')} does not exist`);
    await expect(imageFolder(join(dir, 'source.png'), { size: 8 })).rejects.toThrow(
      `imageFolder: dir must be a folder, got the file ${join(dir, 'source.png')}`,
    );
    await expect(imageFolder(undefined as never, { size: 8 })).rejects.toThrow(
      'imageFolder: dir must be the path of a folder (a non-empty string), got undefined',
    );
  });

  // As root, which reads any folder whatever its mode, a symlink loop stands in for a folder that cannot be read.
  it(
    process.getuid?.() === 0 ? 'refuses a folder it cannot read (root: a symlink loop)' : 'refuses a folder it cannot read (chmod 000)',
    async () => {
      const locked = join(dir, 'locked');
      if (process.getuid?.() === 0) {
        symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
        symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
        await expect(imageFolder(join(dir, 'loop-a'), { size: 8 })).rejects.toThrow(
          `imageFolder: cannot read the folder ${join(dir, 'loop-a')}: ELOOP`,
        );
      } else {
        await writeNumberedImages(join(locked, 'sub'), 1);
        chmodSync(join(locked, 'sub'), 0o000);
        try {
          await expect(imageFolder(locked, { size: 8 })).rejects.toThrow(
            `imageFolder: cannot read the folder ${join(locked, 'sub')}: EACCES`,
          );
        } finally {
          chmodSync(join(locked, 'sub'), 0o755);
        }
      }
    },
  );
});

describe('imageFolder: bad options', () => {
  it.each([
    [{ size: 0 }, 'imageFolder: size must be a positive integer, got number 0'],
    [{ size: 2.5 }, 'imageFolder: size must be a positive integer, got number 2.5'],
    [{ size: '32' }, 'imageFolder: size must be a positive integer, got string "32"'],
    [{ size: [32] }, 'imageFolder: size must be a positive integer or [height, width], got an array of length 1'],
    [{ size: 8, channels: 2 }, 'imageFolder: channels must be 1 (grey) or 3 (RGB), got number 2'],
    [{ size: 8, fit: 'fill' }, `imageFolder: fit must be 'cover' or 'contain', got string "fill"`],
    [{ size: 8, background: 'red' }, `imageFolder: background must be '#rgb', '#rrggbb' or [r, g, b] in 0-255, got "red"`],
    [{ size: 8, background: [256, 0, 0] }, 'imageFolder: background must be'],
    [{ size: 8, batchSize: 0 }, 'imageFolder: batchSize must be a positive integer, got number 0'],
    [{ size: 8, seed: NaN }, 'imageFolder: seed must be an integer, got NaN'],
    [{ size: 8, shuffle: 'yes' }, 'imageFolder: shuffle must be true or false, got string "yes"'],
    [{ size: 8, dropLast: 1 }, 'imageFolder: dropLast must be true or false, got number 1'],
    [{ size: 8, skipBad: 'true' }, 'imageFolder: skipBad must be true or false, got string "true"'],
    [{ size: 8, onSkip: 'log' }, 'imageFolder: onSkip must be a function (path, error) => void, got string "log"'],
  ])('rejects %j', async (options, message) => {
    await expect(imageFolder(bad, options as never)).rejects.toThrow(message);
  });
});
