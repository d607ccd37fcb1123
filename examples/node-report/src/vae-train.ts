import * as tf from '@tensorflow/tfjs-core';
import type { MnistArrays } from '@elbo/datasets';
import { VAE, mlp } from '@elbo/vae';
import type { FitCallbacks, VAEHistory } from '@elbo/vae';
import { foldIn } from '@elbo/prob';

export const VAE_BATCH = 128;

/** The pytorch/examples VAE: 784-400-latent with ReLU, Bernoulli decoder on the grey levels. */
export function buildVae(latentDim: number, seed: number): VAE {
  return new VAE({
    encoder: mlp([784, 400, 2 * latentDim], { activation: 'relu', seed }),
    decoder: mlp([latentDim, 400, 784], { activation: 'relu', seed: foldIn(seed, 1) }),
    latentDim,
    likelihood: 'bernoulli',
  });
}

/** Trains it with Adam (batch 128) on the training digits, the test digits as validation. */
export async function fitVae(
  vae: VAE,
  train: MnistArrays,
  test: MnistArrays,
  { epochs, seed, callbacks }: { epochs: number; seed: number; callbacks: FitCallbacks },
): Promise<VAEHistory> {
  const x = tf.tensor2d(train.images, train.shape);
  const xTest = tf.tensor2d(test.images, test.shape);
  try {
    return await vae.fit(x, { epochs, batchSize: VAE_BATCH, seed, validationData: xTest, callbacks });
  } finally {
    tf.dispose([x, xTest]);
  }
}
