import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { compositeOnBackground } from './image-decode';
import { canDownscale, downscaleOnBackground, MAX_AREA_FACTOR } from './image-downscale';
import { checkImageOptions } from './image-options';

/** Seeded RGBA bytes: opaque, or with every alpha when `alpha`. */
function randomRgba(pixels: number, alpha: boolean, seed = 1): Uint8Array {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) % 256;
  return Uint8Array.from({ length: 4 * pixels }, (_, i) => (i % 4 === 3 && !alpha ? 255 : next()));
}

describe('downscaleOnBackground: area averaging placed and composited', () => {
  const background = [40, 80, 120] as [number, number, number];

  it('at 1:1 gives exactly the bytes of compositeOnBackground, RGB and grey', () => {
    const rgba = randomRgba(6 * 5, true);
    for (const channels of [3, 1] as const) {
      const options = checkImageOptions({ size: [5, 6], channels, background }, 'test');
      expect(Array.from(downscaleOnBackground(rgba, 6, 5, options))).toEqual(Array.from(compositeOnBackground(rgba, background, channels)));
    }
  });

  it('halving takes the rounded mean of each opaque 2 x 2 block', () => {
    const rgba = randomRgba(8 * 6, false);
    const out = downscaleOnBackground(rgba, 8, 6, checkImageOptions({ size: [3, 4] }, 'test'));
    for (let y = 0; y < 3; y++)
      for (let x = 0; x < 4; x++)
        for (let c = 0; c < 3; c++) {
          const block = [0, 1].flatMap((dy) => [0, 1].map((dx) => rgba[4 * ((2 * y + dy) * 8 + 2 * x + dx) + c]!));
          expect(out[(y * 4 + x) * 3 + c]).toBe(Math.round(block.reduce((a, b) => a + b) / 4));
        }
  });

  it("weights colour by alpha: a transparent pixel's colour counts for nothing, and a fully transparent block is the background", () => {
    // one 2 x 2 block: opaque red, and three transparent pixels of other colours
    const rgba = Uint8Array.of(255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 0, 9, 9, 9, 0);
    const [r, g, b] = downscaleOnBackground(rgba, 2, 2, checkImageOptions({ size: 1, background }, 'test'));
    expect([r, g, b]).toEqual([Math.round((255 + 3 * 40) / 4), Math.round((3 * 80) / 4), Math.round((3 * 120) / 4)]);
    const clear = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? 0 : 200));
    expect(Array.from(downscaleOnBackground(clear, 2, 2, checkImageOptions({ size: 1, background }, 'test')))).toEqual(background);
  });

  it('weights pixels that a target pixel covers in part by their overlap (3 -> 2: thirds)', () => {
    const grey = [0, 90, 210].flatMap((v) => [v, v, v, 255]);
    const out = downscaleOnBackground(
      Uint8Array.from(grey),
      3,
      1,
      checkImageOptions({ size: [1, 2], fit: 'contain', channels: 1 }, 'test'),
    );
    // contain places 3 x 1 in 2 x 1 at 2 x 0.67 -> rounded to 2 x 1: each target pixel covers 1.5 source pixels
    expect(Array.from(out)).toEqual([Math.round((0 + 90 * 0.5) / 1.5), Math.round((90 * 0.5 + 210) / 1.5)]);
  });

  it("'contain' pads with the background where the image does not reach; 'cover' crops the centre", () => {
    const rgba = randomRgba(8 * 4, false, 3);
    const contain = downscaleOnBackground(rgba, 8, 4, checkImageOptions({ size: 4, fit: 'contain', background }, 'test'));
    // 8 x 4 placed as 4 x 2 at top 1: rows 0 and 3 are background, rows 1 and 2 the halved image
    for (const y of [0, 3])
      for (let x = 0; x < 4; x++) expect(Array.from(contain.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3))).toEqual(background);
    const halved = downscaleOnBackground(rgba, 8, 4, checkImageOptions({ size: [2, 4] }, 'test'));
    expect(Array.from(contain.subarray(4 * 3, 12 * 3))).toEqual(Array.from(halved));
    // cover places 8 x 4 as 8 x 4 in 4 x 4 at left -2: the middle four columns, unscaled
    const cover = downscaleOnBackground(rgba, 8, 4, checkImageOptions({ size: 4 }, 'test'));
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 4; x++)
        expect(Array.from(cover.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3))).toEqual(
          Array.from(rgba.subarray(4 * (y * 8 + x + 2), 4 * (y * 8 + x + 2) + 3)),
        );
  });

  it('takes shrinking by up to MAX_AREA_FACTOR per axis, and leaves enlarging and larger factors to libvips', () => {
    const options = checkImageOptions({ size: 32 }, 'test');
    expect(canDownscale(64, 64, options)).toBe(true);
    expect(canDownscale(32, 32, options)).toBe(true);
    expect(canDownscale(32 * MAX_AREA_FACTOR, 40, options)).toBe(true); // cover: 40 rows -> 32, columns cropped
    expect(canDownscale(16, 16, options)).toBe(false);
    expect(canDownscale(32 * MAX_AREA_FACTOR + 8, 32 * MAX_AREA_FACTOR + 8, options)).toBe(false);
  });

  it("stays within a few levels of libvips' resize on real emoji (64 -> 32)", async () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
    const files = readdirSync(root).filter((f) => f.endsWith('.png'));
    expect(files.length).toBeGreaterThan(0);
    const options = checkImageOptions({ size: 32, background: [255, 255, 255] }, 'test');
    for (const file of files) {
      const bytes = readFileSync(join(root, file));
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const ours = downscaleOnBackground(new Uint8Array(data), info.width, info.height, options);
      const resized = await sharp(bytes).resize(32, 32).ensureAlpha().raw().toBuffer();
      const theirs = compositeOnBackground(new Uint8Array(resized), [255, 255, 255], 3);
      let total = 0;
      for (let i = 0; i < ours.length; i++) total += Math.abs(ours[i]! - theirs[i]!);
      expect(total / ours.length).toBeLessThan(4); // mean absolute difference in levels of 255: two filters, one picture
    }
  });
});
