// The canvas imagesFromSources draws every image on: the target size, filled with the
// background first, so transparent pixels composite "over" it and 'contain' pads with it.
import type { CheckedImageOptions } from './image-options';
import { luminance, placeImage } from './image-options';
import type { DrawableSource } from './image-source-kinds';

type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** Whether this environment can draw and decode images: a 2-D canvas and createImageBitmap. */
export function hasCanvas(): boolean {
  const hasBitmaps = typeof (globalThis as { createImageBitmap?: unknown }).createImageBitmap === 'function';
  const hasOffscreen = typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas === 'function';
  const hasDocument = typeof (globalThis as { document?: { createElement?: unknown } }).document?.createElement === 'function';
  return hasBitmaps && (hasOffscreen || hasDocument);
}

/** A 2-D context of `width x height` (an OffscreenCanvas where there is one, so workers work too). */
export function newContext(width: number, height: number, caller: string): Context2D {
  let context: Context2D | null;
  if (typeof OffscreenCanvas === 'function') {
    context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
  } else {
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [width, height];
    context = canvas.getContext('2d', { willReadFrequently: true });
  }
  if (context == null) throw new Error(`${caller}: this browser gave no 2-D canvas context of ${width} x ${height}`);
  return context;
}

/**
 * Draws `source` on `context` at the placement `fit` gives it, over the background, and writes
 * its pixels as values in [0, 1] (RGB, or Rec. 601 luminance of the composited bytes for one
 * channel) into `out`, `height * width * channels` values, channels last.
 */
export function drawPixels(context: Context2D, source: DrawableSource, options: CheckedImageOptions, out: Float32Array): void {
  const { width, height, channels, fit, background } = options;
  const place = placeImage(source.width, source.height, width, height, fit);
  context.globalCompositeOperation = 'source-over';
  context.fillStyle = `rgb(${background[0]}, ${background[1]}, ${background[2]})`;
  context.fillRect(0, 0, width, height);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  context.drawImage(source.image, place.left, place.top, place.width, place.height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const pixels = width * height;
  if (channels === 3) {
    for (let p = 0; p < pixels; p++) {
      out[3 * p] = rgba[4 * p]! / 255;
      out[3 * p + 1] = rgba[4 * p + 1]! / 255;
      out[3 * p + 2] = rgba[4 * p + 2]! / 255;
    }
  } else {
    for (let p = 0; p < pixels; p++) {
      out[p] = luminance(rgba[4 * p]!, rgba[4 * p + 1]!, rgba[4 * p + 2]!) / 255;
    }
  }
}
