// What a saved VAE holds besides its layers: the format name, and the likelihood as stored by every version.
import type * as tf from '@tensorflow/tfjs-core';
import type { LikelihoodSpec } from '@elbo/prob';

/**
 * The record format `VAE.save` writes (and the previous versions wrote).
 * @example
 * ```ts
 * VAE_FORMAT; // 'elbo/vae'
 * ```
 */
export const VAE_FORMAT = 'elbo/vae';

/** The likelihood config as stored: `{ name, sigma?, learnSigma?, eventRank? }` (eventRank since @elbo/nn records). */
export interface StoredLikelihood {
  name?: string;
  sigma?: number;
  learnSigma?: boolean;
  eventRank?: number;
}

/** The likelihood spec of a stored config; a learned sigma comes from the weight `likelihood/logSigma`. */
export function storedLikelihood(stored: StoredLikelihood | undefined, logSigma: tf.Tensor | undefined): LikelihoodSpec {
  if (stored == null || typeof stored !== 'object')
    throw new Error(`the record's likelihood must be { name, sigma?, learnSigma? }, got ${String(stored)}`);
  if (stored.name !== 'gaussian') return stored.name as LikelihoodSpec;
  const learnSigma = stored.learnSigma === true;
  if (learnSigma && logSigma == null) throw new Error('the learned likelihood sigma (likelihood/logSigma) is missing');
  const sigma = logSigma == null ? (stored.sigma ?? 1) : Math.exp(logSigma.dataSync()[0]!);
  return { name: 'gaussian', sigma, learnSigma };
}
