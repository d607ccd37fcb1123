import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ContinuousBernoulli } from './index';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('ContinuousBernoulli against the closed forms (reference/prob.json)', () => {
  ref.continuousBernoulli.forEach((c: any) => {
    it(`probs ${c.params.probs}`, async () => {
      const d = new ContinuousBernoulli({ probs: c.params.probs });
      const lp = await expectNoLeaks(() => d.logProb(c.x));
      expectRef('cb.logProb', lp, c.logProb, { atol: 1e-6 });
      expectRef('cb.entropy', await expectNoLeaks(() => d.entropy()), c.entropy, { atol: 1e-6 });
      expectRef('cb.mean', await expectNoLeaks(() => d.mean()), c.mean);
      const byLogits = new ContinuousBernoulli({ logits: Math.log(c.params.probs / (1 - c.params.probs)) });
      expectRef('cb.fromLogits.logProb', byLogits.logProb(c.x), c.logProb, { atol: 1e-6 });
      tf.dispose(lp);
      d.dispose();
      byLogits.dispose();
    });
  });

  it('cdf(x) integrates the density: matches the trapezoid rule of prob on [0, x]', () => {
    for (const lambda of [0.2, 0.5, 0.9]) {
      const d = new ContinuousBernoulli({ probs: lambda });
      const n = 2000;
      const grid = Array.from({ length: n + 1 }, (_, i) => i / n);
      const dens = Array.from(d.prob(grid).dataSync());
      let area = 0;
      const cum = [0];
      for (let i = 1; i <= n; i++) cum.push((area += (dens[i - 1]! + dens[i]!) / (2 * n)));
      const at = [0.1, 0.3, 0.7, 1];
      expectClose(d.cdf(at), at.map((x) => cum[Math.round(x * n)]!), { rtol: backendTolerance(), atol: 1e-5 });
      d.dispose();
    }
  });

  it('rsample lies in [0, 1], its mean matches mean() within 5 standard errors, and gradients flow', () => {
    const d = new ContinuousBernoulli({ probs: 0.2 });
    const n = 4000;
    const x = d.rsample([n], { seed: 8 });
    const xs = Array.from(x.dataSync());
    expect(xs.every((v) => v >= 0 && v <= 1)).toBe(true);
    const m = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(d.variance().dataSync()[0]!);
    expect(Math.abs(m - d.mean().dataSync()[0]!)).toBeLessThan((5 * sd) / Math.sqrt(n));
    const f = (p: tf.Tensor) => tf.mean(new ContinuousBernoulli({ probs: p }).rsample([100], { seed: 8 }));
    const g = tf.grad(f)(tf.scalar(0.2));
    // central finite difference with the same noise (same seed)
    const h = 1e-3;
    const at = (v: number) => tf.tidy(() => f(tf.scalar(v)).dataSync()[0]!);
    expectClose(g, (at(0.2 + h) - at(0.2 - h)) / (2 * h), { rtol: 10 * backendTolerance() });
    expect(() => d.logProb([1.5])).toThrow(/value must be in the unit interval \[0, 1\], got 1.5/);
    tf.dispose([x, g]);
  });
});
