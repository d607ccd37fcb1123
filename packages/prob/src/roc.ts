// Telling two sets apart by a score: the ROC curve, its area, and a threshold for a false-positive rate.
import { describeValue } from './convert';

/**
 * Scores of one set: higher means "more like an outlier" (the positive class).
 * @example
 * ```ts
 * const scores: ScoreInput = new Float64Array([0.1, 2.5, 0.7]);
 * ```
 */
export type ScoreInput = readonly number[] | Float32Array | Float64Array;

/**
 * The ROC curve of a score: one point per distinct threshold, from (0, 0) to (1, 1).
 * @example
 * ```ts
 * const { falsePositiveRate, truePositiveRate } = rocCurve(inlierScores, outlierScores);
 * ```
 */
export interface RocCurve {
  /** Fraction of inliers with score >= thresholds[i]. Non-decreasing, first 0, last 1. */
  falsePositiveRate: Float64Array;
  /** Fraction of outliers with score >= thresholds[i]. Non-decreasing, first 0, last 1. */
  truePositiveRate: Float64Array;
  /** Thresholds, decreasing; the first is +Infinity (flag nothing). */
  thresholds: Float64Array;
}

/**
 * A threshold on a score and the false-positive rate it gives on the scores it was chosen from.
 * @example
 * ```ts
 * const { threshold, falsePositiveRate } = thresholdAtFalsePositiveRate(heldOutInlierScores, 0.05);
 * ```
 */
export interface ScoreThreshold {
  /** Flag an image as an outlier when its score is > threshold. */
  threshold: number;
  /** Fraction of the given inlier scores above the threshold (<= the rate asked for). */
  falsePositiveRate: number;
}

function checkScores(scores: unknown, name: string, caller: string): Float64Array {
  if (!Array.isArray(scores) && !(scores instanceof Float32Array) && !(scores instanceof Float64Array))
    throw new TypeError(`${caller}: ${name} must be an array, Float32Array or Float64Array of scores, got ${describeValue(scores)}`);
  if (scores.length === 0) throw new Error(`${caller}: ${name} must hold at least one score, got an empty one`);
  const values = Float64Array.from(scores as ArrayLike<number>);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0)
    throw new Error(
      `${caller}: ${name} must hold finite numbers, got ${describeValue((scores as ArrayLike<unknown>)[bad])} at index ${bad}`,
    );
  return values;
}

/**
 * Area under the ROC curve: the probability that a random outlier scores
 * above a random inlier, ties counting one half (the Mann-Whitney U statistic
 * over the number of pairs). 1 separates perfectly, 0.5 is chance, 0 is
 * perfectly backwards (the score ranks outliers as the most typical).
 *
 * ```
 * AUROC = (1 / (n m)) sum_i sum_j [ o_j > a_i ] + 1/2 [ o_j = a_i ]
 * ```
 *
 * Computed from ranks in O((n + m) log(n + m)).
 *
 * @param inlierScores - scores of data like the training set (the negatives).
 * @param outlierScores - scores of data that is not (the positives).
 * @example
 * ```ts
 * auroc([0.1, 0.2, 0.3], [0.25, 0.9]); // 5/6
 * ```
 */
export function auroc(inlierScores: ScoreInput, outlierScores: ScoreInput): number {
  const a = checkScores(inlierScores, 'inlierScores', 'auroc');
  const o = checkScores(outlierScores, 'outlierScores', 'auroc');
  // Mid-ranks of the pooled scores; the outliers' rank sum gives U.
  const pooled = [...Array.from(a, (v) => ({ v, outlier: false })), ...Array.from(o, (v) => ({ v, outlier: true }))];
  pooled.sort((p, q) => p.v - q.v);
  let rankSum = 0;
  for (let i = 0; i < pooled.length;) {
    let j = i;
    while (j < pooled.length && pooled[j]!.v === pooled[i]!.v) j++;
    const midRank = (i + 1 + j) / 2; // ranks i+1..j share their mean
    for (let k = i; k < j; k++) if (pooled[k]!.outlier) rankSum += midRank;
    i = j;
  }
  const u = rankSum - (o.length * (o.length + 1)) / 2;
  return u / (a.length * o.length);
}

/**
 * The ROC curve: flagging every score >= t as an outlier, the false-positive
 * rate (inliers flagged) against the true-positive rate (outliers flagged),
 * for each distinct score t (and t = +Infinity, which flags nothing).
 *
 * @param inlierScores - scores of data like the training set.
 * @param outlierScores - scores of outliers.
 * @example
 * ```ts
 * const roc = rocCurve([0.1, 0.2], [0.15, 0.9]);
 * roc.falsePositiveRate; // [0, 0, 0.5, 0.5, 1]
 * roc.truePositiveRate;  // [0, 0.5, 0.5, 1, 1]
 * ```
 */
export function rocCurve(inlierScores: ScoreInput, outlierScores: ScoreInput): RocCurve {
  const a = checkScores(inlierScores, 'inlierScores', 'rocCurve');
  const o = checkScores(outlierScores, 'outlierScores', 'rocCurve');
  const pooled = [...Array.from(a, (v) => ({ v, outlier: false })), ...Array.from(o, (v) => ({ v, outlier: true }))];
  pooled.sort((p, q) => q.v - p.v);
  const fpr = [0];
  const tpr = [0];
  const thresholds = [Infinity];
  let fp = 0;
  let tp = 0;
  for (let i = 0; i < pooled.length;) {
    const t = pooled[i]!.v;
    for (; i < pooled.length && pooled[i]!.v === t; i++) {
      if (pooled[i]!.outlier) tp++;
      else fp++;
    }
    fpr.push(fp / a.length);
    tpr.push(tp / o.length);
    thresholds.push(t);
  }
  return { falsePositiveRate: Float64Array.from(fpr), truePositiveRate: Float64Array.from(tpr), thresholds: Float64Array.from(thresholds) };
}

/**
 * The lowest threshold whose false-positive rate on `inlierScores` is at most
 * `falsePositiveRate`: flag a new image when its score is above it. Choose it
 * on held-out data like the training set (not the data a score was fitted
 * on, which it flatters), and never on outliers. With ties or few scores the
 * achieved rate can be below the one asked for; it is returned.
 *
 * @param inlierScores - scores of held-out data like the training set.
 * @param falsePositiveRate - the largest fraction of such data to flag, in (0, 1).
 * @example
 * ```ts
 * thresholdAtFalsePositiveRate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.2); // { threshold: 8, falsePositiveRate: 0.2 }
 * ```
 */
export function thresholdAtFalsePositiveRate(inlierScores: ScoreInput, falsePositiveRate: number): ScoreThreshold {
  const caller = 'thresholdAtFalsePositiveRate';
  const a = checkScores(inlierScores, 'inlierScores', caller);
  if (typeof falsePositiveRate !== 'number' || !(falsePositiveRate > 0 && falsePositiveRate < 1))
    throw new RangeError(`${caller}: falsePositiveRate must be a number in (0, 1), got ${describeValue(falsePositiveRate)}`);
  const sorted = a.slice().sort((p, q) => q - p); // descending
  // Flag the k highest, k = floor(rate n); a tie across the cut pulls the threshold up to the tied value.
  const k = Math.floor(falsePositiveRate * a.length + 1e-9);
  const threshold = k === 0 ? sorted[0]! : sorted[k]!;
  let above = 0;
  for (const v of a) if (v > threshold) above++;
  return { threshold, falsePositiveRate: above / a.length };
}
