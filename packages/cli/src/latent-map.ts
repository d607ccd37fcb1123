import * as tf from '@tensorflow/tfjs-core';
import { PCA } from '@elbo/linear';
import { imageGrid } from './image-grid';

/**
 * The first two principal components of the latent means, as an SVG scatter
 * with thumbnails of (up to `thumbnails`) images at their points.
 * @param codes - [n, k] latent means. @param images - the same n images [n, h, w, c].
 * @example
 * ```ts
 * const svg = await latentMap(codes, images, { thumbnails: 120 });
 * ```
 */
export async function latentMap(codes: tf.Tensor2D, images: tf.Tensor4D, { thumbnails = 120, size = 640 } = {}): Promise<string> {
  const [n, k] = codes.shape;
  const xy = planeOf(codes);
  const xs = xy.map((p) => p[0]);
  const ys = xy.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const pad = 28;
  const px = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (size - 2 * pad);
  const py = (y: number) => size - pad - ((y - y0) / (y1 - y0 || 1)) * (size - 2 * pad);
  const dots = xy.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2" fill="#3b5bdb" fill-opacity="0.35"/>`);
  const step = Math.max(1, Math.ceil(n / thumbnails));
  const [h, w, c] = images.shape.slice(1) as [number, number, number];
  const thumb = Math.max(16, Math.min(40, Math.round(28 * (w / h || 1))));
  const chosen = Array.from({ length: Math.ceil(n / step) }, (_, j) => j * step);
  const picked = tf.gather(images, chosen);
  const values = await picked.data();
  picked.dispose();
  const tile = h * w * c;
  const pictures = await Promise.all(
    chosen.map(async (i, j) => {
      const png = await imageGrid(values.subarray(j * tile, (j + 1) * tile), [1, h, w, c], { columns: 1, gap: 0 });
      const [x, y] = xy[i]!;
      return `<image x="${(px(x) - thumb / 2).toFixed(1)}" y="${(py(y) - thumb / 2).toFixed(1)}" width="${thumb}" height="${thumb}" style="image-rendering:pixelated" href="data:image/png;base64,${png.toString('base64')}"/>`;
    }),
  );
  const axes = k >= 2 ? 'principal components 1 and 2 of the latent means' : 'the latent mean';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" role="img" aria-label="latent map: ${axes}"><rect width="100%" height="100%" fill="white" stroke="#ddd"/>${dots.join('')}${pictures.join('')}</svg>`;
}

/** Two coordinates per row: PCA of the codes (the code itself when it has fewer than 3 dimensions). */
function planeOf(codes: tf.Tensor2D): [number, number][] {
  const [n, k] = codes.shape;
  if (k <= 2 || n < 3) {
    const rows = codes.arraySync();
    return rows.map((r) => [r[0] ?? 0, r[1] ?? 0]);
  }
  const pca = PCA.fit(codes, { components: 2 });
  try {
    const plane = pca.transform(codes);
    const rows = plane.arraySync() as number[][];
    plane.dispose();
    return rows.map((r) => [r[0]!, r[1]!]);
  } finally {
    pca.dispose();
  }
}
