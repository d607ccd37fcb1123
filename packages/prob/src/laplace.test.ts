import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { klDivergence, Laplace } from './index';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('Laplace against scipy.stats.laplace (reference/prob.json)', () => {
  ref.laplace.forEach((c: any) => {
    it(`loc ${c.params.loc}, scale ${c.params.scale}`, async () => {
      const d = new Laplace(c.params);
      const lp = await expectNoLeaks(() => d.logProb(c.x));
      expectRef('laplace.logProb', lp, c.logProb);
      const cdf = await expectNoLeaks(() => d.cdf(c.x));
      expectRef('laplace.cdf', cdf, c.cdf);
      expectRef('laplace.entropy', d.entropy(), c.entropy);
      expectRef('laplace.mean', d.mean(), c.mean, { atol: 1e-12 });
      expectRef('laplace.variance', d.variance(), c.variance);
      tf.dispose([lp, cdf]);
      d.dispose();
    });
  });

  it('KL(Laplace || Laplace)', async () => {
    for (const c of ref.kl.laplace_laplace) {
      const [p, q] = [new Laplace(c.p), new Laplace(c.q)];
      const kl = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.laplace', kl, c.kl, { atol: 1e-6 });
      tf.dispose(kl);
    }
  });

  it('rsample: shape, seed, and gradient d x / d loc = 1, d x / d scale = (x - loc) / scale', () => {
    const loc = tf.tensor1d([0.5, -2]);
    const scale = tf.tensor1d([1.5, 0.3]);
    const [gl, gs] = tf.grads((l: tf.Tensor, s: tf.Tensor) => tf.sum(new Laplace({ loc: l, scale: s }).rsample([50], { seed: 9 })))([
      loc,
      scale,
    ]);
    const x = new Laplace({ loc, scale }).rsample([50], { seed: 9 });
    expect(x.shape).toEqual([50, 2]);
    // x = loc + scale * e(u) is linear in loc and scale: the exact derivative sums (x - loc) / scale.
    const xs = x.arraySync() as number[][];
    const expected = [0, 1].map((j) => xs.reduce((a, r) => a + (r[j]! - [0.5, -2][j]!) / [1.5, 0.3][j]!, 0));
    expectClose(gl!, [50, 50], { rtol: backendTolerance() });
    expectClose(gs!, expected, { rtol: backendTolerance(), atol: 1e-3 });
    expect(() => new Laplace({ loc: 0, scale: 0 })).toThrow('Laplace: scale must be positive (> 0), got 0 at index 0 (scale has shape [])');
    tf.dispose([loc, scale, gl!, gs!, x]);
  });
});
