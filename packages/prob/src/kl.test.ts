import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Bernoulli, Distribution, Independent, klDivergence, klNormalStandard, Normal, registerKL } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('closed-form KL against quadrature-checked references', () => {
  it('Normal || Normal', async () => {
    for (const c of ref.kl.normal_normal) {
      const p = new Normal(c.p);
      const q = new Normal(c.q);
      const kl = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.normal', kl, c.kl, { atol: 1e-6 });
      tf.dispose(kl);
      p.dispose();
      q.dispose();
    }
  });

  it('Bernoulli || Bernoulli', async () => {
    for (const c of ref.kl.bernoulli_bernoulli) {
      const [p, q] = [new Bernoulli(c.p), new Bernoulli(c.q)];
      const kl = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.bernoulli', kl, c.kl, { atol: 1e-6 });
      tf.dispose(kl);
      p.dispose();
      q.dispose();
    }
  });

  it('Bernoulli KL is 0 where p puts no mass and Infinity where q has none', () => {
    const kl = klDivergence(new Bernoulli({ probs: [0, 0.5, 1] }), new Bernoulli({ probs: [0.3, 1, 0.4] }));
    // [0,1]: KL = log(1 / 0.7); [0.5 vs 1]: Infinity; [1 vs 0.4]: log(1 / 0.4)
    expectRef('kl.bernoulli.edges', kl, [Math.log(1 / 0.7), Infinity, Math.log(1 / 0.4)]);
  });

  it("the VAE's diagonal Gaussian to N(0, I): klNormalStandard and the registry agree with the reference", async () => {
    for (const c of ref.kl.diag_normal_vs_standard) {
      const total = await expectNoLeaks(() => klNormalStandard([c.mu], [c.logVar]));
      expect(total.shape).toEqual([1]);
      expectRef('kl.diag.total', total, [c.kl], { atol: 1e-6 });
      const perDim = klNormalStandard(c.mu, c.logVar, { reduce: 'none' });
      expectRef('kl.diag.perDim', perDim, c.klPerDim, { atol: 1e-6 });
      const p = new Independent(Normal.fromLogVar([c.mu], [c.logVar]), 1);
      const q = new Independent(new Normal({ loc: tf.zeros([1, c.mu.length]), scale: 1 }), 1);
      const viaRegistry = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.diag.registry', viaRegistry, [c.kl], { atol: 1e-6 });
      tf.dispose([total, perDim, viaRegistry]);
      p.dispose();
      (q.base as Normal).loc.dispose();
      q.dispose();
    }
    expect(() => klNormalStandard([1, 2], [1])).toThrow(/same shape, got \[2\] and \[1\]/);
  });

  it('Independent || Independent needs matching event shapes', () => {
    const p = new Independent(new Normal({ loc: tf.zeros([2, 3]), scale: 1 }), 1);
    const q = new Independent(new Normal({ loc: tf.zeros([2, 3]), scale: 1 }), 2);
    expect(() => klDivergence(p, q)).toThrow(
      /must have the same eventShape, got p with .*eventShape \[3\] and q with .*eventShape \[2, 3\]/,
    );
  });
});

describe('Monte Carlo KL', () => {
  it('is within 4 standard errors of the closed form and reproducible by seed', async () => {
    for (const c of ref.kl.normal_normal.slice(1)) {
      const [p, q] = [new Normal(c.p), new Normal(c.q)];
      const mc = await expectNoLeaks(() => klDivergence(p, q, { samples: 4000, seed: 11 }));
      const se = mc.standardError.dataSync()[0]!;
      expect(se).toBeGreaterThan(0);
      expect(Math.abs(mc.value.dataSync()[0]! - c.kl)).toBeLessThan(4 * se);
      const again = klDivergence(p, q, { samples: 4000, seed: 11 });
      expect(again.value.dataSync()[0]).toBe(mc.value.dataSync()[0]);
      tf.dispose([mc.value, mc.standardError, again.value, again.standardError]);
    }
  });

  it('works for pairs without a closed form and rejects fewer than 2 samples', () => {
    const p = new Normal({ loc: 0.3, scale: 1 });
    const q = new Bernoulli({ probs: 0.5 });
    expect(() => klDivergence(p, p, { samples: 1 })).toThrow(/samples must be an integer >= 2, got 1/);
    expect(() => klDivergence(p, q)).toThrow(
      /no closed form is registered for \(Normal, Bernoulli\).*registerKL\(Normal, Bernoulli, fn\).*klDivergence\(p, q, \{ samples: 1000, seed \}\)/,
    );
  });
});

describe('the KL registry', () => {
  class ScaledNormal extends Normal {}
  class Other extends Distribution {
    constructor() {
      super([], []);
    }
    protected get support() {
      return { name: 'any', check: (x: tf.Tensor) => tf.cast(tf.onesLike(x), 'bool') };
    }
    protected _logProb(x: tf.Tensor) {
      return tf.zerosLike(x);
    }
    protected _entropy() {
      return tf.scalar(0);
    }
    protected _mean() {
      return tf.scalar(0);
    }
    protected _variance() {
      return tf.scalar(0);
    }
  }

  it('lives on globalThis under Symbol.for("elbo.kl.registry")', () => {
    const reg = (globalThis as any)[Symbol.for('elbo.kl.registry')];
    expect(reg.entries.some((e: any) => e.P === Normal && e.Q === Normal)).toBe(true);
  });

  it('picks the most specific pair along the prototype chains', () => {
    const p = new ScaledNormal({ loc: 0, scale: 1 });
    const q = new Normal({ loc: 0, scale: 1 });
    // Subclass with no pair of its own: the (Normal, Normal) closed form applies.
    expectClose(klDivergence(p, q), 0);
    registerKL(ScaledNormal, Normal, () => tf.scalar(7));
    registerKL(Distribution, Distribution, () => tf.scalar(-1));
    expectClose(klDivergence(p, q), 7);
    expectClose(klDivergence(q, p), 0); // (Normal, Normal) is closer than (Distribution, Distribution)
    expectClose(klDivergence(new Other(), q), -1);
    registerKL(ScaledNormal, Normal, () => tf.scalar(8)); // replaces
    expectClose(klDivergence(p, q), 8);
    expect(() => registerKL(Object as never, Normal, () => tf.scalar(0))).toThrow(/P must be a Distribution class, got Object/);
    const reg = (globalThis as any)[Symbol.for('elbo.kl.registry')];
    reg.entries = reg.entries.filter((e: any) => e.P !== ScaledNormal && e.P !== Distribution);
  });
});
