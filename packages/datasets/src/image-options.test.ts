import { describe, expect, it } from 'vitest';
import { checkImageOptions, placeImage } from './image-options';

describe('checkImageOptions', () => {
  it('fills in the defaults: RGB, cover, white', () => {
    expect(checkImageOptions({ size: 32 }, 'f')).toEqual({ height: 32, width: 32, channels: 3, fit: 'cover', background: [255, 255, 255] });
  });

  it('reads [height, width], grey, contain and both hex forms', () => {
    expect(checkImageOptions({ size: [24, 40], channels: 1, fit: 'contain', background: '#0a0B0c' }, 'f')).toEqual({
      height: 24,
      width: 40,
      channels: 1,
      fit: 'contain',
      background: [10, 11, 12],
    });
    expect(checkImageOptions({ size: 8, background: '#f80' }, 'f').background).toEqual([255, 136, 0]);
    expect(checkImageOptions({ size: 8, background: [0, 128, 255] }, 'f').background).toEqual([0, 128, 255]);
  });

  it.each([
    [{ size: 0 }, /f: size must be a positive integer, got number 0/],
    [{ size: 2.5 }, /size must be a positive integer, got number 2.5/],
    [{ size: '32' }, /size must be a positive integer, got string "32"/],
    [{ size: [32] }, /size must be a positive integer or \[height, width\]/],
    [{ size: [32, -1] }, /size\[1\] \(width\) must be a positive integer, got number -1/],
    [{ size: 8, channels: 2 }, /channels must be 1 \(grey\) or 3 \(RGB\), got number 2/],
    [{ size: 8, fit: 'fill' }, /fit must be 'cover' or 'contain'/],
    [{ size: 8, background: 'red' }, /background must be '#rgb', '#rrggbb' or \[r, g, b\] in 0-255, got "red"/],
    [{ size: 8, background: [256, 0, 0] }, /background must be .* \(integers in 0-255\), got \[256,0,0\]/],
  ])('names the option, what was expected and what came: %j', (options, message) => {
    expect(() => checkImageOptions(options as never, 'f')).toThrow(message);
  });

  it('refuses options that are not an object', () => {
    expect(() => checkImageOptions(undefined as never, 'imageFolder')).toThrow(/imageFolder: options must be an object with size/);
  });
});

describe('placeImage', () => {
  it('contain fits the long side and centres the short one', () => {
    expect(placeImage(64, 32, 32, 32, 'contain')).toEqual({ left: 0, top: 8, width: 32, height: 16 });
  });

  it('cover fills the short side and lets the long one overflow, centred', () => {
    expect(placeImage(64, 32, 32, 32, 'cover')).toEqual({ left: -16, top: 0, width: 64, height: 32 });
  });

  it('an image of the target size lands 1:1', () => {
    expect(placeImage(20, 10, 20, 10, 'cover')).toEqual({ left: 0, top: 0, width: 20, height: 10 });
    expect(placeImage(20, 10, 20, 10, 'contain')).toEqual({ left: 0, top: 0, width: 20, height: 10 });
  });
});
