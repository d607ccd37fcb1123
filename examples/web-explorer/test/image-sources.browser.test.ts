// imagesFromSources (@elbo/datasets) in headless Chromium: PNGs written in Node with
// known colours and alpha, read through the browser's decoder and canvas, checked
// against the arithmetic of compositing, placing and Rec. 601 luminance.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImagesFromSourcesOptions } from '@elbo/datasets';
import { bundleBrowserModule } from '../../../tooling/browser-bundle';
import { chromiumAvailable, launchChromium, openPage } from '../../../tooling/chromium';
import type { ReadResult, SentFile, SourceKindName } from './image-sources-page';
import { pngOf } from './png';
import { serveDir } from './server';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const available = chromiumAvailable();

const BACKGROUND = [10, 200, 30] as const;
/** 4 x 4 RGBA: opaque colours, fully transparent, half transparent, opaque again. */
const ORACLE: number[][] = [
  [255, 0, 0, 255],
  [0, 255, 0, 255],
  [0, 0, 255, 255],
  [17, 34, 51, 255],
  [123, 45, 67, 0],
  [255, 255, 255, 0],
  [0, 0, 0, 0],
  [90, 9, 200, 0],
  [200, 100, 50, 128],
  [0, 0, 0, 128],
  [255, 255, 255, 128],
  [90, 180, 30, 64],
  [12, 240, 129, 255],
  [128, 128, 128, 255],
  [250, 5, 99, 255],
  [0, 0, 0, 255],
];
/** What "over" the background gives, in bytes. */
const composited = ORACLE.map(([r, g, b, a]) => [r!, g!, b!].map((c, k) => Math.round((a! * c + (255 - a!) * BACKGROUND[k]!) / 255)));
const luminance = ([r, g, b]: number[]) => Math.round(0.299 * r! + 0.587 * g! + 0.114 * b!);

const png = (name: string, width: number, height: number, at: (x: number, y: number) => readonly number[]): SentFile => ({
  name,
  type: 'image/png',
  bytes: [...pngOf(width, height, at)],
});
const oracle = png('oracle.png', 4, 4, (x, y) => ORACLE[y * 4 + x]!);
const RED = [255, 0, 0, 255];
const GREEN = [0, 255, 0, 255];
const wideRed = png('wide.png', 8, 4, () => RED);
const halves = png('halves.png', 8, 4, (x) => (x < 4 ? RED : GREEN));
const text: SentFile = { name: 'cat.txt', type: 'text/plain', bytes: [...Buffer.from('not an image at all')] };
const broken: SentFile = { name: 'broken.png', type: 'image/png', bytes: oracle.bytes.slice(0, 40) };

/** The largest difference, in bytes (0-255), between values in [0, 1] and expected bytes. */
const maxByteError = (values: number[], bytes: number[]) => Math.max(...values.map((v, i) => Math.abs(v * 255 - bytes[i]!)));

