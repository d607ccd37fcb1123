import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImageFile, ImageFileError } from '@elbo/datasets/node';
import { compositeOnBackground } from './image-decode';
import { placeImage } from './image-options';
import { solid, temporaryFolder, write16BitPng, writeImage } from './test-image-files';

const dir = temporaryFolder();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** "Over" for one channel, written independently of the code under test. */
const over = (c: number, a: number, b: number) => Math.round((a / 255) * c + (1 - a / 255) * b);
const luminance = (r: number, g: number, b: number) => Math.round(0.299 * r + 0.587 * g + 0.114 * b);

describe('decodeImageFile: pixels', () => {
  const rgba = [255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 64];
  const background = [40, 80, 120] as const;
  const expected = [0, 1, 2, 3].flatMap((p) => [0, 1, 2].map((c) => over(rgba[4 * p + c]!, rgba[4 * p + 3]!, background[c]!)));

  it('composites a 2 x 2 RGBA PNG onto the background, rounding, at 1:1 size', async () => {
    await writeImage(join(dir, 'rgba.png'), rgba, 2, 2, 4);
    const bytes = await decodeImageFile(join(dir, 'rgba.png'), { size: 2, background: [...background] });
    expect(Array.from(bytes)).toEqual(expected);
    // the hex form of the same colour gives the same bytes
    expect(Array.from(await decodeImageFile(join(dir, 'rgba.png'), { size: 2, background: '#285078' }))).toEqual(expected);
  });

  it('gives grey as round(0.299 R + 0.587 G + 0.114 B) of the composited colour', async () => {
    const bytes = await decodeImageFile(join(dir, 'rgba.png'), { size: [2, 2], channels: 1, background: [...background] });
    expect(Array.from(bytes)).toEqual([0, 1, 2, 3].map((p) => luminance(expected[3 * p]!, expected[3 * p + 1]!, expected[3 * p + 2]!)));
  });

  it("'contain' pads a 4 x 2 image into 4 x 4 with background rows at the top and bottom", async () => {
    const pixels = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24];
    await writeImage(join(dir, 'wide.png'), pixels, 4, 2, 3);
    const bytes = await decodeImageFile(join(dir, 'wide.png'), { size: 4, fit: 'contain', background: [200, 0, 100] });
    const row = solid(4, 1, [200, 0, 100]);
    expect(Array.from(bytes)).toEqual([...row, ...pixels, ...row]);
  });

  it.each([
    [37, 23, 32, 32],
    [64, 30, 32, 32],
    [10, 33, 16, 16],
    [100, 7, 20, 10],
    [5, 9, 13, 13],
    [3, 2, 32, 17],
  ])("'contain' puts a %i x %i image into %i x %i where placeImage (the browser's geometry) does", async (sw, sh, w, h) => {
    await writeImage(join(dir, 'black.png'), solid(sw, sh, [0, 0, 0]), sw, sh, 3);
    const bytes = await decodeImageFile(join(dir, 'black.png'), { size: [h, w], fit: 'contain' });
    const dark = (x: number, y: number) => bytes[3 * (y * w + x)]! < 128;
    const columns = Array.from({ length: w }, (_, x) => x).filter((x) => Array.from({ length: h }, (_, y) => dark(x, y)).some(Boolean));
    const rows = Array.from({ length: h }, (_, y) => y).filter((y) => Array.from({ length: w }, (_, x) => dark(x, y)).some(Boolean));
    expect({ left: columns[0], top: rows[0], width: columns.length, height: rows.length }).toEqual(placeImage(sw, sh, w, h, 'contain'));
  });

  it("'cover' crops the centre", async () => {
    await writeImage(join(dir, 'row.png'), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 4, 1, 3);
    const bytes = await decodeImageFile(join(dir, 'row.png'), { size: [1, 2] });
    expect(Array.from(bytes)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('reads grey, grey + alpha, palette and 16-bit PNGs as 8-bit sRGB', async () => {
    await writeImage(join(dir, 'grey.png'), [0, 100, 200, 255], 2, 2, 1);
    expect(Array.from(await decodeImageFile(join(dir, 'grey.png'), { size: 2 }))).toEqual([
      0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255,
    ]);
    await writeImage(join(dir, 'grey-alpha.png'), [0, 255, 100, 0, 200, 128, 255, 255], 2, 2, 2);
    expect(Array.from(await decodeImageFile(join(dir, 'grey-alpha.png'), { size: 2, channels: 1, background: [255, 0, 0] }))).toEqual([
      0,
      luminance(255, 0, 0),
      luminance(over(200, 128, 255), over(200, 128, 0), over(200, 128, 0)),
      255,
    ]);
    await writeImage(join(dir, 'palette.png'), rgba, 2, 2, 4, 'palette');
    expect((await sharp(readFileSync(join(dir, 'palette.png'))).metadata()).isPalette).toBe(true);
    expect(Array.from(await decodeImageFile(join(dir, 'palette.png'), { size: 2, background: [...background] }))).toEqual(expected);
    await write16BitPng(join(dir, 'deep.png'), [65535, 0, 0, 0, 65535, 0, 0, 0, 65535, 32896, 32896, 32896], 2, 2);
    expect((await sharp(readFileSync(join(dir, 'deep.png'))).metadata()).bitsPerSample).toBe(16);
    expect(Array.from(await decodeImageFile(join(dir, 'deep.png'), { size: 2 }))).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255, 128, 128, 128]);
  });

  it('reads JPEGs and turns them upright by their EXIF orientation', async () => {
    // 8 wide x 4 tall: left half red, right half blue; orientation 6 shows it turned 90 degrees clockwise,
    // so upright it is 4 wide x 8 tall with red on top.
    const pixels = Array.from({ length: 32 }, (_, i) => (i % 8 < 4 ? [255, 0, 0] : [0, 0, 255])).flat();
    const jpeg = await sharp(Uint8Array.from(pixels), { raw: { width: 8, height: 4, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    writeFileSync(join(dir, 'turned.JPG'), jpeg);
    const bytes = await decodeImageFile(join(dir, 'turned.JPG'), { size: [8, 4] });
    const top = bytes.subarray(0, 4 * 3 * 3); // rows 0-2
    const bottom = bytes.subarray(5 * 4 * 3); // rows 5-7
    for (let i = 0; i < top.length; i += 3) {
      expect(top[i]).toBeGreaterThan(200);
      expect(top[i + 2]).toBeLessThan(60);
      expect(bottom[i]).toBeLessThan(60);
      expect(bottom[i + 2]).toBeGreaterThan(200);
    }
  });

  it('resizes images of any size to the target', async () => {
    await writeImage(join(dir, 'big.jpeg'), solid(37, 23, [10, 200, 30]), 37, 23, 3, 'jpeg');
    const bytes = await decodeImageFile(join(dir, 'big.jpeg'), { size: [5, 7] });
    expect(bytes.length).toBe(5 * 7 * 3);
    for (let i = 0; i < bytes.length; i += 3) {
      expect(Math.abs(bytes[i]! - 10) + Math.abs(bytes[i + 1]! - 200) + Math.abs(bytes[i + 2]! - 30)).toBeLessThan(12);
    }
  });
});

describe('compositeOnBackground', () => {
  it('matches Math.round of the float formula for every alpha; opaque and transparent pixels are exact', () => {
    expect(Array.from(compositeOnBackground(Uint8Array.of(3, 4, 5, 255, 255, 255, 255, 0), [9, 9, 9], 3))).toEqual([3, 4, 5, 9, 9, 9]);
    const all = new Uint8Array(256 * 4);
    for (let a = 0; a < 256; a++) all.set([200, 50, 0, a], 4 * a);
    const out = compositeOnBackground(all, [0, 100, 255], 3);
    for (let a = 0; a < 256; a++)
      expect([out[3 * a], out[3 * a + 1], out[3 * a + 2]]).toEqual([over(200, a, 0), over(50, a, 100), over(0, a, 255)]);
  });
});

describe('decodeImageFile: bad files and options', () => {
  const png = join(dir, 'good.png');

  it.each([
    ['a text file named x.png', 'text.png', () => 'not an image at all\n'],
    ['a truncated PNG', 'cut.png', (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1)],
    ['a truncated JPEG', 'cut.jpg', (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1)],
    ['an empty file', 'empty.png', () => ''],
  ])('throws ImageFileError naming %s', async (_, name, damage) => {
    const good = await writeImage(
      png,
      solid(64, 48, [1, 2, 3]).map((v, i) => (v * i) % 256),
      64,
      48,
      3,
      name.endsWith('.jpg') ? 'jpeg' : 'png',
    );
    writeFileSync(join(dir, name), damage(good));
    const error = await decodeImageFile(join(dir, name), { size: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageFileError);
    expect((error as ImageFileError).file).toBe(join(dir, name));
    expect((error as ImageFileError).reason.length).toBeGreaterThan(0);
    expect((error as Error).message).toBe(
      `decodeImageFile: ${join(dir, name)} is not a readable PNG or JPEG image: ${(error as ImageFileError).reason}`,
    );
  });

  it('refuses other formats sharp could read, whatever the name', async () => {
    const gif = await sharp(Uint8Array.from(solid(4, 4, [9, 9, 9])), { raw: { width: 4, height: 4, channels: 3 } })
      .gif()
      .toBuffer();
    writeFileSync(join(dir, 'really-a-gif.png'), gif);
    writeFileSync(
      join(dir, 'drawing.jpg'),
      '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4"/></svg>',
    );
    await expect(decodeImageFile(join(dir, 'really-a-gif.png'), { size: 4 })).rejects.toThrow(
      /really-a-gif\.png is not a readable PNG or JPEG image: its content is GIF, not PNG or JPEG$/,
    );
    await expect(decodeImageFile(join(dir, 'drawing.jpg'), { size: 4 })).rejects.toThrow(
      /drawing\.jpg is not a readable PNG or JPEG image: its content is SVG, not PNG or JPEG$/,
    );
  });

  it('throws ImageFileError for a missing file and for a folder', async () => {
    await expect(decodeImageFile(join(dir, 'missing.png'), { size: 8 })).rejects.toThrow(
      /decodeImageFile: .*missing\.png is not a readable PNG or JPEG image: ENOENT/,
    );
    mkdirSync(join(dir, 'folder.png'), { recursive: true });
    await expect(decodeImageFile(join(dir, 'folder.png'), { size: 8 })).rejects.toThrow(
      /folder\.png is not a readable PNG or JPEG image: it is not a regular file/,
    );
  });

  it.each([
    [{ size: 0 }, /decodeImageFile: size must be a positive integer, got number 0/],
    [{ size: 2.5 }, /decodeImageFile: size must be a positive integer, got number 2.5/],
    [{ size: '32' }, /decodeImageFile: size must be a positive integer, got string "32"/],
    [{ size: [32] }, /decodeImageFile: size must be a positive integer or \[height, width\]/],
    [{ size: 8, channels: 2 }, /decodeImageFile: channels must be 1 \(grey\) or 3 \(RGB\), got number 2/],
    [{ size: 8, fit: 'fill' }, /decodeImageFile: fit must be 'cover' or 'contain'/],
    [{ size: 8, background: 'red' }, /decodeImageFile: background must be .*got "red"/],
    [{ size: 8, background: [256, 0, 0] }, /decodeImageFile: background must be .*got \[256,0,0\]/],
  ])('rejects options %j', async (options, message) => {
    await expect(decodeImageFile(png, options as never)).rejects.toThrow(message);
  });

  it('rejects a path that is not a string', async () => {
    await expect(decodeImageFile(42 as never, { size: 8 })).rejects.toThrow(
      /decodeImageFile: path must be a file path \(a non-empty string\), got number 42/,
    );
  });
});
