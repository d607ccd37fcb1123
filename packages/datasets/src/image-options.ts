import { describeValue } from '@elbo/prob';

/** How an image meets the target size: `'cover'` fills it and crops the overflow, `'contain'` fits inside and pads with the background. */
export type ImageFit = 'cover' | 'contain';

/**
 * How images become model input, the same in Node (`imageFolder`) and in browsers (`imagesFromSources`).
 * @example
 * ```ts
 * const options: ImageOptions = { size: 32, channels: 3, fit: 'contain', background: '#ffffff' };
 * ```
 */
export interface ImageOptions {
  /** Target `[height, width]` in pixels, or one number for a square. Positive integers. */
  size: number | readonly [number, number];
  /** 1 (grey, luminance) or 3 (RGB). Default 3. */
  channels?: 1 | 3;
  /** Default `'cover'`. */
  fit?: ImageFit;
  /**
   * Colour that transparency is composited onto and that `'contain'` pads with:
   * `[r, g, b]` in 0-255 or a hex string `'#rgb'` / `'#rrggbb'`. Default white.
   */
  background?: string | readonly [number, number, number];
}

/** {@link ImageOptions} checked and filled in. */
export interface CheckedImageOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  fit: ImageFit;
  /** `[r, g, b]`, integers in 0-255. */
  background: [number, number, number];
}

const FITS: readonly ImageFit[] = ['cover', 'contain'];

function positiveInteger(value: unknown, name: string, caller: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${caller}: ${name} must be a positive integer, got ${describeValue(value)}`);
  }
  return value;
}

function parseBackground(value: unknown, caller: string): [number, number, number] {
  if (typeof value === 'string') {
    const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim())?.[1];
    if (hex == null) throw new Error(`${caller}: background must be '#rgb', '#rrggbb' or [r, g, b] in 0-255, got ${JSON.stringify(value)}`);
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
  }
  if (
    Array.isArray(value) &&
    value.length === 3 &&
    value.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255)
  ) {
    return [value[0], value[1], value[2]];
  }
  const came = Array.isArray(value) ? JSON.stringify(value) : describeValue(value);
  throw new Error(`${caller}: background must be '#rgb', '#rrggbb' or [r, g, b] (integers in 0-255), got ${came}`);
}

/**
 * Checks {@link ImageOptions} and fills in the defaults.
 * @throws naming `caller`, the option, what was expected and what came.
 */
export function checkImageOptions(options: ImageOptions, caller: string): CheckedImageOptions {
  if (options == null || typeof options !== 'object')
    throw new TypeError(`${caller}: options must be an object with size, got ${describeValue(options)}`);
  const size = options.size;
  let height: number;
  let width: number;
  if (Array.isArray(size)) {
    if (size.length !== 2) throw new Error(`${caller}: size must be a positive integer or [height, width], got ${describeValue(size)}`);
    height = positiveInteger(size[0], 'size[0] (height)', caller);
    width = positiveInteger(size[1], 'size[1] (width)', caller);
  } else {
    height = width = positiveInteger(size, 'size', caller);
  }
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new Error(`${caller}: channels must be 1 (grey) or 3 (RGB), got ${describeValue(channels)}`);
  const fit = options.fit ?? 'cover';
  if (!FITS.includes(fit)) throw new Error(`${caller}: fit must be 'cover' or 'contain', got ${describeValue(fit)}`);
  const background =
    options.background === undefined ? ([255, 255, 255] as [number, number, number]) : parseBackground(options.background, caller);
  return { height, width, channels, fit, background };
}

/**
 * Grey as both image readers compute it from composited sRGB bytes: the Rec. 601 luminance,
 * rounded to a byte, so that Node and the browser give the same grey.
 * @example
 * ```ts
 * luminance(255, 0, 0); // 76
 * ```
 */
export function luminance(r: number, g: number, b: number): number {
  return Math.round(0.299 * r + 0.587 * g + 0.114 * b);
}

/** Where a `sourceWidth x sourceHeight` image lands in the target under `fit`, in target pixels (may extend past it for `'cover'`). */
export interface Placement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The placement of an image in the target, centred: `'cover'` scales it to fill the target
 * (the overflow is cropped), `'contain'` scales it to fit inside (the rest is background).
 * @example
 * ```ts
 * placeImage(64, 32, 32, 32, 'contain'); // { left: 0, top: 8, width: 32, height: 16 }
 * ```
 */
export function placeImage(sourceWidth: number, sourceHeight: number, width: number, height: number, fit: ImageFit): Placement {
  const scaleX = width / sourceWidth;
  const scaleY = height / sourceHeight;
  const scale = fit === 'cover' ? Math.max(scaleX, scaleY) : Math.min(scaleX, scaleY);
  const w = Math.max(1, Math.round(sourceWidth * scale));
  const h = Math.max(1, Math.round(sourceHeight * scale));
  return { left: Math.floor((width - w) / 2), top: Math.floor((height - h) / 2), width: w, height: h };
}
