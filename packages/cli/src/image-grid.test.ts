import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { gridPixels, imageGrid } from './image-grid';

describe('imageGrid', () => {
  it('places each tile at its column and row, magnified, with grey gaps; grey tiles become RGB', () => {
    // two 1x2 grey tiles: [0, 1] and [0.5, 0.25]
    const { raw, width, height } = gridPixels([0, 1, 0.5, 0.25], [2, 1, 2, 1], { columns: 2, scale: 2, gap: 1, background: [9, 9, 9] });
    expect([width, height]).toEqual([2 * 4 + 3, 2 + 2]);
    const at = (x: number, y: number) => Array.from(raw.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    expect(at(0, 0)).toEqual([9, 9, 9]);
    expect(at(1, 1)).toEqual([0, 0, 0]);
    expect(at(3, 2)).toEqual([255, 255, 255]);
    expect(at(6, 1)).toEqual([128, 128, 128]);
    expect(at(9, 2)).toEqual([64, 64, 64]);
  });

  it('keeps colour, clips to [0, 1] and encodes a PNG of the computed size', async () => {
    const png = await imageGrid([1, 0, 0, 2, -1, 0.5], [2, 1, 1, 3], { columns: 1, gap: 0 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([1, 2, 3]);
    expect(Array.from(data)).toEqual([255, 0, 0, 255, 0, 128]);
  });

  it('names the shape and the value count when they disagree', () => {
    expect(() => gridPixels([1, 2, 3], [1, 2, 2, 1], { columns: 1 })).toThrow(
      'imageGrid: images must be [n, h, w, c] with n >= 1 and n * h * w * c values, got shape [1, 2, 2, 1] and 3 values',
    );
  });
});
