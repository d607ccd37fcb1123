import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { describeValue } from '@elbo/prob';
import { ImageFileError } from './image-file-error';
import { canDownscale, downscaleOnBackground } from './image-downscale';
import { checkImageOptions, luminance, type CheckedImageOptions, type ImageOptions } from './image-options';
import { loadSharp, type SharpFunction } from './load-sharp';

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The bytes of a regular file. Opened without blocking so that a FIFO or a
 * device named like an image cannot hang the read; checked on the open handle
 * so the file cannot be swapped between the check and the read.
 */
async function readRegularFile(path: string): Promise<Uint8Array> {
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`it is not a regular file`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/**
 * Reads `file` (a '/'-separated path relative to `root`) after resolving its
 * symlinks: a file whose real path is outside `realRoot` is refused, so a
 * folder from elsewhere cannot make us read the rest of the disk.
 * @throws ImageFileError naming `file` and why.
 * @example
 * ```ts
 * const bytes = await readFileInside('/data/emoji', '/data/emoji', 'animals/cat.png', 'imageFolder');
 * ```
 */
export async function readFileInside(root: string, realRoot: string, file: string, caller: string): Promise<Uint8Array> {
  try {
    const real = await realpath(join(root, ...file.split('/')));
    const inside = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
    if (!real.startsWith(inside)) throw new Error(`it resolves to ${real}, outside the folder ${realRoot}`);
    return await readRegularFile(real);
  } catch (error) {
    throw new ImageFileError(caller, file, reasonOf(error));
  }
}

/** round((c * a + b * (255 - a)) / 255) in integers: exact, halves up. */
function over(c: number, b: number, a: number): number {
  return Math.floor((2 * (c * a + b * (255 - a)) + 255) / 510);
}

/**
 * "Over": each pixel's colour weighted by its alpha on the background,
 * rounded to the nearest byte, then RGB or the Rec. 601 luminance.
 * Done here rather than by libvips' flatten, which truncates, so that Node
 * and the browser path (`imagesFromSources`) composite and round alike.
 * @example
 * ```ts
 * compositeOnBackground(Uint8Array.of(255, 0, 0, 128), [0, 0, 255], 3); // [128, 0, 127]
 * ```
 */
export function compositeOnBackground(rgba: Uint8Array, background: readonly [number, number, number], channels: 1 | 3): Uint8Array {
  const pixels = rgba.length / 4;
  const out = new Uint8Array(pixels * channels);
  const [br, bg, bb] = background;
  for (let p = 0; p < pixels; p++) {
    const a = rgba[4 * p + 3]!;
    let r = rgba[4 * p]!;
    let g = rgba[4 * p + 1]!;
    let b = rgba[4 * p + 2]!;
    if (a !== 255) {
      r = over(r, br, a);
      g = over(g, bg, a);
      b = over(b, bb, a);
    }
    if (channels === 1) {
      out[p] = luminance(r, g, b);
    } else {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    }
  }
  return out;
}

/**
 * Decodes PNG or JPEG bytes to `height * width * channels` bytes (HWC): turned
 * upright by its EXIF orientation, resized with `fit` (centred), in sRGB, at
 * 8 bits per channel (16-bit PNGs included), transparency over the background.
 * @throws Error with the decoder's reason for a corrupt, truncated or unknown file.
 * @example
 * ```ts
 * const bytes = await decodeImageBytes(await loadSharp('me'), png, checkImageOptions({ size: 32 }, 'me'));
 * ```
 */
export async function decodeImageBytes(sharp: SharpFunction, bytes: Uint8Array, options: CheckedImageOptions): Promise<Uint8Array> {
  const { width, height, fit, background, channels } = options;
  const [r, g, b] = background;
  // failOn 'error': truncated PNGs and JPEGs fail instead of coming out half grey
  const image = sharp(bytes, { failOn: 'error' });
  const { format, width: w = 0, height: h = 0, orientation = 1 } = await image.metadata();
  // libvips reads many more formats (SVG, TIFF, HEIF, ...); an untrusted folder gets only the two promised
  if (format !== 'png' && format !== 'jpeg')
    throw new Error(`its content is ${format?.toUpperCase() ?? 'of an unknown format'}, not PNG or JPEG`);
  const [uprightWidth, uprightHeight] = orientation >= 5 ? [h, w] : [w, h]; // EXIF 5-8 swap the axes
  // Shrinking (the common case: a folder of photos or icons made smaller) is done here by area
  // averaging, since libvips' resize costs about three times the decode of a small PNG; enlarging,
  // and shrinking by more than MAX_AREA_FACTOR (where libvips shrinks JPEGs while decoding), is libvips'.
  const ours = canDownscale(uprightWidth, uprightHeight, options);
  const pipeline = ours
    ? image.rotate()
    : image.rotate().resize(width, height, { fit, position: 'centre', background: { r, g, b, alpha: 1 } });
  const { data, info } = await pipeline.toColourspace('srgb').ensureAlpha().raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const [expectedWidth, expectedHeight] = ours ? [uprightWidth, uprightHeight] : [width, height];
  if (
    info.width !== expectedWidth ||
    info.height !== expectedHeight ||
    info.channels !== 4 ||
    data.length !== expectedWidth * expectedHeight * 4
  ) {
    throw new Error(
      `the decoder gave ${info.width} x ${info.height} x ${info.channels} (${data.length} bytes), expected ${expectedWidth} x ${expectedHeight} x 4`,
    );
  }
  return ours ? downscaleOnBackground(data, expectedWidth, expectedHeight, options) : compositeOnBackground(data, background, channels);
}

/**
 * Decodes one PNG or JPEG file to bytes, exactly as `imageFolder` does for
 * each file of a folder.
 *
 * @param path - the image file (symlinks are followed: you named the file).
 * @returns `height * width * channels` bytes, row by row (HWC), 0-255.
 * @throws Error for bad options or a missing sharp; ImageFileError for a
 *   file that is missing, not a regular file, or not a readable PNG or JPEG.
 * @example
 * ```ts
 * const bytes = await decodeImageFile('cat.jpg', { size: [32, 48], channels: 1 }); // 1536 bytes
 * ```
 */
export async function decodeImageFile(path: string, options: ImageOptions): Promise<Uint8Array> {
  const caller = 'decodeImageFile';
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`${caller}: path must be a file path (a non-empty string), got ${describeValue(path)}`);
  const checked = checkImageOptions(options, caller);
  const sharp = await loadSharp(caller);
  let bytes: Uint8Array;
  try {
    bytes = await readRegularFile(path);
  } catch (error) {
    throw new ImageFileError(caller, path, reasonOf(error));
  }
  try {
    return await decodeImageBytes(sharp, bytes, checked);
  } catch (error) {
    throw new ImageFileError(caller, path, reasonOf(error));
  }
}

/**
 * Reads and decodes the listing's files by index, refusing any that resolve outside its folder.
 * @example
 * ```ts
 * const decode = listedDecoder(sharp, await listImageFolder('emoji', 'me'), checkImageOptions({ size: 32 }, 'me'), 'me');
 * const first = await decode(0);
 * ```
 */
export function listedDecoder(
  sharp: SharpFunction,
  listing: { root: string; realRoot: string; files: readonly string[] },
  options: CheckedImageOptions,
  caller: string,
): (index: number) => Promise<Uint8Array> {
  return async (index) => {
    const file = listing.files[index]!;
    const bytes = await readFileInside(listing.root, listing.realRoot, file, caller);
    try {
      return await decodeImageBytes(sharp, bytes, options);
    } catch (error) {
      throw new ImageFileError(caller, file, reasonOf(error));
    }
  };
}

/** How many files are read and decoded at once: measured best on 2 cores (see bench/images.bench.mjs). */
export const DECODE_CONCURRENCY = 4;
