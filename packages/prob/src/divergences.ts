import * as tf from '@tensorflow/tfjs-core';
import { Distribution } from './distribution';
import { crossEntropyOfVectors, entropyOfVector, klOfVectors } from './information';
import { klDistributions, type MonteCarloKL, type MonteCarloKLOptions } from './kl';
import { unit, type InformationOptions, type ProbabilityInput } from './vectors';

/**
 * Kullback-Leibler divergence KL(p || q): the expected extra nats paid for
 * coding samples of p with a code built for q. Always >= 0, 0 only when p = q.
 *
 * ```
 * KL(p || q) = E_p[log p(x) - log q(x)]        (= sum_i p_i log(p_i / q_i) for vectors)
 * ```
 *
 * - Two distributions: the closed form registered for their class pair
 *   (see `registerKL`), a tensor of shape broadcast(p.batchShape, q.batchShape).
 * - Two distributions with `{ samples, seed }`: a Monte Carlo estimate,
 *   `{ value, standardError }` (tensors of that shape).
 * - Two probability vectors (arrays or tensors): a number, with
 *   0 log(0 / q) = 0 and Infinity where q_i = 0 < p_i; `{ base: 2 }` for bits.
 *
 * @example
 * ```ts
 * klDivergence([0.5, 0.5], [0.9, 0.1]);                       // 0.5108 nats
 * klDivergence(new Normal({ loc: 1, scale: 2 }), new Normal({ loc: 0, scale: 1 })); // tensor 1.3069
 * const { value, standardError } = klDivergence(p, q, { samples: 1000, seed: 1 });
 * ```
 */
export function klDivergence(p: Distribution, q: Distribution): tf.Tensor;
export function klDivergence(p: Distribution, q: Distribution, options: MonteCarloKLOptions): MonteCarloKL;
export function klDivergence(p: ProbabilityInput, q: ProbabilityInput, options?: InformationOptions): number;
export function klDivergence(
  p: Distribution | ProbabilityInput,
  q: Distribution | ProbabilityInput,
  options?: MonteCarloKLOptions | InformationOptions,
): tf.Tensor | MonteCarloKL | number {
  if (p instanceof Distribution) return klDistributions(p, q as Distribution, options as MonteCarloKLOptions | undefined);
  if (q instanceof Distribution) throw new TypeError('klDivergence: p must be a Distribution when q is one');
  return klOfVectors(p, q, options as InformationOptions | undefined);
}

/**
 * Entropy: the average information content of an outcome.
 *
 * ```
 * H(p) = -sum_i p_i log p_i          (0 log 0 = 0)
 * ```
 *
 * @param p - a probability vector (array or tensor) or a Distribution.
 * @returns a number for a vector; for a distribution `p.entropy()`, a tensor of shape batchShape.
 * @example
 * ```ts
 * entropy([0.5, 0.5], { base: 2 }); // 1 bit
 * entropy([1, 0]);                  // 0
 * ```
 */
export function entropy(p: Distribution, options?: InformationOptions): tf.Tensor;
export function entropy(p: ProbabilityInput, options?: InformationOptions): number;
export function entropy(p: Distribution | ProbabilityInput, options: InformationOptions = {}): tf.Tensor | number {
  if (p instanceof Distribution) {
    const k = unit('entropy', options.base);
    return tf.tidy(() => tf.mul(p.entropy(), k));
  }
  return entropyOfVector(p, options);
}

/**
 * Cross-entropy: the average nats to code outcomes of p with a code built for q.
 *
 * ```
 * H(p, q) = -sum_i p_i log q_i = H(p) + KL(p || q)
 * ```
 *
 * @param p - probability vector or Distribution.
 * @param q - probability vector of the same length, or a Distribution.
 * @returns a number for vectors (Infinity where q_i = 0 < p_i); for distributions
 *   the tensor `p.entropy() + klDivergence(p, q)` of the broadcast batch shape.
 * @example
 * ```ts
 * crossEntropy([0.5, 0.5], [0.9, 0.1]); // 1.2040 nats
 * ```
 */
export function crossEntropy(p: Distribution, q: Distribution, options?: InformationOptions): tf.Tensor;
export function crossEntropy(p: ProbabilityInput, q: ProbabilityInput, options?: InformationOptions): number;
export function crossEntropy(
  p: Distribution | ProbabilityInput,
  q: Distribution | ProbabilityInput,
  options: InformationOptions = {},
): tf.Tensor | number {
  if (p instanceof Distribution) {
    if (!(q instanceof Distribution)) throw new TypeError('crossEntropy: q must be a Distribution when p is one');
    const k = unit('crossEntropy', options.base);
    return tf.tidy(() => tf.mul(tf.add(p.entropy(), klDistributions(p, q) as tf.Tensor), k));
  }
  if (q instanceof Distribution) throw new TypeError('crossEntropy: p must be a Distribution when q is one');
  return crossEntropyOfVectors(p, q, options);
}
