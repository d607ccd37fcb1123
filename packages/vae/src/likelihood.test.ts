import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { backendTolerance, expectClose, expectNoLeaks, floatEpsilon, loadReference } from '../../../tooling/testing';
import { Likelihood } from './likelihood';

const ref = loadReference('prob');
const col = (v: number[]) => tf.tensor2d(v, [v.length, 1]);
const created: Likelihood[] = [];
afterAll(() => created.forEach((l) => l.dispose()));

describe('Likelihood', () => {
  it('bernoulli logProb equals the reference Bernoulli log-probs, extreme logits included', () => {
    const lik = new Likelihood('bernoulli');
    for (const c of ref.bernoulli as { params: { logits: number }; logProb: Record<string, number> }[]) {
      const lp = lik.logProb(col([0, 1]), col([c.params.logits, c.params.logits]));
      expectClose(lp, [c.logProb['0']!, c.logProb['1']!], { rtol: backendTolerance(), atol: 1e-6 });
      lp.dispose();
    }
  });

  it('continuous-bernoulli logProb and mean equal the reference values', async () => {
    const lik = new Likelihood('continuous-bernoulli');
    for (const c of ref.continuousBernoulli as { params: { probs: number }; x: number[]; logProb: number[]; mean: number }[]) {
      const l = Math.log(c.params.probs / (1 - c.params.probs));
      const out = col(c.x.map(() => l));
      const x = col(c.x);
      const lp = await expectNoLeaks(() => lik.logProb(x, out));
      expectClose(lp, c.logProb, { rtol: backendTolerance(), atol: 1e-5 });
      expectClose(lik.mean(tf.scalar(l)), [c.mean], { rtol: backendTolerance() });
      tf.dispose([out, x, lp]);
    }
  });

  it('continuous-bernoulli logProb has the finite-difference gradient in the logits, near 0 and away from it', () => {
    const lik = new Likelihood('continuous-bernoulli');
    const x = tf.tensor2d([[0.3, 0.8, 0.5]]);
    const l = [-2, 0.05, 3];
    const g = tf.grad((out: tf.Tensor) => lik.logProb(x, out))(tf.tensor2d([l])).dataSync();
    const f = (v: number[]) => lik.logProb(x, tf.tensor2d([v])).dataSync()[0]!;
    const h = 1e-2;
    l.forEach((_, i) => {
      const up = l.map((v, j) => (j === i ? v + h : v));
      const down = l.map((v, j) => (j === i ? v - h : v));
      expectClose(g[i]!, (f(up) - f(down)) / (2 * h), { rtol: 0.02, atol: 2e-3 });
    });
  });

  it('continuous-bernoulli draws have the reference mean', () => {
    const lik = new Likelihood('continuous-bernoulli');
    const l = Math.log(0.2 / 0.8);
    const draws = lik.sample(tf.fill([20000], l), 3);
    expect(tf.min(draws).dataSync()[0]!).toBeGreaterThanOrEqual(0);
    expectClose(tf.mean(draws).dataSync()[0]!, 0.38801418711114843, { atol: 0.01 });
  });

  it('continuous-bernoulli mean and draws match float64 at tiny and large logits', () => {
    const lik = new Likelihood('continuous-bernoulli');
    const logits = [-100, -40, -2, -0.02, -0.005, 0, 0.0101, 0.3, 16, 40];
    const at = logits.map((v) => Math.fround(v));
    const eps = floatEpsilon();
    // E[X] = 1 / -expm1(-l) - 1/l (1/2 at l = 0)
    expectClose(lik.mean(tf.tensor(logits)), at.map((l) => (l === 0 ? 0.5 : 1 / -Math.expm1(-l) - 1 / l)), { rtol: 8 * eps });
    // a draw is the inverse cdf log1p(u expm1(l)) / l of the uniforms of the same seed
    const out = tf.tile(tf.tensor2d([logits]), [20, 1]);
    const draws = Array.from(lik.sample(out, 5).dataSync());
    const u = Array.from(tf.randomUniform(out.shape, 0, 1, 'float32', 5).dataSync());
    const expected = u.map((v, i) => {
      const l = at[i % logits.length]!;
      return l === 0 ? v : Math.log1p(v * Math.expm1(l)) / l;
    });
    expectClose(draws, expected, { rtol: 8 * eps, atol: 4 * eps });
    out.dispose();
  });

  it('gaussian logProb equals the reference Normal log-probs, fixed and learned sigma', () => {
    const c = (ref.normal as { params: { loc: number; scale: number }; x: number[]; logProb: number[] }[])[1]!;
    const fixed = new Likelihood({ name: 'gaussian', sigma: c.params.scale });
    const learned = new Likelihood({ name: 'gaussian', sigma: c.params.scale, learnSigma: true });
    created.push(learned);
    for (const lik of [fixed, learned]) {
      expectClose(lik.logProb(col(c.x), tf.fill([7, 1], c.params.loc)), c.logProb, { rtol: backendTolerance() });
    }
    expect(learned.trainableVariables).toHaveLength(1);
    expect(fixed.trainableVariables).toHaveLength(0);
    expectClose(learned.getConfig().sigma!, c.params.scale, { rtol: 1e-6 });
  });

  it('distribution() is the same p(x|z) as an @elbo/prob distribution', () => {
    const out = tf.tensor2d([[-2, 0.3, 4], [1, -0.5, 0]]);
    const x = tf.tensor2d([[0, 0.2, 1], [0.9, 0.5, 0]]);
    for (const spec of ['bernoulli', 'continuous-bernoulli', { name: 'gaussian', sigma: 0.4 }] as const) {
      const lik = new Likelihood(spec);
      const d = lik.distribution(out);
      expect(d.eventShape).toEqual([3]);
      expectClose(d.logProb(x), Array.from(lik.logProb(x, out).dataSync()), { rtol: backendTolerance(), atol: 1e-5 });
      d.dispose();
    }
    tf.dispose([out, x]);
  });

  it('rejects unknown names and non-positive sigma, naming the argument', () => {
    expect(() => new Likelihood('poisson' as never)).toThrow(/likelihood must be 'bernoulli', 'gaussian' or 'continuous-bernoulli', got "poisson"/);
    expect(() => new Likelihood({ name: 'gaussian', sigma: -1 })).toThrow(/sigma must be > 0, got -1/);
  });
});
