// Training the convolutional VAE on the user's images, in the page: batch by batch,
// yielding to the UI between batches, stoppable through an AbortSignal.
import * as tf from '@tensorflow/tfjs-core';
import { adam } from '@elbo/prob';
import type { VAE } from '@elbo/vae';
import { drawImageGrid } from './image-grid';

/** Images shown per grid: originals over their reconstructions, and samples from the prior. */
const SHOWN = 8;
const SAMPLES = 16;
const LEARNING_RATE = 2e-3;

export interface TrainingProgress {
  epoch: number;
  steps: number;
  loss: number;
}

/**
 * Trains `vae` on `images` for `epochs` epochs (batch 32 or fewer), calling `onBatch` after every
 * step and `onEpoch` after every epoch; resolves when done or when `signal` aborts.
 * @returns whether the signal stopped it, and the epochs completed.
 */
export async function trainOnImages(
  vae: VAE,
  images: tf.Tensor4D,
  {
    epochs,
    signal,
    onBatch,
    onEpoch,
  }: { epochs: number; signal: AbortSignal; onBatch(p: TrainingProgress): void; onEpoch(epoch: number): Promise<void> },
): Promise<{ aborted: boolean; epochs: number }> {
  const optimizer = adam(LEARNING_RATE);
  let steps = 0;
  let epoch = 0;
  try {
    const history = await vae.fit(images, {
      epochs,
      batchSize: Math.min(32, images.shape[0]),
      seed: 0,
      optimizer,
      signal,
      callbacks: {
        onBatchEnd: async (_batch, logs) => {
          onBatch({ epoch, steps: ++steps, loss: logs.loss! });
          await new Promise((r) => setTimeout(r, 0)); // let the page paint and take clicks
        },
        onEpochEnd: async () => {
          epoch++;
          await onEpoch(epoch);
        },
      },
    });
    return { aborted: history.aborted, epochs: epoch };
  } finally {
    optimizer.dispose();
  }
}

/**
 * Draws the first images over their reconstructions on `reconstructions`, and 16 samples from
 * the prior (a fixed seed, so they change only as the model learns) on `samples`.
 */
export async function showImageResults(
  vae: VAE,
  images: tf.Tensor4D,
  reconstructions: HTMLCanvasElement,
  samples: HTMLCanvasElement,
): Promise<void> {
  const [n, height, width, channels] = images.shape;
  const shown = Math.min(SHOWN, n);
  const [pairs, drawn] = tf.tidy(() => {
    const originals = tf.slice(images, 0, shown);
    return [tf.concat([originals, vae.reconstruct(originals)], 0), vae.sample(SAMPLES, { seed: 1 })];
  });
  const [pairPixels, samplePixels] = await Promise.all([pairs.data(), drawn.data()]);
  tf.dispose([pairs, drawn]);
  const scale = Math.max(1, Math.floor(48 / height));
  drawImageGrid(reconstructions, pairPixels, { count: 2 * shown, height, width, channels, columns: shown, scale });
  drawImageGrid(samples, samplePixels, { count: SAMPLES, height, width, channels, columns: SAMPLES / 2, scale });
}
