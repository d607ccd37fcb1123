import { luminance, placeImage, type CheckedImageOptions } from './image-options';

/**
 * Most source pixels per target pixel, along each axis, that {@link downscaleOnBackground} takes;
 * beyond it libvips' resize is left the work (it shrinks JPEGs while decoding them).
 */
export const MAX_AREA_FACTOR = 8;

/** One source row or column that a target pixel covers, and the share of the target pixel it covers. */
interface Tap {
  index: number;
  weight: number;
}

/**
 * For each of `size` target pixels along one axis: the source pixels (of `sourceSize`) under it
 * when the image is placed at `offset` with `placedSize` target pixels, each with the share of
 * the target pixel it covers. Shares sum to the part of the target pixel the image covers (1
 * inside it, less at a 'contain' border, 0 outside).
 */
function axisTaps(size: number, offset: number, placedSize: number, sourceSize: number): Tap[][] {
  const perTarget = sourceSize / placedSize; // source pixels per target pixel, >= 1 when shrinking
  return Array.from({ length: size }, (_, t) => {
    const from = Math.max(0, (t - offset) * perTarget);
    const to = Math.min(sourceSize, (t + 1 - offset) * perTarget);
    const taps: Tap[] = [];
    for (let s = Math.floor(from); s < to; s++) {
      const overlap = Math.min(to, s + 1) - Math.max(from, s);
      if (overlap > 0) taps.push({ index: s, weight: overlap / perTarget });
    }
    return taps;
  });
}

/**
 * Whether {@link downscaleOnBackground} takes an image of this (upright) size: it shrinks, or
 * keeps the size, by at most {@link MAX_AREA_FACTOR} along each axis.
 */
export function canDownscale(sourceWidth: number, sourceHeight: number, options: CheckedImageOptions): boolean {
  const { width, height } = placeImage(sourceWidth, sourceHeight, options.width, options.height, options.fit);
  return (
    width <= sourceWidth && height <= sourceHeight && sourceWidth <= MAX_AREA_FACTOR * width && sourceHeight <= MAX_AREA_FACTOR * height
  );
}

/**
 * Shrinks straight-alpha RGBA bytes to the target size by area averaging (each target pixel is
 * the mean of the source area under it, partial pixels weighted by their overlap), placed as
 * {@link placeImage} places it, and composites the result over the background:
 *
 * ```
 * C = (sum_i w_i c_i a_i + bg * (255 - sum_i w_i a_i)) / 255      (w_i: shares of the target pixel, a_i in 0-255)
 * ```
 *
 * which is "over" with premultiplied averaging (a transparent pixel's colour counts for nothing),
 * and at 1:1 exactly the compositing of `compositeOnBackground`. Rounded to bytes; grey is the
 * Rec. 601 luminance of the rounded RGB. About four times as fast as libvips' resize for small
 * images, whose cost is mostly setting up its pipeline.
 * @returns `height * width * channels` bytes (HWC).
 * @example
 * ```ts
 * downscaleOnBackground(rgba, 64, 64, checkImageOptions({ size: 32 }, 'me')); // 32 * 32 * 3 bytes
 * ```
 */
export function downscaleOnBackground(
  rgba: Uint8Array,
  sourceWidth: number,
  sourceHeight: number,
  options: CheckedImageOptions,
): Uint8Array {
  const { width, height, channels, background } = options;
  const placed = placeImage(sourceWidth, sourceHeight, width, height, options.fit);
  const columns = axisTaps(width, placed.left, placed.width, sourceWidth);
  const rows = axisTaps(height, placed.top, placed.height, sourceHeight);
  const out = new Uint8Array(width * height * channels);
  const [br, bg, bb] = background;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let alpha = 0;
      let red = 0;
      let green = 0;
      let blue = 0;
      for (const row of rows[y]!) {
        for (const column of columns[x]!) {
          const p = 4 * (row.index * sourceWidth + column.index);
          const wa = row.weight * column.weight * rgba[p + 3]!;
          alpha += wa;
          red += wa * rgba[p]!;
          green += wa * rgba[p + 1]!;
          blue += wa * rgba[p + 2]!;
        }
      }
      const uncovered = 255 - alpha; // transparency and, at a 'contain' border, area outside the image
      const r = Math.round((red + br * uncovered) / 255);
      const g = Math.round((green + bg * uncovered) / 255);
      const b = Math.round((blue + bb * uncovered) / 255);
      const o = (y * width + x) * channels;
      if (channels === 1) {
        out[o] = luminance(r, g, b);
      } else {
        out[o] = r;
        out[o + 1] = g;
        out[o + 2] = b;
      }
    }
  }
  return out;
}
