import * as tf from '@tensorflow/tfjs-core';
import { toFloat, type TensorInput } from './convert';

/** Options of {@link klNormalStandard}. */
export interface KLNormalStandardOptions {
  /** 'sum' (default) adds the terms over the last axis; 'none' keeps one term per dimension. */
  reduce?: 'sum' | 'none';
}

/**
 * KL(N(loc, diag(exp(logVar))) || N(0, I)), the VAE's regularizer, in one
 * fused expression (no distribution objects, no validation: the hot path).
 * Equals `klDivergence(new Independent(Normal.fromLogVar(loc, logVar), 1),
 * new Independent(new Normal({ loc: 0, scale: 1 }), 1))`.
 *
 * ```
 * KL = 1/2 sum_i (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)
 *    = 1/2 sum_i (mu_i^2 + expm1(logVar_i) - logVar_i)      (no cancellation near sigma = 1)
 * ```
 *
 * @param loc - means mu, shape [...batch, d].
 * @param logVar - log-variances, same shape.
 * @returns shape [...batch] (or [...batch, d] with `reduce: 'none'`).
 * @example
 * ```ts
 * klNormalStandard([[0.5, -1, 2]], [[0.1, -0.7, 1.2]]); // [3.2859]
 * ```
 */
export function klNormalStandard(loc: TensorInput, logVar: TensorInput, { reduce = 'sum' }: KLNormalStandardOptions = {}): tf.Tensor {
  if (reduce !== 'sum' && reduce !== 'none') throw new Error(`klNormalStandard: reduce must be 'sum' or 'none', got ${String(reduce)}`);
  return tf.tidy(() => {
    const mu = toFloat(loc, 'loc', 'klNormalStandard');
    const lv = toFloat(logVar, 'logVar', 'klNormalStandard');
    if (mu.shape.join() !== lv.shape.join()) {
      throw new Error(
        `klNormalStandard: loc and logVar must have the same shape, got [${mu.shape.join(', ')}] and [${lv.shape.join(', ')}]`,
      );
    }
    const twice = tf.add(tf.square(mu), tf.sub(tf.expm1(lv), lv));
    // Halve after the sum: one multiplication per row instead of one per element.
    return tf.mul(reduce === 'sum' ? tf.sum(twice, -1) : twice, 0.5);
  });
}
