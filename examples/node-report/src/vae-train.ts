import * as tf from '@tensorflow/tfjs-core';
import type { MnistArrays } from '@elbo/datasets';
import { VAE, convDecoder, convEncoder, mlp } from '@elbo/vae';
import type { FitCallbacks, VAEHistory } from '@elbo/vae';
import { foldIn } from '@elbo/prob';

export const VAE_BATCH = 128;

/** Which VAE: the pytorch/examples MLP, or the Keras example's convolutional layers. */
export type VaeKind = 'mlp' | 'conv';

/**
 * The pytorch/examples VAE: 784-400-latent with ReLU, Bernoulli decoder on the grey levels; or
 * (`'conv'`) the Keras VAE example's convolutional encoder and decoder on 28 x 28 x 1 images.
 */
export function buildVae(latentDim: number, seed: number, kind: VaeKind = 'mlp'): VAE {
  if (kind === 'conv') {
    return new VAE({
      encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 2 * latentDim, seed }),
      decoder: convDecoder({ inputDim: latentDim, outputShape: [28, 28, 1], seed: foldIn(seed, 1) }),
      likelihood: 'bernoulli',
    });
  }
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
  const x = modelInput(vae, train);
  const xTest = modelInput(vae, test);
  try {
    return await vae.fit(x, { epochs, batchSize: VAE_BATCH, seed, validationData: xTest, callbacks });
  } finally {
    tf.dispose([x, xTest]);
  }
}

/** Digits as the model takes them: rows of 784, or 28 x 28 x 1 images for a convolutional model. */
export function modelInput(vae: VAE, digits: MnistArrays): tf.Tensor {
  const shape = vae.inputShape ?? [digits.shape[1]];
  return tf.tensor(digits.images, [digits.shape[0], ...shape]);
}
