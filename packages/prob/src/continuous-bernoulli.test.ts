import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { ContinuousBernoulli } from './index';
import { backendTolerance, expectClose, expectNoLeaks, floatEpsilon } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';
import { oracle } from './testing/cb-oracle';

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
      expectClose(
        d.cdf(at),
        at.map((x) => cum[Math.round(x * n)]!),
        { rtol: backendTolerance(), atol: 1e-5 },
      );
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

describe('ContinuousBernoulli({ logits }) at large and tiny logits, against float64', () => {
  const logits = [-100, -40, -16, -1e-3, 0, 1e-3, 16, 40, 100];
  const xs = [0, 0.1, 0.5, 0.9, 1];
  const grid = logits.flatMap((l) => xs.map((x) => [l, x] as const));
  // float32 inputs: the logits and x as the tensors hold them
  const f32 = (v: number) => Math.fround(v);

  it('log C, logProb and its gradient in the logits', async () => {
    const d = new ContinuousBernoulli({ logits: grid.map(([l]) => l) });
    const lp = await expectNoLeaks(() => d.logProb(grid.map(([, x]) => x)));
    // Old code clipped lambda to [eps, 1 - eps]: log C was ~0.9 nats off at logit -40.
    const expected = grid.map(([l, x]) => oracle.logProb(f32(l), f32(x)));
    // softplus(l) - x l carries float32 rounding of about eps |l| in absolute terms.
    const atol = grid.map(([l]) => 4 * floatEpsilon() * Math.max(1, Math.abs(l)));
    Array.from(lp.dataSync()).forEach((v, i) => expectClose(v, expected[i]!, { rtol: 8 * floatEpsilon(), atol: atol[i]! }));
    const l = tf.tensor(grid.map(([v]) => v));
    const g = tf.grad((t: tf.Tensor) => tf.sum(new ContinuousBernoulli({ logits: t }).logProb(grid.map(([, x]) => x))))(l);
    expectClose(
      g,
      grid.map(([v, x]) => oracle.dLogProb(f32(v), f32(x))),
      { rtol: 8 * floatEpsilon(), atol: 4 * floatEpsilon() },
    );
    tf.dispose([lp, l, g]);
    d.dispose();
  });

  it('mean, variance and entropy', async () => {
    const d = new ContinuousBernoulli({ logits });
    const at = logits.map(f32);
    expectClose(await expectNoLeaks(() => d.mean()), at.map(oracle.mean), { rtol: 8 * floatEpsilon() });
    expectClose(d.variance(), at.map(oracle.variance), { rtol: 32 * floatEpsilon() });
    expectClose(d.entropy(), at.map(oracle.entropy), { rtol: 32 * floatEpsilon(), atol: 4 * floatEpsilon() });
    d.dispose();
  });

  it('cdf, and rsample as the inverse cdf of the same uniforms, with its gradient', () => {
    const d = new ContinuousBernoulli({ logits: grid.map(([l]) => l) });
    const cdf = d.cdf(grid.map(([, x]) => x));
    expectClose(
      cdf,
      grid.map(([l, x]) => oracle.cdf(f32(l), f32(x))),
      { rtol: 8 * floatEpsilon(), atol: 1e-30 },
    );
    const seed = 11;
    const n = 50;
    const lt = tf.tensor(logits);
    const x = new ContinuousBernoulli({ logits: lt }).rsample([n], { seed });
    const u = tf.randomUniform([n, logits.length], 0, 1, 'float32', seed);
    const uu = Array.from(u.dataSync());
    // samples near an end have absolute (not relative) float32 precision
    expectClose(
      x,
      uu.map((v, i) => oracle.icdf(f32(logits[i % logits.length]!), v)),
      { rtol: 8 * floatEpsilon(), atol: 4 * floatEpsilon() },
    );
    // d x / d l by a central difference of the float64 inverse cdf
    const g = tf.grad((t: tf.Tensor) => tf.sum(new ContinuousBernoulli({ logits: t }).rsample([n], { seed })))(lt);
    const h = 1e-6;
    const fd = logits.map((l, j) => {
      let s = 0;
      for (let i = 0; i < n; i++)
        s += (oracle.icdf(f32(l) + h, uu[i * logits.length + j]!) - oracle.icdf(f32(l) - h, uu[i * logits.length + j]!)) / (2 * h);
      return s;
    });
    expectClose(g, fd, { rtol: 1e-4, atol: 1e-6 });
    tf.dispose([cdf, lt, x, u, g]);
    d.dispose();
  });
});
