// The page of image-sources.browser.test.ts: imagesFromSources on Files the test sends
// (PNG bytes written in Node), and on the same pixels as every other kind of source.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-web';
import { imagesFromSources, type ImageSource, type ImagesFromSourcesOptions } from '@elbo/datasets';

export interface SentFile {
  name: string;
  type: string;
  bytes: number[];
}

export interface ReadResult {
  shape: number[];
  values: number[];
  names: string[];
  skipped: { name: string; reason: string }[];
  onSkip: string[];
  /** Tensors alive: before the call, after it, after disposing what it returned. */
  tensors: [number, number, number];
  error: string | null;
}

export type SourceKindName =
  'file' | 'blob' | 'bitmap' | 'img' | 'canvas' | 'offscreen' | 'image-data' | 'closed-bitmap' | `img from ${string}`;

const toFile = (f: SentFile) => new File([new Uint8Array(f.bytes)], f.name, { type: f.type });

/** The first sent file (a PNG) as a source of `kind`. */
async function asKind(file: File, kind: SourceKindName): Promise<ImageSource> {
  if (kind === 'file') return file;
  if (kind.startsWith('img from ')) return Object.assign(new Image(), { src: kind.slice('img from '.length) });
  if (kind === 'blob') return new Blob([await file.arrayBuffer()], { type: file.type });
  const bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none' });
  if (kind === 'bitmap') return bitmap;
  if (kind === 'closed-bitmap') return (bitmap.close(), bitmap);
  if (kind === 'img') {
    const img = new Image();
    img.src = URL.createObjectURL(file); // imagesFromSources waits for it to load
    return img;
  }
  const [w, h] = [bitmap.width, bitmap.height];
  const canvas =
    kind === 'offscreen' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return kind === 'image-data' ? context.getImageData(0, 0, w, h) : canvas;
}

async function read(files: SentFile[], options: ImagesFromSourcesOptions, kind: SourceKindName = 'file'): Promise<ReadResult> {
  const sources = await Promise.all(files.map((f, i) => (i === 0 ? asKind(toFile(f), kind) : toFile(f))));
  const onSkip: string[] = [];
  const before = tf.memory().numTensors;
  try {
    const result = await imagesFromSources(sources, { ...options, onSkip: (name, error) => onSkip.push(`${name}: ${error.message}`) });
    const after = tf.memory().numTensors;
    const values = Array.from(await result.images.data());
    result.images.dispose();
    const { shape } = result.images;
    return {
      shape,
      values,
      names: result.names,
      skipped: result.skipped,
      onSkip,
      tensors: [before, after, tf.memory().numTensors],
      error: null,
    };
  } catch (error) {
    const now = tf.memory().numTensors;
    return { shape: [], values: [], names: [], skipped: [], onSkip, tensors: [before, now, now], error: (error as Error).message };
  }
}

const ready = selectBackend({ prefer: ['cpu'], fallback: false });
Object.assign(globalThis, { readImages: async (...args: Parameters<typeof read>) => (await ready, read(...args)) });
