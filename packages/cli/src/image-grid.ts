import sharp from 'sharp';

/** How {@link imageGrid} lays out its tiles. */
export interface GridOptions {
  /** Tiles per row. */
  columns: number;
  /** Nearest-neighbour magnification, so single pixels stay visible. Default 1. */
  scale?: number;
  /** Gap between tiles in output pixels. Default 2. */
  gap?: number;
  /** Colour of the gaps. Default light grey. */
  background?: readonly [number, number, number];
}

/**
 * Tiles images (values in [0, 1], HWC, 1 or 3 channels) into one RGB PNG.
 * @param images - [n, h, w, c] values, row-major, n * h * w * c of them.
 * @example
 * ```ts
 * const png = await imageGrid(await samples.data(), [16, 32, 32, 3], { columns: 8, scale: 2 });
 * ```
 */
export async function imageGrid(images: ArrayLike<number>, shape: readonly number[], options: GridOptions): Promise<Buffer> {
  const { raw, width, height } = gridPixels(images, shape, options);
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/**
 * The RGB bytes of {@link imageGrid}, before PNG encoding.
 * @example
 * ```ts
 * const { raw, width, height } = gridPixels(values, [4, 8, 8, 1], { columns: 2 });
 * ```
 */
export function gridPixels(
  images: ArrayLike<number>,
  shape: readonly number[],
  options: GridOptions,
): { raw: Buffer; width: number; height: number } {
  const [n, h, w, c] = shape as [number, number, number, number];
  if (shape.length !== 4 || n < 1 || images.length !== n * h * w * c) {
    throw new Error(
      `imageGrid: images must be [n, h, w, c] with n >= 1 and n * h * w * c values, got shape [${shape.join(', ')}] and ${images.length} values`,
    );
  }
  const scale = options.scale ?? 1;
  const gap = options.gap ?? 2;
  const background = options.background ?? [228, 228, 232];
  const columns = Math.max(1, Math.min(options.columns, n));
  const rows = Math.ceil(n / columns);
  const width = columns * w * scale + (columns + 1) * gap;
  const height = rows * h * scale + (rows + 1) * gap;
  const raw = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) raw.set(background, i * 3);
  for (let t = 0; t < n; t++) {
    const x0 = gap + (t % columns) * (w * scale + gap);
    const y0 = gap + Math.floor(t / columns) * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = ((t * h + Math.floor(y / scale)) * w + Math.floor(x / scale)) * c;
        const dst = ((y0 + y) * width + x0 + x) * 3;
        for (let k = 0; k < 3; k++) raw[dst + k] = toByte(images[src + (c === 3 ? k : 0)]!);
      }
    }
  }
  return { raw, width, height };
}

function toByte(v: number): number {
  return Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(v) ? v : 0)));
}
