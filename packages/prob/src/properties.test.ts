import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bayes,
  Bernoulli,
  ContinuousBernoulli,
  crossEntropy,
  entropy,
  klDivergence,
  Laplace,
  Normal,
  Uniform,
  type Distribution,
} from './index';
import { backendTolerance } from '../../../tooling/testing';

/** Probability vectors of length 2-8 (some entries exactly 0). */
const probVector = fc
  .array(fc.oneof(fc.constant(0), fc.double({ min: 1e-6, max: 1, noNaN: true })), { minLength: 2, maxLength: 8 })
  .filter((xs) => xs.some((x) => x > 0))
  .map((xs) => {
    const s = xs.reduce((a, b) => a + b, 0);
    return xs.map((x) => x / s);
  });
const twoVectors = fc.integer({ min: 2, max: 8 }).chain((n) => {
  const v = fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: n, maxLength: n }).map((xs) => {
    const s = xs.reduce((a, b) => a + b, 0);
    return xs.map((x) => x / s);
  });
  return fc.tuple(v, v);
});
const real = fc.double({ min: -5, max: 5, noNaN: true });
const positive = fc.double({ min: 0.05, max: 5, noNaN: true });

describe('information identities on probability vectors (fast-check)', () => {
  it('KL >= 0, KL(p, p) = 0, H(p) <= log n, H(p, q) = H(p) + KL(p || q)', () => {
    fc.assert(
      fc.property(twoVectors, ([p, q]) => {
        const kl = klDivergence(p, q);
        expect(kl).toBeGreaterThanOrEqual(-1e-12);
        expect(Math.abs(klDivergence(p, p))).toBeLessThan(1e-12);
        expect(entropy(p)).toBeLessThanOrEqual(Math.log(p.length) + 1e-12);
        expect(crossEntropy(p, q)).toBeCloseTo(entropy(p) + kl, 9);
      }),
      { numRuns: 200, seed: 1 },
    );
  });

  it('H(p) <= log n also with zero entries; the posterior of bayes sums to 1', () => {
    fc.assert(
      fc.property(probVector, (p) => {
        expect(entropy(p)).toBeLessThanOrEqual(Math.log(p.length) + 1e-12);
        const likelihood = p.map((_, i) => ((i * 7919) % 10) / 10 + 0.05);
        const { posterior } = bayes({ prior: p, likelihood });
        expect(posterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }),
      { numRuns: 200, seed: 2 },
    );
  });
});

describe('distributions (fast-check over parameters)', () => {
  it('KL(Normal || Normal) >= 0 and KL(p, p) = 0', () => {
    fc.assert(
      fc.property(real, positive, real, positive, (m1, s1, m2, s2) => {
        const [p, q] = [new Normal({ loc: m1, scale: s1 }), new Normal({ loc: m2, scale: s2 })];
        const kl = klDivergence(p, q);
        const self = klDivergence(p, p);
        expect(kl.dataSync()[0]).toBeGreaterThanOrEqual(0);
        expect(self.dataSync()[0]).toBe(0);
        tf.dispose([kl, self]);
        p.dispose();
        q.dispose();
      }),
      { numRuns: 30, seed: 3 },
    );
  });

  it('prob = exp(logProb)', () => {
    fc.assert(
      fc.property(real, positive, fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (m, s, x, u) => {
        const dists: [Distribution, number][] = [
          [new Normal({ loc: m, scale: s }), x],
          [new Laplace({ loc: m, scale: s }), x],
          [new Bernoulli({ logits: m }), u > 0.5 ? 1 : 0],
          [new ContinuousBernoulli({ logits: m }), u],
        ];
        for (const [d, v] of dists) {
          const [lp, p] = [d.logProb([v]), d.prob([v])];
          const expected = Math.exp(lp.dataSync()[0]!);
          expect(Math.abs(p.dataSync()[0]! - expected)).toBeLessThanOrEqual(backendTolerance() * expected + 1e-30);
          tf.dispose([lp, p]);
          d.dispose();
        }
      }),
      { numRuns: 25, seed: 4 },
    );
  });

  it('sample mean and variance lie within 5 standard errors of mean() and variance()', () => {
    const n = 4000;
    fc.assert(
      fc.property(real, positive, fc.integer({ min: 0, max: 1e6 }), (m, s, seed) => {
        const dists: Distribution[] = [
          new Normal({ loc: m, scale: s }),
          new Laplace({ loc: m, scale: s }),
          new Uniform({ low: m, high: m + s }),
          new Bernoulli({ logits: m / 2 }),
          new ContinuousBernoulli({ logits: m }),
        ];
        for (const d of dists) {
          const x = d.sample([n], { seed });
          const xs = Array.from(x.dataSync());
          const mean = xs.reduce((a, b) => a + b, 0) / n;
          const m2 = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
          const m4 = xs.reduce((a, b) => a + (b - mean) ** 4, 0) / n;
          const [mu, v] = [d.mean().dataSync()[0]!, d.variance().dataSync()[0]!];
          const seMean = Math.sqrt(v / n);
          const seVar = Math.sqrt(Math.max(m4 - m2 * m2, 0) / n);
          const name = d.constructor.name;
          expect(Math.abs(mean - mu), `${name} mean`).toBeLessThanOrEqual(5 * seMean + 1e-6);
          expect(Math.abs(m2 - v), `${name} variance`).toBeLessThanOrEqual(5 * seVar + 1e-6);
          x.dispose();
          d.dispose();
        }
      }),
      { numRuns: 8, seed: 5 },
    );
  });
});