describe.skipIf(!available)('imagesFromSources in headless Chromium', () => {
  let dir: string;
  let server: Awaited<ReturnType<typeof serveDir>>;
  let browser: Browser;
  let page: Page;
  let logs: string[];

  beforeAll(async () => {
    const packageSources = Object.fromEntries(
      ['datasets', 'prob', 'backend-web'].map((name) => [`@elbo/${name}`, resolve(root, 'packages', name, 'src/index.ts')]),
    );
    const script = await bundleBrowserModule({ file: resolve(here, 'image-sources-page.ts') }, packageSources);
    dir = await mkdtemp(join(tmpdir(), 'elbo-image-sources-'));
    await writeFile(join(dir, 'page.js'), script);
    await writeFile(join(dir, 'oracle.png'), new Uint8Array(oracle.bytes));
    await writeFile(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>images</title><script type="module" src="page.js"></script>',
    );
    server = await serveDir(dir);
    browser = await launchChromium();
    ({ page, logs } = await openPage(browser, server.url));
    await page.waitForFunction(() => typeof (globalThis as { readImages?: unknown }).readImages === 'function');
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** imagesFromSources in the page; its error, if any, comes back in `error`. */
  const attempt = (files: SentFile[], options: ImagesFromSourcesOptions, kind?: SourceKindName): Promise<ReadResult> =>
    page.evaluate(([f, o, k]) => (globalThis as unknown as { readImages: (...a: unknown[]) => Promise<ReadResult> }).readImages(f, o, k), [
      files,
      options,
      kind,
    ] as const);
  const read = async (files: SentFile[], options: ImagesFromSourcesOptions, kind?: SourceKindName): Promise<ReadResult> => {
    const result = await attempt(files, options, kind);
    if (result.error != null) throw new Error(`${result.error}\n${logs.join('\n')}`);
    return result;
  };

  it('composites transparency over the background exactly at 1:1, in RGB and Rec. 601 grey, leaving no tensor', async () => {
    const rgb = await read([oracle], { size: 4, background: [...BACKGROUND] });
    expect(rgb.shape).toEqual([1, 4, 4, 3]);
    expect(rgb.names).toEqual(['oracle.png']);
    expect(maxByteError(rgb.values, composited.flat())).toBeLessThanOrEqual(1);
    // the transparent row is exactly the background
    expect(rgb.values.slice(12, 24).map((v) => Math.round(v * 255))).toEqual([...BACKGROUND, ...BACKGROUND, ...BACKGROUND, ...BACKGROUND]);
    expect(rgb.tensors[1]).toBe(rgb.tensors[0] + 1);
    expect(rgb.tensors[2]).toBe(rgb.tensors[0]);

    const grey = await read([oracle], { size: 4, channels: 1, background: '#0ac81e' }); // the same background as hex
    expect(grey.shape).toEqual([1, 4, 4, 1]);
    expect(maxByteError(grey.values, composited.map(luminance))).toBeLessThanOrEqual(1);
    // and computed from the RGB result's own bytes, exactly
    const fromRgb = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15].map((p) =>
      luminance(rgb.values.slice(3 * p, 3 * p + 3).map((v) => Math.round(v * 255))),
    );
    expect(grey.values.map((v) => Math.round(v * 255))).toEqual(fromRgb);
  });

  it("'contain' pads with the background, 'cover' crops the centre, and size may be [height, width]", async () => {
    const contain = await read([wideRed], { size: 4, fit: 'contain', background: '#00f' });
    const blue = [0, 0, 255];
    const expected = [0, 1, 2, 3].flatMap((y) => [0, 1, 2, 3].flatMap(() => (y === 0 || y === 3 ? blue : [255, 0, 0])));
    expect(maxByteError(contain.values, expected)).toBeLessThanOrEqual(1);

    const cover = await read([halves], { size: 4, fit: 'cover' });
    const coverExpected = [0, 1, 2, 3].flatMap(() => [0, 1, 2, 3].flatMap((x) => (x < 2 ? [255, 0, 0] : [0, 255, 0])));
    expect(maxByteError(cover.values, coverExpected)).toBeLessThanOrEqual(1);

    const wide = await read([halves], { size: [2, 8], fit: 'contain', background: '#000' });
    expect(wide.shape).toEqual([1, 2, 8, 3]);
    // 8 x 4 at half scale is 4 x 2, centred: columns 2-3 red, 4-5 green, the rest black
    const columns = [0, 0, 255, 255, 0, 0, 0, 0].map((r, x) => [r, x === 4 || x === 5 ? 255 : 0, 0]);
    expect(maxByteError(wide.values, [...columns.flat(), ...columns.flat()])).toBeLessThanOrEqual(1);
  });

  it('reads every kind of source to the same pixels', async () => {
    const opaque = png('opaque.png', 4, 4, (x, y) => [x * 60, y * 70, 255 - x * 40, 255]);
    const fromFile = await read([opaque], { size: 4 });
    for (const kind of ['blob', 'bitmap', 'img', 'canvas', 'offscreen', 'image-data'] as const) {
      const result = await read([opaque], { size: 4 }, kind);
      expect(result.names, kind).toEqual(['image 0']);
      expect(
        maxByteError(
          result.values,
          fromFile.values.map((v) => Math.round(v * 255)),
        ),
        kind,
      ).toBeLessThanOrEqual(1);
      expect(result.tensors[2], kind).toBe(result.tensors[0]);
    }
  });

  it('rejects a source that does not decode, naming it, with no tensor left; skipBad skips it and says why', async () => {
    const strict = await attempt([oracle, text, broken], { size: 4 });
    expect(strict.error).toMatch(/^imagesFromSources: sources\[1\] \("cat\.txt"\) is not a decodable image: \S/);
    expect(strict.tensors[1]).toBe(strict.tensors[0]);

    const lenient = await read([text, oracle, broken], { size: 4, skipBad: true });
    expect(lenient.shape).toEqual([1, 4, 4, 3]);
    expect(lenient.names).toEqual(['oracle.png']);
    expect(lenient.skipped.map((s) => s.name)).toEqual(['cat.txt', 'broken.png']);
    expect(lenient.skipped.every((s) => s.reason.length > 0)).toBe(true);
    expect(lenient.onSkip).toHaveLength(2);
    expect(lenient.onSkip[1]).toMatch(/^broken\.png: imagesFromSources: sources\[2\] \("broken\.png"\) is not a decodable image/);
    expect(lenient.tensors[2]).toBe(lenient.tensors[0]);

    const closed = await attempt([oracle], { size: 4 }, 'closed-bitmap');
    expect(closed.error).toBe(
      'imagesFromSources: sources[0] ("image 0") is not a decodable image: it has no pixels (0 x 0; a closed ImageBitmap?)',
    );

    const none = await attempt([text, broken], { size: 4, skipBad: true });
    expect(none.error).toMatch(/^imagesFromSources: none of the 2 sources is a decodable image/);
    expect(none.onSkip).toHaveLength(2);
    expect(none.tensors[1]).toBe(none.tensors[0]);
  });

  it('skips a cross-origin <img> (its pixels cannot be read) and reads the next source on a clean canvas', async () => {
    // the same server under another host name is another origin, and sends no CORS headers
    const crossOrigin = `${server.url.replace('127.0.0.1', 'localhost')}oracle.png`;
    const result = await read([oracle, oracle], { size: 4, skipBad: true, background: [...BACKGROUND] }, `img from ${crossOrigin}`);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]!.name).toBe('image 0');
    expect(result.skipped[0]!.reason).toMatch(/tainted|cross-origin|insecure/i);
    expect(result.names).toEqual(['oracle.png']);
    expect(maxByteError(result.values, composited.flat())).toBeLessThanOrEqual(1);
  });
});
