// Internal: what the ELBO and log p(x) computations need from a VAE.
import type * as tf from '@tensorflow/tfjs-core';
import type { Likelihood } from '@elbo/prob';

/** The three pieces of a VAE as tensor functions (data [n, ...itemShape], codes [n, d]). */
export interface VaeParts {
  /** Size d of z. */
  readonly latentDim: number;
  /** Parameters of q(z|x) for x [n, ...itemShape]: mean and log-variance, each [n, d]. */
  encodeParams(x: tf.Tensor): { mu: tf.Tensor; logVar: tf.Tensor };
  /** The decoder's raw output for z [m, d]: logits or mean, [m, ...itemShape]. */
  decodeRaw(z: tf.Tensor): tf.Tensor;
  /** p(x|z) on the decoder's raw output. */
  readonly likelihood: Likelihood;
}
