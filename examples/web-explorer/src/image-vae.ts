// The convolutional VAE the explorer trains on the user's own images.
import * as tf from '@tensorflow/tfjs-core';
import { foldIn } from '@elbo/prob';
import { VAE, convDecoder, convEncoder } from '@elbo/vae';

/** Size of z for the user's images: more than the digits' 2, since colour photos vary more. */
export const IMAGE_LATENT_DIM = 16;

/**
 * A fresh convolutional VAE for `images` [n, h, w, c] in [0, 1] (Bernoulli likelihood, latent 16).
 * The decoder's last bias starts at the log-odds of the images' mean colour, so the first
 * reconstructions and samples already have the data's colours instead of sigmoid(0) grey, and
 * training spends its first steps on shapes rather than on the average tint.
 * @example
 * ```ts
 * const vae = imageVae(images, 0);
 * await vae.fit(images, { epochs: 10 });
 * ```
 */
export function imageVae(images: tf.Tensor4D, seed: number): VAE {
  const [, height, width, channels] = images.shape;
  const decoder = convDecoder({ inputDim: IMAGE_LATENT_DIM, outputShape: [height, width, channels], seed: foldIn(seed, 1) });
  const last = decoder.layers[decoder.layers.length - 1] as { bias?: tf.Variable | null };
  if (last.bias != null) {
    const logOdds = tf.tidy(() => {
      const mean = tf.clipByValue(tf.mean(images, [0, 1, 2]), 0.02, 0.98);
      return tf.log(tf.div(mean, tf.sub(1, mean)));
    });
    last.bias.assign(logOdds);
    logOdds.dispose();
  }
  return new VAE({
    encoder: convEncoder({ inputShape: [height, width, channels], outputDim: 2 * IMAGE_LATENT_DIM, seed }),
    decoder,
    likelihood: 'bernoulli',
  });
}
