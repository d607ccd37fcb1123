// Internal: what the ELBO and log p(x) computations need from a VAE.
import type * as tf from '@tensorflow/tfjs-core';
import type { Likelihood } from './likelihood';

/** The three pieces of a VAE as tensor functions (all shapes 2-D: [rows, features]). */
export interface VaeParts {
  /** Size d of z. */
  readonly latentDim: number;
  /** Parameters of q(z|x): mean and log-variance, each [n, d]. */
  encodeParams(x: tf.Tensor): { mu: tf.Tensor; logVar: tf.Tensor };
  /** The decoder's raw output for z [m, d]: logits or mean, [m, D]. */
  decodeRaw(z: tf.Tensor): tf.Tensor;
  /** p(x|z) on the decoder's raw output. */
  readonly likelihood: Likelihood;
}
