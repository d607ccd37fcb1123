import * as tf from '@tensorflow/tfjs-core';
import { assertBackend, describeValue } from '@elbo/prob';
import { drawPixels, hasCanvas, newContext } from './image-canvas';
import { checkImageOptions, type ImageOptions } from './image-options';
import { sourceKind, sourceName, toDrawable, type ImageSource } from './image-source-kinds';

export type { ImageSource } from './image-source-kinds';

const CALLER = 'imagesFromSources';

/**
 * Options of {@link imagesFromSources}: the {@link ImageOptions} every image is brought to, and
 * what to do with a source that is not a decodable image.
 * @example
 * ```ts
 * const options: ImagesFromSourcesOptions = { size: 32, channels: 3, skipBad: true, onSkip: (name, e) => console.warn(name, e.message) };
 * ```
 */
export interface ImagesFromSourcesOptions extends ImageOptions {
  /** Default false: the first source that does not decode rejects. True: skip it and list it in `skipped`. */
  skipBad?: boolean;
  /** Called for every skipped source (with `skipBad`), with its name and why. */
  onSkip?: (name: string, error: Error) => void;
}

/**
 * What {@link imagesFromSources} resolves to.
 * @example
 * ```ts
 * const { images, names, skipped }: SourceImages = await imagesFromSources(files, { size: 32 });
 * ```
 */
export interface SourceImages {
  /** `[n, height, width, channels]` float32 in [0, 1], one per decoded source, in order; the caller disposes it. */
  images: tf.Tensor4D;
  /** The name of each image in `images`: a File's name, else `image <i>` (`i` its position in `sources`). */
  names: string[];
  /** The sources skipped with `skipBad`, and why. */
  skipped: { name: string; reason: string }[];
}

function checkSources(sources: unknown): ImageSource[] {
  const iterable = sources != null && typeof sources === 'object' && typeof (sources as Iterable<unknown>)[Symbol.iterator] === 'function';
  const arrayLike =
    sources != null &&
    typeof sources === 'object' &&
    Number.isSafeInteger((sources as ArrayLike<unknown>).length) &&
    (sources as ArrayLike<unknown>).length >= 0;
  if (!iterable && !arrayLike) {
    throw new TypeError(
      `${CALLER}: sources must be an iterable or array-like of images (File, Blob, ImageBitmap, <img>, canvas, ImageData), got ${describeValue(sources)}`,
    );
  }
  const list = Array.from(sources as Iterable<unknown> | ArrayLike<unknown>);
  if (list.length === 0) throw new Error(`${CALLER}: sources must hold at least one image, got an empty ${describeValue(sources)}`);
  list.forEach((item, i) => {
    if (sourceKind(item) === undefined) {
      throw new TypeError(
        `${CALLER}: sources[${i}] must be a File, Blob, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas or ImageData, got ${describeValue(item)}`,
      );
    }
  });
  return list as ImageSource[];
}

function checkSkipOptions(options: ImagesFromSourcesOptions): void {
  if (options.skipBad !== undefined && typeof options.skipBad !== 'boolean') {
    throw new TypeError(`${CALLER}: skipBad must be a boolean, got ${describeValue(options.skipBad)}`);
  }
  if (options.onSkip !== undefined && typeof options.onSkip !== 'function') {
    throw new TypeError(`${CALLER}: onSkip must be a function (name, error) => void, got ${describeValue(options.onSkip)}`);
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message || error.name : String(error));

/**
 * Brings images the page holds (files a user picked or dropped, `<img>` elements, canvases,
 * ImageData) to one size and reads them into a tensor, in the browser: each is drawn on a
 * canvas of `size` filled with `background` (transparency is composited over it), placed by
 * `fit` (`'cover'` crops, `'contain'` pads) with high-quality smoothing; one channel is the
 * Rec. 601 luminance `round(0.299 R + 0.587 G + 0.114 B)` of the composited bytes, as
 * `imageFolder` computes it in Node, so both give the same values.
 *
 * Needs a browser (or a canvas implementation with `createImageBitmap` and `OffscreenCanvas` or
 * `document`); in Node use `imageFolder` / `readImageFolder` from `@elbo/datasets/node`.
 *
 * @param sources - Files, Blobs, ImageBitmaps, HTMLImageElements, canvases or ImageData, e.g. `input.files`.
 * @returns the images `[n, height, width, channels]` in [0, 1], their names, and the skipped sources.
 * @throws for bad options or sources (naming which); rejects for a source that does not decode
 *   unless `skipBad`, and when no source decoded. Then no tensor is left behind, and every
 *   ImageBitmap it made is closed.
 * @example
 * ```ts
 * input.addEventListener('change', async () => {
 *   const { images, names, skipped } = await imagesFromSources(input.files!, { size: 32, skipBad: true });
 *   console.log(`${names.length} images, ${skipped.length} skipped`, images.shape); // [n, 32, 32, 3]
 *   images.dispose();
 * });
 * ```
 */
export async function imagesFromSources(
  sources: Iterable<ImageSource> | ArrayLike<ImageSource>,
  options: ImagesFromSourcesOptions,
): Promise<SourceImages> {
  const checked = checkImageOptions(options, CALLER);
  checkSkipOptions(options);
  const list = checkSources(sources);
  if (!hasCanvas()) {
    throw new Error(
      `${CALLER} needs a browser (or a canvas implementation providing createImageBitmap and OffscreenCanvas or document.createElement('canvas')); ` +
        `none is here. In Node, read image files with imageFolder or readImageFolder from '@elbo/datasets/node'`,
    );
  }
  assertBackend(CALLER);
  const { height, width, channels } = checked;
  const itemSize = height * width * channels;
  const values = new Float32Array(list.length * itemSize);
  const names: string[] = [];
  const skipped: { name: string; reason: string }[] = [];
  let context = newContext(width, height, CALLER);
  for (let i = 0; i < list.length; i++) {
    const source = list[i]!;
    const name = sourceName(source, i);
    try {
      const drawable = await toDrawable(source, sourceKind(source)!);
      try {
        drawPixels(context, drawable, checked, values.subarray(names.length * itemSize, (names.length + 1) * itemSize));
      } catch (error) {
        // A cross-origin image taints the canvas for good (every later read throws): the next source gets a clean one.
        context = newContext(width, height, CALLER);
        throw error;
      } finally {
        drawable.release();
      }
      names.push(name);
    } catch (error) {
      const reason = reasonOf(error);
      const failure = new Error(`${CALLER}: sources[${i}] (${JSON.stringify(name)}) is not a decodable image: ${reason}`, { cause: error });
      if (options.skipBad !== true) throw failure;
      skipped.push({ name, reason });
      options.onSkip?.(name, failure);
    }
  }
  if (names.length === 0) {
    throw new Error(
      `${CALLER}: none of the ${list.length} sources is a decodable image (skipped all; the first: ${skipped[0]!.name}: ${skipped[0]!.reason})`,
    );
  }
  const images = tf.tensor4d(values.subarray(0, names.length * itemSize), [names.length, height, width, channels], 'float32');
  return { images, names, skipped };
}
