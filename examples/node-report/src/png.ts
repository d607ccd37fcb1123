import { PNG } from 'pngjs';

/** Maps a value to an RGB colour. */
export type Colormap = (value: number) => readonly [number, number, number];

/** Dark ink on white paper: 0 -> white, 1 -> near black. */
export const ink: Colormap = (v) => {
  const g = Math.round(255 - 235 * Math.min(1, Math.max(0, v)));
  return [g, g, Math.min(255, g + 6)];
};

/** Diverging blue-white-red for signed values in [-1, 1] (principal components). */
export const diverging: Colormap = (v) => {
  const t = Math.min(1, Math.max(-1, v));
  const a = Math.abs(t);
  // white to #b2182b (red, positive) or #2166ac (blue, negative)
  const [r, g, b] = t >= 0 ? [178, 24, 43] : [33, 102, 172];
  return [Math.round(255 + (r - 255) * a), Math.round(255 + (g - 255) * a), Math.round(255 + (b - 255) * a)];
};

export interface GridOptions {
  /** Tiles per row. */
  columns: number;
  /** Width and height of one tile in pixels (before scaling). Default 28. */
  size?: number;
  /** Nearest-neighbour magnification. Default 3. */
  scale?: number;
  /** Gap between tiles in scaled pixels. Default 4. */
  gap?: number;
  /** Value to colour. Default `ink`. */
  colormap?: Colormap;
  /** Per-tile normalization: 'none' (values already in [0, 1]) or 'symmetric' (divide by max |v|, for signed images). */
  normalize?: 'none' | 'symmetric';
  /** Colour of the gaps. Default light grey. */
  background?: readonly [number, number, number];
}

/**
 * Tiles square images (each `size * size` values, row-major) into one PNG,
 * magnified with nearest neighbour so single pixels stay visible.
 *
 * @param tiles - the images, `[n][size * size]`.
 * @returns the encoded PNG file.
 */
export function imageGrid(tiles: readonly ArrayLike<number>[], options: GridOptions): Buffer {
  const size = options.size ?? 28;
  const scale = options.scale ?? 3;
  const gap = options.gap ?? 4;
  const colormap = options.colormap ?? ink;
  const background = options.background ?? [228, 228, 232];
  if (tiles.length === 0) throw new Error('imageGrid: tiles must not be empty');
  const columns = Math.min(options.columns, tiles.length);
  const rows = Math.ceil(tiles.length / columns);
  const cell = size * scale;
  const width = columns * cell + (columns + 1) * gap;
  const height = rows * cell + (rows + 1) * gap;
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) png.data.set([...background, 255], i * 4);
  tiles.forEach((tile, t) => {
    if (tile.length !== size * size) throw new Error(`imageGrid: tile ${t} has ${tile.length} values, expected ${size * size}`);
    let norm = 1;
    if (options.normalize === 'symmetric') {
      norm = 0;
      for (let p = 0; p < tile.length; p++) norm = Math.max(norm, Math.abs(tile[p]!));
      if (norm === 0) norm = 1;
    }
    const x0 = gap + (t % columns) * (cell + gap);
    const y0 = gap + Math.floor(t / columns) * (cell + gap);
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const value = tile[Math.floor(y / scale) * size + Math.floor(x / scale)]! / norm;
        const [r, g, b] = colormap(Number.isFinite(value) ? value : 0);
        png.data.set([r, g, b, 255], ((y0 + y) * width + x0 + x) * 4);
      }
    }
  });
  return PNG.sync.write(png);
}

/** Splits a flat `[n * d]` array into `n` rows of `d` values. */
export function rowsOf(values: Float32Array, d: number): Float32Array[] {
  const n = Math.floor(values.length / d);
  return Array.from({ length: n }, (_, i) => values.slice(i * d, (i + 1) * d));
}
