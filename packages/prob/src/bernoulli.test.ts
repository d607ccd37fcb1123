import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Bernoulli, Independent } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('Bernoulli against scipy.stats.bernoulli (reference/prob.json)', () => {
  ref.bernoulli.forEach((c: any) => {
    it(`logits ${c.params.logits}`, async () => {
      const d = new Bernoulli({ logits: c.params.logits });
      const lp = await expectNoLeaks(() => d.logProb([0, 1]));
      expectRef('bernoulli.logProb', lp, [c.logProb['0'], c.logProb['1']]);
      expectRef('bernoulli.mean', d.mean(), c.mean);
      // scipy's p (1 - p) loses digits to cancellation at logits 30 (1 - p computed from
      // p = 0.9999999999999065 is off by 1e-3 relative), so the oracle here is the closed
      // form sigmoid(l) sigmoid(-l) in float64; the reference agrees with it within 2e-3.
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const exactVariance = sig(c.params.logits) * sig(-c.params.logits);
      expectRef('bernoulli.variance', d.variance(), exactVariance);
      // Same for the entropy, p softplus(-l) + (1 - p) softplus(l), at logits 30.
      const sp = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
      const l = c.params.logits;
      const exactEntropy = sig(l) * sp(-l) + sig(-l) * sp(l);
      expectRef('bernoulli.entropy', await expectNoLeaks(() => d.entropy()), exactEntropy);
      expectClose(exactEntropy, c.entropy, { rtol: 2e-3 });
      expectClose(exactVariance, c.variance, { rtol: 2e-3 });
      expectRef('bernoulli.probs', d.probs, c.probs);
      d.dispose();
      tf.dispose(lp);
    });
  });

  it('from probs gives the same log-probs (probs 0.7858..., logits 1.3)', () => {
    const c = ref.bernoulli[1];
    const d = new Bernoulli({ probs: c.probs });
    expectRef('bernoulli.fromProbs.logits', d.logits, c.params.logits);
    expectRef('bernoulli.fromProbs.logProb', d.logProb([0, 1]), [c.logProb['0'], c.logProb['1']]);
    d.dispose();
  });
});

describe('Bernoulli edge cases', () => {
  it('stays finite at logits +-100', () => {
    const d = new Bernoulli({ logits: [-100, 100] });
    const lp = d.logProb(
      tf.tensor2d([
        [0, 1],
        [1, 0],
      ]),
    );
    // log sigmoid(-100) = -100 - log1p(e^-100) = -100 in float
    // e^-100 is a float32 subnormal (few significant bits): absolute tolerance of the smallest normal float.
    expectRef('bernoulli.extreme', lp, [-Math.log1p(Math.exp(-100)), -Math.log1p(Math.exp(-100)), -100, -100], { atol: 1.2e-38 });
    expect(Array.from(d.entropy().dataSync()).every(Number.isFinite)).toBe(true);
    d.dispose();
  });

  it('logProb and its gradients match float64 at large, tiny and zero logits, with broadcasting', () => {
    const logits = [-100, -30, -1e-3, 0, 1e-3, 30, 100];
    const xs = [0, 0.3, 1].flatMap((x) => logits.map(() => x));
    const x = tf.tensor(xs, [3, logits.length]); // broadcasts against logits of shape [7]
    const l = tf.tensor(logits);
    const sig = (v: number) => 1 / (1 + Math.exp(-v));
    const sp = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
    const at = (i: number) => Math.fround(logits[i % logits.length]!);
    const f = (lt: tf.Tensor, xt: tf.Tensor) => new Bernoulli({ logits: lt }).logProb(xt);
    const lp = f(l, x);
    // x l - softplus(l), with |x l| rounded to float32 (about eps |l| absolute for fractional x)
    xs.forEach((xv, i) =>
      expectClose(lp.dataSync()[i]!, Math.fround(xv) * at(i) - sp(at(i)), { rtol: 1e-6, atol: 2 ** -23 * Math.abs(at(i)) }),
    );
    const [gl, gx] = tf.grads((lt: tf.Tensor, xt: tf.Tensor) => tf.sum(f(lt, xt)))([l, x]);
    // d/dl = sum over the broadcast rows of (x - sigmoid(l)), also at l = 0 where relu and |l| have kinks
    expectClose(
      gl!,
      logits.map((_, j) => [0, 0.3, 1].reduce((s, xv) => s + Math.fround(xv) - sig(at(j)), 0)),
      { rtol: 1e-6, atol: 1e-7 },
    );
    expect(gl!.shape).toEqual([logits.length]);
    expectClose(
      gx!,
      xs.map((_, i) => at(i)),
      { rtol: 1e-7 },
    );
    tf.dispose([x, l, lp, gl!, gx!]);
  });

  it('takes exactly one of logits or probs, showing what came', () => {
    expect(() => new Bernoulli({ logits: 1, probs: 0.5 } as never)).toThrow(
      'Bernoulli: give exactly one of logits or probs, got both (logits: 1, probs: 0.5)',
    );
    expect(() => new Bernoulli({} as never)).toThrow('Bernoulli: give exactly one of logits or probs, got neither');
    expect(() => new Bernoulli({ probs: [0.5, 1.5] })).toThrow(
      'Bernoulli: probs must be in the unit interval [0, 1], got 1.5 at index 1 (probs has shape [2])',
    );
  });

  it('rejects values outside [0, 1] and accepts grey levels (minus the binary cross-entropy)', () => {
    const d = new Bernoulli({ logits: [0.3] });
    expect(() => d.logProb([2])).toThrow(/Bernoulli.logProb: value must be in the unit interval \[0, 1\], got 2 at index 0/);
    const p = 1 / (1 + Math.exp(-0.3));
    expectRef('bernoulli.bce', d.logProb([0.25]), 0.25 * Math.log(p) + 0.75 * Math.log(1 - p));
    d.dispose();
  });

  it('inside Independent, values are still checked (once, by the base)', () => {
    const d = new Independent(new Bernoulli({ logits: [0, 1] }), 1);
    expect(() => d.logProb([0, 2])).toThrow(/Bernoulli.logProb: value must be in the unit interval \[0, 1\], got 2 at index 1/);
    const lp = d.logProb([[0, 1]]);
    expect(lp.shape).toEqual([1]);
    tf.dispose(lp);
    d.dispose();
  });

  it('samples 0/1 of shape sampleShape + batchShape, reproducibly', () => {
    const d = new Bernoulli({ probs: [0.1, 0.9] });
    const a = d.sample([1000], { seed: 5 });
    const b = d.sample([1000], { seed: 5 });
    expect(a.shape).toEqual([1000, 2]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(new Set(a.dataSync())).toEqual(new Set([0, 1]));
    expect(d.hasRsample).toBe(false);
    expect(() => d.rsample([1])).toThrow(/Bernoulli has no reparameterized sampler/);
    tf.dispose([a, b]);
    d.dispose();
  });
});
