/**
 * Where the training images' scores lie: the reference that typicality is measured against.
 * @example
 * ```ts
 * const reference: ScoreReference = { mean: -1050, sd: 120, images: 2000 };
 * ```
 */
export interface ScoreReference {
  mean: number;
  sd: number;
  /** How many training images the mean and sd were taken over. */
  images: number;
}

/**
 * The mean and standard deviation of the training images' scores.
 * @example
 * ```ts
 * scoreReference([1, 2, 3]); // { mean: 2, sd: 1, images: 3 }
 * ```
 */
export function scoreReference(scores: ArrayLike<number>): ScoreReference {
  const n = scores.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i]! / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (scores[i]! - mean) ** 2;
  return { mean, sd: Math.sqrt(squares / Math.max(1, n - 1)), images: n };
}

/**
 * Typicality, higher = more typical: `-|score - mean| / sd` over the training images' scores
 * (the one-image typicality test of Nalisnick et al. 2019). A raw log-likelihood ranks the
 * simplest images (flat colour, a small mark on white) highest, above every training image; their
 * likelihood is atypically high, and this ranks them as atypical as the atypically low.
 * @example
 * ```ts
 * typicality([-1050, -400], { mean: -1050, sd: 100, images: 2000 }); // [-0, -6.5]
 * ```
 */
export function typicality(scores: ArrayLike<number>, reference: ScoreReference): Float64Array {
  const sd = reference.sd > 0 ? reference.sd : 1;
  return Float64Array.from({ length: scores.length }, (_, i) => -Math.abs(scores[i]! - reference.mean) / sd);
}
