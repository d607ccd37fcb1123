// A stand-in for readImageFolder of @elbo/datasets/node (the same result shape) while that is being
// written; replaced by the import once it is built.
import { lstat, readdir, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import sharp from 'sharp';

const IMAGE = /\.(png|jpe?g)$/i;

/** One unreadable image: the path relative to the root and why. */
export interface SkippedImage {
  file: string;
  reason: string;
}

/**
 * Reads every PNG/JPEG under `dir` into one [n, h, w, c] tensor in [0, 1].
 * @example
 * ```ts
 * const { images } = await readImageFolderLocal('photos', { size: [32, 32], channels: 3 });
 * ```
 */
export async function readImageFolderLocal(
  dir: string,
  options: { size: [number, number]; channels: 1 | 3; skipBad?: boolean },
): Promise<{ images: tf.Tensor4D; labels: Int32Array; labelNames: string[]; files: string[]; skipped: SkippedImage[] }> {
  const root = await realpath(dir);
  const files = (await listImages(root, root)).sort();
  if (files.length === 0) throw new Error(`readImageFolder: ${dir} holds no PNG or JPEG images`);
  const [height, width] = options.size;
  const c = options.channels;
  const kept: string[] = [];
  const skipped: SkippedImage[] = [];
  const pixels: Uint8Array[] = [];
  for (const file of files) {
    try {
      pixels.push(await decode(join(root, file), width, height, c));
      kept.push(file);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (!options.skipBad) throw new Error(`readImageFolder: ${file} is not a readable PNG or JPEG image: ${reason}`);
      skipped.push({ file, reason });
    }
  }
  if (kept.length === 0) throw new Error(`readImageFolder: no image in ${dir} could be read (${skipped.length} skipped)`);
  const all = new Uint8Array(kept.length * height * width * c);
  pixels.forEach((p, i) => all.set(p, i * p.length));
  const images = tf.tidy(() => tf.div(tf.tensor4d(all, [kept.length, height, width, c], 'int32'), 255)) as tf.Tensor4D;
  const labelNames = [...new Set(kept.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))].sort();
  const labels = Int32Array.from(kept, (f) => (f.includes('/') ? labelNames.indexOf(f.split('/')[0]!) : -1));
  return { images, labels, labelNames, files: kept, skipped };
}

async function listImages(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stats = entry.isSymbolicLink() ? await lstat(path) : null;
    if (stats) {
      const target = await realpath(path).catch(() => null);
      if (target === null || (target !== root && !target.startsWith(root + sep))) continue;
    }
    if (entry.isDirectory()) out.push(...(await listImages(root, path)));
    else if (IMAGE.test(entry.name)) out.push(relative(root, path).split(sep).join('/'));
  }
  return out;
}

async function decode(path: string, width: number, height: number, channels: 1 | 3): Promise<Uint8Array> {
  const rgb = await sharp(path)
    .flatten({ background: '#ffffff' })
    .resize(width, height, { fit: 'cover' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { data, info } = rgb;
  const out = new Uint8Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] =
      info.channels >= 3
        ? [data[i * info.channels]!, data[i * info.channels + 1]!, data[i * info.channels + 2]!]
        : [data[i]!, data[i]!, data[i]!];
    if (channels === 3) out.set([r, g, b], i * 3);
    else out[i] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
  }
  return out;
}
