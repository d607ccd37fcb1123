// Test helpers: real PNG and JPEG files written with sharp into temporary folders.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';

/** A new empty temporary folder. */
export function temporaryFolder(prefix = 'elbo-images-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Raw 8-bit pixels (`channels` interleaved) as a PNG or JPEG file at `path`, folders created. */
export async function writeImage(
  path: string,
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  format: 'png' | 'jpeg' | 'palette' = 'png',
): Promise<Buffer> {
  const image = sharp(Uint8Array.from(pixels), { raw: { width, height, channels } });
  const bytes = await (format === 'jpeg' ? image.jpeg({ quality: 100 }) : image.png({ palette: format === 'palette' })).toBuffer();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return bytes;
}

/** A solid `width x height` RGB image. */
export function solid(width: number, height: number, rgb: readonly [number, number, number]): number[] {
  return Array.from({ length: width * height }, () => [...rgb]).flat();
}

/** A 16-bit RGB PNG (values 0-65535) at `path`. */
export async function write16BitPng(path: string, pixels: readonly number[], width: number, height: number): Promise<void> {
  // sharp takes 16 bits per sample from a Uint16Array
  const bytes = await sharp(Uint16Array.from(pixels), { raw: { width, height, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** The colour of image `i` of {@link writeNumberedImages}: tells which file a decoded pixel came from. */
export function colourOf(i: number): [number, number, number] {
  return [(i * 37) % 256, (255 - i * 11) % 256, (i * 101 + 7) % 256];
}

/** `count` solid 6 x 4 PNGs `img-000.png`, ... in `dir`, image i of colour `colourOf(i)`. */
export async function writeNumberedImages(dir: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `img-${String(i).padStart(3, '0')}.png`);
  await Promise.all(names.map((name, i) => writeImage(join(dir, name), solid(6, 4, colourOf(i)), 6, 4, 3)));
  return names;
}
