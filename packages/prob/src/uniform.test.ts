import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { klDivergence, Uniform } from './index';
import { expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('Uniform against scipy.stats.uniform (reference/prob.json)', () => {
  const c = ref.uniform[0];
  it(`low ${c.params.low}, high ${c.params.high}`, async () => {
    // Values outside the support: -Infinity without validation ...
    const loose = new Uniform(c.params, { validateArgs: false });
    const lp = await expectNoLeaks(() => loose.logProb(c.x));
    expectRef('uniform.logProb', lp, c.logProb);
    const cdf = await expectNoLeaks(() => loose.cdf(c.x));
    expectRef('uniform.cdf', cdf, c.cdf, { atol: 1e-7 });
    // ... and an error naming the value with validation on.
    const strict = new Uniform(c.params);
    expect(() => strict.logProb(c.x)).toThrow('Uniform.logProb: value must be in [low, high], got -2 at index 0 (value has shape [5])');
    expectRef('uniform.entropy', strict.entropy(), c.entropy);
    expectRef('uniform.mean', strict.mean(), c.mean);
    expectRef('uniform.variance', strict.variance(), c.variance);
    tf.dispose([lp, cdf]);
    loose.dispose();
    strict.dispose();
  });

  it('KL(Uniform || Uniform), Infinity when the support is not contained', async () => {
    for (const k of ref.kl.uniform_uniform) {
      const [p, q] = [new Uniform(k.p), new Uniform(k.q)];
      const kl = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.uniform', kl, k.kl);
      tf.dispose(kl);
    }
  });

  it('checks high > low and samples inside [low, high] reproducibly', () => {
    expect(() => new Uniform({ low: [0, 1], high: [1, 1] })).toThrow(
      'Uniform: high - low must be positive (> 0), got 0 at index 1 (high - low has shape [2])',
    );
    const d = new Uniform({ low: -1, high: 3 });
    const a = d.rsample([200], { seed: 4 });
    const b = d.sample([200], { seed: 4 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync()).every((v) => v >= -1 && v <= 3)).toBe(true);
    const g = tf.grad((lo: tf.Tensor) => tf.sum(new Uniform({ low: lo, high: 3 }).rsample([10], { seed: 4 })))(tf.scalar(-1));
    // x = low + (high - low) u  =>  dx/dlow = 1 - u, summed over the draws
    const u = Array.from(d.sample([10], { seed: 4 }).dataSync()).map((x) => (x + 1) / 4);
    expect(g.dataSync()[0]).toBeCloseTo(
      u.reduce((s, v) => s + (1 - v), 0),
      4,
    );
    tf.dispose([a, b, g]);
  });
});
