// imagesFromSources in Node: the checks that need no canvas, and the error saying it needs one.
// Its pixels are tested in Chromium: examples/web-explorer/test/image-sources.browser.test.ts.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { imagesFromSources } from '@elbo/datasets';

const png = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });

describe('imagesFromSources in Node (no canvas)', () => {
  it('imports without touching DOM globals and says it needs a browser, naming the Node alternative', async () => {
    expect(typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas).toBe('undefined');
    const before = tf.memory().numTensors;
    await expect(imagesFromSources([png], { size: 8 })).rejects.toThrow(
      /^imagesFromSources needs a browser \(or a canvas implementation.*imageFolder or readImageFolder from '@elbo\/datasets\/node'/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad sources, naming the argument, the position and what came', async () => {
    await expect(imagesFromSources(42 as never, { size: 8 })).rejects.toThrow(
      /^imagesFromSources: sources must be an iterable or array-like of images.*got number 42/,
    );
    await expect(imagesFromSources(null as never, { size: 8 })).rejects.toThrow(/sources must be an iterable.*got null/);
    await expect(imagesFromSources([], { size: 8 })).rejects.toThrow(
      /^imagesFromSources: sources must hold at least one image, got an empty/,
    );
    await expect(imagesFromSources([png, 'cat.png'] as never, { size: 8 })).rejects.toThrow(
      /^imagesFromSources: sources\[1\] must be a File, Blob, ImageBitmap, HTMLImageElement, HTMLCanvasElement, OffscreenCanvas or ImageData, got string "cat\.png"/,
    );
    await expect(imagesFromSources([{ width: 2, height: 2 }] as never, { size: 8 })).rejects.toThrow(/sources\[0\] must be a File/);
    // an array-like (a FileList is one) and any iterable are taken
    await expect(imagesFromSources({ length: 1, 0: png } as never, { size: 8 })).rejects.toThrow(/needs a browser/);
    await expect(imagesFromSources(new Set([png]), { size: 8 })).rejects.toThrow(/needs a browser/);
  });

  it('rejects bad options before anything else, through checkImageOptions', async () => {
    await expect(imagesFromSources([png], { size: 0 })).rejects.toThrow(
      /^imagesFromSources: size must be a positive integer, got number 0/,
    );
    await expect(imagesFromSources([png], { size: 8, channels: 2 as never })).rejects.toThrow(
      /^imagesFromSources: channels must be 1 \(grey\) or 3 \(RGB\), got number 2/,
    );
    await expect(imagesFromSources([png], { size: 8, fit: 'fill' as never })).rejects.toThrow(/fit must be 'cover' or 'contain'/);
    await expect(imagesFromSources([png], { size: 8, background: '#12' })).rejects.toThrow(/background must be/);
    await expect(imagesFromSources([png], { size: 8, skipBad: 'yes' as never })).rejects.toThrow(
      /^imagesFromSources: skipBad must be a boolean, got string "yes"/,
    );
    await expect(imagesFromSources([png], { size: 8, onSkip: 1 as never })).rejects.toThrow(
      /^imagesFromSources: onSkip must be a function.*got number 1/,
    );
    await expect(imagesFromSources([png], undefined as never)).rejects.toThrow(/^imagesFromSources: options must be an object with size/);
  });
});
