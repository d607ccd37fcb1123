import * as tf from '@tensorflow/tfjs-core';
import { Independent, Normal } from '@elbo/prob';

/**
 * q(z|x) = N(mu, diag(exp(logVar))) as an `Independent(Normal)` from
 * @elbo/prob (event axis: the latent one), keeping the encoder's `mu` and
 * `logVar`. It owns them: `dispose()` frees everything.
 *
 * @example
 * ```ts
 * const q = vae.encode(x);        // batchShape [n], eventShape [d]
 * const z = q.rsample([], { seed: 1 }); // [n, d], differentiable
 * q.dispose();
 * ```
 */
export class Posterior extends Independent {
  /** Means, [n, d]. */
  readonly mu: tf.Tensor2D;
  /** Log-variances, [n, d]. */
  readonly logVar: tf.Tensor2D;

  constructor(mu: tf.Tensor2D, logVar: tf.Tensor2D) {
    super(Normal.fromLogVar(mu, logVar, { validateArgs: false }), 1);
    this.mu = mu;
    this.logVar = logVar;
  }

  /** Frees the distribution and its mean and log-variance. */
  override dispose(): void {
    super.dispose();
    tf.dispose([this.mu, this.logVar]);
  }
}
