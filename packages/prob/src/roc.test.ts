import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auroc, rocCurve, thresholdAtFalsePositiveRate } from './index';

// The definition, pair by pair: the oracle for the rank-based computation.
function pairwiseAuroc(a: number[], o: number[]): number {
  let s = 0;
  for (const x of a) for (const y of o) s += y > x ? 1 : y === x ? 0.5 : 0;
  return s / (a.length * o.length);
}

// Trapezoids under the ROC curve: equals the AUROC with ties counted one half.
function areaUnder(fpr: Float64Array, tpr: Float64Array): number {
  let s = 0;
  for (let i = 1; i < fpr.length; i++) s += ((fpr[i]! - fpr[i - 1]!) * (tpr[i]! + tpr[i - 1]!)) / 2;
  return s;
}

// Small integers make ties common, which is where rank arithmetic goes wrong.
const scores = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 30 });

describe('auroc', () => {
  it('is the pairwise probability that an outlier outscores an inlier, ties one half', () => {
    expect(auroc([0.1, 0.2, 0.3], [0.25, 0.9])).toBeCloseTo(5 / 6, 15);
    expect(auroc([1, 2], [3, 4])).toBe(1);
    expect(auroc([3, 4], [1, 2])).toBe(0);
    expect(auroc([1, 1], [1, 1, 1])).toBe(0.5);
    fc.assert(
      fc.property(scores, scores, (a, o) => Math.abs(auroc(a, o) - pairwiseAuroc(a, o)) < 1e-12),
      { seed: 7, numRuns: 300 },
    );
  });

  it('takes typed arrays and does not change them', () => {
    const a = new Float32Array([0.5, 0.1, 0.3]);
    const o = new Float64Array([0.4, 0.2]);
    expect(auroc(a, o)).toBeCloseTo(pairwiseAuroc(Array.from(a), Array.from(o)), 12);
    expect(Array.from(a)).toEqual([0.5, 0.1, 0.3].map(Math.fround));
    expect(Array.from(o)).toEqual([0.4, 0.2]);
  });

  it('names the side that is empty, not finite or not scores', () => {
    expect(() => auroc([], [1])).toThrow('auroc: inlierScores must hold at least one score, got an empty one');
    expect(() => auroc([1], new Float64Array(0))).toThrow('auroc: outlierScores must hold at least one score');
    expect(() => auroc([1, Number.NaN], [1])).toThrow('auroc: inlierScores must hold finite numbers, got number NaN at index 1');
    expect(() => auroc([1], [2, Infinity])).toThrow('auroc: outlierScores must hold finite numbers, got number Infinity at index 1');
    expect(() => auroc('12' as never, [1])).toThrow(
      'auroc: inlierScores must be an array, Float32Array or Float64Array of scores, got string',
    );
    expect(() => auroc([1], null as never)).toThrow('auroc: outlierScores must be an array');
  });
});

describe('rocCurve', () => {
  it('steps through every distinct score from (0, 0) to (1, 1)', () => {
    const roc = rocCurve([0.1, 0.2], [0.15, 0.9]);
    expect(Array.from(roc.falsePositiveRate)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(roc.truePositiveRate)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(Array.from(roc.thresholds)).toEqual([Infinity, 0.9, 0.2, 0.15, 0.1]);
  });

  it('has the AUROC as its area, ties included', () => {
    fc.assert(
      fc.property(scores, scores, (a, o) => {
        const roc = rocCurve(a, o);
        const monotone = roc.falsePositiveRate.every((v, i) => i === 0 || v >= roc.falsePositiveRate[i - 1]!);
        return monotone && Math.abs(areaUnder(roc.falsePositiveRate, roc.truePositiveRate) - auroc(a, o)) < 1e-12;
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it('rejects an empty side', () => {
    expect(() => rocCurve([1], [])).toThrow('rocCurve: outlierScores must hold at least one score');
  });
});

describe('thresholdAtFalsePositiveRate', () => {
  it('flags at most the rate asked for, and says the rate it achieves', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(thresholdAtFalsePositiveRate(ten, 0.2)).toEqual({ threshold: 8, falsePositiveRate: 0.2 });
    expect(thresholdAtFalsePositiveRate(ten, 0.25)).toEqual({ threshold: 8, falsePositiveRate: 0.2 });
    expect(thresholdAtFalsePositiveRate(ten, 0.05)).toEqual({ threshold: 10, falsePositiveRate: 0 });
    // a tie across the cut: flagging any 7 would flag all three, so the rate falls to what is achievable
    expect(thresholdAtFalsePositiveRate([1, 2, 7, 7, 7, 9], 0.4)).toEqual({ threshold: 7, falsePositiveRate: 1 / 6 });
    fc.assert(
      fc.property(scores, fc.double({ min: 0.001, max: 0.999, noNaN: true }), (a, rate) => {
        const { threshold, falsePositiveRate } = thresholdAtFalsePositiveRate(a, rate);
        const flagged = a.filter((v) => v > threshold).length / a.length;
        return flagged === falsePositiveRate && flagged <= rate + 1e-12 && a.includes(threshold);
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('rejects a rate outside (0, 1) and bad scores, naming them', () => {
    for (const rate of [0, 1, -0.1, 1.5, Number.NaN, '0.1']) {
      expect(() => thresholdAtFalsePositiveRate([1, 2], rate as number)).toThrow(
        /^thresholdAtFalsePositiveRate: falsePositiveRate must be a number in \(0, 1\), got /,
      );
    }
    expect(() => thresholdAtFalsePositiveRate([], 0.1)).toThrow('thresholdAtFalsePositiveRate: inlierScores must hold at least one score');
  });
});
