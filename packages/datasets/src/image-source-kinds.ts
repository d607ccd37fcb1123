// What imagesFromSources accepts, and how each kind becomes something a canvas can draw.
// Every DOM global is looked up when called, never at import: Node imports this file too.

/**
 * One image for {@link imagesFromSources}: an encoded file (PNG, JPEG, GIF, WebP, ... whatever the browser
 * decodes), or pixels the page already holds.
 * @example
 * ```ts
 * const sources: ImageSource[] = [...fileInput.files!, document.querySelector('canvas')!];
 * ```
 */
export type ImageSource = Blob | File | ImageBitmap | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | ImageData;

type SourceKind = 'blob' | 'bitmap' | 'image-element' | 'canvas' | 'offscreen-canvas' | 'image-data';

/** The class named `name` in this environment, if it has one. */
function globalClass(name: string): (abstract new (...args: never[]) => unknown) | undefined {
  const value = (globalThis as Record<string, unknown>)[name];
  return typeof value === 'function' ? (value as abstract new (...args: never[]) => unknown) : undefined;
}

const isA = (value: unknown, className: string): boolean => {
  const cls = globalClass(className);
  return cls != null && value instanceof cls;
};

/** Which kind of {@link ImageSource} `value` is, or undefined for anything else. */
export function sourceKind(value: unknown): SourceKind | undefined {
  if (value == null || typeof value !== 'object') return undefined;
  if (isA(value, 'Blob')) return 'blob';
  if (isA(value, 'ImageBitmap')) return 'bitmap';
  if (isA(value, 'HTMLImageElement')) return 'image-element';
  if (isA(value, 'HTMLCanvasElement')) return 'canvas';
  if (isA(value, 'OffscreenCanvas')) return 'offscreen-canvas';
  if (isA(value, 'ImageData')) return 'image-data';
  return undefined;
}

/** A source ready to draw, with its size; `release` frees what decoding made (an ImageBitmap). */
export interface DrawableSource {
  image: CanvasImageSource;
  width: number;
  height: number;
  release(): void;
}

const keep = (image: CanvasImageSource, width: number, height: number): DrawableSource => ({ image, width, height, release() {} });

function owned(bitmap: ImageBitmap): DrawableSource {
  return { image: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() };
}

/**
 * Decodes `source` into something `drawImage` takes. Rejects when it is not an image the
 * browser can decode (a text file, a corrupt PNG, a broken `<img>`), or has no pixels.
 */
export async function toDrawable(source: ImageSource, kind: SourceKind): Promise<DrawableSource> {
  let drawable: DrawableSource;
  switch (kind) {
    case 'blob':
      drawable = owned(await createImageBitmap(source as Blob));
      break;
    case 'image-data':
      // drawImage does not take ImageData; a bitmap of it composites like any other image.
      drawable = owned(await createImageBitmap(source as ImageData));
      break;
    case 'image-element': {
      const element = source as HTMLImageElement;
      await element.decode(); // waits for loading; rejects for a broken image
      drawable = keep(element, element.naturalWidth, element.naturalHeight);
      break;
    }
    default: {
      const drawn = source as ImageBitmap | HTMLCanvasElement | OffscreenCanvas;
      drawable = keep(drawn, drawn.width, drawn.height);
    }
  }
  if (!(drawable.width > 0 && drawable.height > 0)) {
    drawable.release();
    throw new Error(`it has no pixels (${drawable.width} x ${drawable.height}${kind === 'bitmap' ? '; a closed ImageBitmap?' : ''})`);
  }
  return drawable;
}

/** The name a source is reported by: a File's own name, else `image <i>`. */
export function sourceName(source: ImageSource, index: number): string {
  const name = (source as { name?: unknown }).name;
  return isA(source, 'File') && typeof name === 'string' && name !== '' ? name : `image ${index}`;
}
