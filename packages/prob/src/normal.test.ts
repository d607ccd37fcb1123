import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Independent, Normal, setValidateArgs } from './index';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

// tfjs' erf is Abramowitz-Stegun 7.1.26 (|error| <= 1.5e-7), so cdfs get an absolute tolerance.
const CDF_ATOL = 1e-6;

afterEach(() => setValidateArgs(true));

describe('Normal against scipy.stats.norm (reference/prob.json)', () => {
  ref.normal.forEach((c: any) => {
    it(`loc ${c.params.loc}, scale ${c.params.scale}`, async () => {
      const d = new Normal(c.params);
      const lp = await expectNoLeaks(() => d.logProb(c.x));
      expectRef('normal.logProb', lp, c.logProb);
      const p = await expectNoLeaks(() => d.prob(c.x));
      expectRef('normal.prob', p, c.logProb.map(Math.exp), { atol: 1e-30 });
      const cdf = await expectNoLeaks(() => d.cdf(c.x));
      expectRef('normal.cdf', cdf, c.cdf, { atol: CDF_ATOL });
      expectRef('normal.entropy', d.entropy(), c.entropy);
      expectRef('normal.mean', d.mean(), c.mean, { atol: 1e-12 });
      expectRef('normal.variance', d.variance(), c.variance);
      expectRef('normal.stddev', d.stddev(), Math.sqrt(c.variance));
      const byLogVar = Normal.fromLogVar(c.params.loc, 2 * Math.log(c.params.scale));
      expectRef('normal.fromLogVar.logProb', byLogVar.logProb(c.x), c.logProb);
      d.dispose();
      byLogVar.dispose();
      tf.dispose([lp, p, cdf]);
    });
  });

  it('a batch of all reference normals in one distribution broadcasts like tfjs', () => {
    const locs = ref.normal.map((c: any) => c.params.loc);
    const scales = ref.normal.map((c: any) => c.params.scale);
    const d = new Normal({ loc: locs, scale: scales });
    expect(d.batchShape).toEqual([4]);
    expect(d.eventShape).toEqual([]);
    const x = tf.tensor2d([[0], [0.5]]); // broadcasts to [2, 4]
    const lp = d.logProb(x);
    expect(lp.shape).toEqual([2, 4]);
    const z = (v: number, m: number, s: number) => -0.5 * ((v - m) / s) ** 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
    expectRef(
      'normal.batch',
      lp,
      [0, 0.5].flatMap((v) => locs.map((m: number, i: number) => z(v, m, scales[i]))),
    );
    expectRef(
      'normal.batch.entropy',
      d.entropy(),
      ref.normal.map((c: any) => c.entropy),
    );
    tf.dispose([x, lp]);
    d.dispose();
  });

  it('stays finite with scale 1e-3 far from the mean', () => {
    const d = new Normal({ loc: 0, scale: 1e-3 });
    const lp = d.logProb([0.05, -1, 3]);
    expect(Array.from(lp.dataSync()).every(Number.isFinite)).toBe(true);
    tf.dispose(lp);
    d.dispose();
  });
});

describe('Normal parameters and values', () => {
  it('names the parameter, its shape and the constraint', () => {
    expect(() => new Normal({ loc: 0, scale: [1, 2, 3, -1] })).toThrow(
      'Normal: scale must be positive (> 0), got -1 at index 3 (scale has shape [4])',
    );
    expect(() => new Normal({ loc: [[0, NaN]], scale: 1 })).toThrow(/loc must be real \(not NaN\), got NaN at index \[0, 1\]/);
    expect(() => Normal.fromLogVar(0, NaN)).toThrow(/scale = exp\(logVar \/ 2\) must be positive/);
    expect(() => new Normal({ loc: [0, 1], scale: [1, 1, 1] })).toThrow(/do not broadcast/);
    expect(() => new Normal({ loc: 0 } as never)).toThrow(/parameter scale is missing/);
  });

  it('fromLogVar names logVar when it is not a tensor or numbers, and leaks nothing', async () => {
    const expects = 'Normal.fromLogVar: logVar must be a tensor, a number or a (nested) array of numbers, got';
    await expectNoLeaks(() => {
      expect(() => Normal.fromLogVar(0, 'a' as never)).toThrow(`${expects} string "a"`);
      expect(() => Normal.fromLogVar([0, 1], null as never)).toThrow(`${expects} null`);
      expect(() => Normal.fromLogVar(0, (() => 1) as never)).toThrow(`${expects} a function`);
      expect(() => Normal.fromLogVar(0, { a: 1 } as never)).toThrow(/^Normal\.fromLogVar: logVar could not be made into a tensor \(/);
      expect(() => Normal.fromLogVar(0, undefined as never)).toThrow('Normal.fromLogVar: parameter logVar is missing');
      // loc is still checked by the constructor, after logVar was made: those tensors are freed too
      expect(() => Normal.fromLogVar('b' as never, [0, 1])).toThrow(
        'Normal: loc must be a tensor, a number or a (nested) array of numbers, got string "b"',
      );
    });
  });

  it('fromLogVar takes logVar as a float32 or int32 tensor and leaves it to the caller', async () => {
    const lv = tf.tensor1d([0, 2]);
    const lvInt = tf.tensor1d([0, 2], 'int32');
    await expectNoLeaks(() => {
      for (const logVar of [lv, lvInt]) {
        const q = Normal.fromLogVar([0, 1], logVar);
        expectClose(q.scale, [1, Math.E], { rtol: 1e-6 });
        q.dispose();
      }
    });
    expect([lv.isDisposed, lvInt.isDisposed]).toEqual([false, false]);
    tf.dispose([lv, lvInt]);
  });

  it('leaks nothing when a constructor throws', async () => {
    await expectNoLeaks(() => {
      expect(() => new Normal({ loc: [1, 2], scale: [0, 1] })).toThrow();
    });
  });

  it('skips checks when validation is off, globally or per instance', () => {
    expect(() => new Normal({ loc: 0, scale: -1 }, { validateArgs: false }).dispose()).not.toThrow();
    setValidateArgs(false);
    const d = new Normal({ loc: 0, scale: -1 });
    expect(d.validateArgs).toBe(false);
    d.dispose();
  });

  it('rejects a value that does not fit batchShape + eventShape, and NaN values', () => {
    const d = new Normal({ loc: [0, 1, 2], scale: 1 });
    expect(() => d.logProb([1, 2])).toThrow(/Normal.logProb: value of shape \[2\] must broadcast with batchShape \+ eventShape \[3\]/);
    expect(() => d.logProb([1, NaN, 2])).toThrow(/Normal.logProb: value must be real \(not NaN\), got NaN at index 1/);
    d.dispose();
  });

  it('keeps the tensors you pass and frees only what it made', () => {
    const loc = tf.tensor1d([0, 1]);
    const d = new Normal({ loc, scale: 2 });
    expect(d.loc).toBe(loc);
    d.dispose();
    expect(loc.isDisposed).toBe(false);
    expect(d.scale.isDisposed).toBe(true);
    loc.dispose();
  });
});

describe('Normal sampling', () => {
  it('returns sampleShape + batchShape, the same numbers for the same seed', async () => {
    const d = new Normal({ loc: [0, 10], scale: [1, 0.1] });
    const a = await expectNoLeaks(() => d.sample([3, 5], { seed: 42 }));
    const b = d.sample([3, 5], { seed: 42 });
    const c = d.sample([3, 5], { seed: 43 });
    expect(a.shape).toEqual([3, 5, 2]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    expect(d.sample().shape).toEqual([2]);
    expect(d.sample(4).shape).toEqual([4, 2]);
    expect(() => d.sample([-1])).toThrow(/sample shape must hold non-negative integers, got -1 at index 0/);
    tf.dispose([a, b, c]);
    d.dispose();
  });

  it('rsample gradients match central finite differences; sample passes none', () => {
    const seed = 3;
    const f = (loc: tf.Tensor, scale: tf.Tensor) =>
      tf.tidy(() => {
        const x = new Normal({ loc, scale }).rsample([8], { seed });
        return tf.sum(tf.mul(tf.square(x), tf.tensor1d([1, 2])));
      });
    const loc = tf.tensor1d([0.5, -1]);
    const scale = tf.tensor1d([1.5, 0.7]);
    const [gLoc, gScale] = tf.grads(f)([loc, scale]);
    const h = 1e-2;
    const fd = (which: 0 | 1, i: number) => {
      const bump = (s: number) => tf.tidy(() => tf.add(which === 0 ? loc : scale, tf.mul(tf.reshape(tf.oneHot([i], 2), [2]), s)));
      const [lp, lm] = [bump(h), bump(-h)];
      const up = which === 0 ? f(lp, scale) : f(loc, lp);
      const down = which === 0 ? f(lm, scale) : f(loc, lm);
      const v = (up.dataSync()[0]! - down.dataSync()[0]!) / (2 * h);
      tf.dispose([lp, lm, up, down]);
      return v;
    };
    // f is quadratic in loc and scale, so the central difference is exact up to float32 rounding.
    expectClose(gLoc!, [fd(0, 0), fd(0, 1)], { rtol: 10 * backendTolerance(), atol: 1e-2 });
    expectClose(gScale!, [fd(1, 0), fd(1, 1)], { rtol: 10 * backendTolerance(), atol: 1e-2 });
    const gNone = tf.grad((l: tf.Tensor) => tf.sum(new Normal({ loc: l, scale: 1 }).sample([4], { seed })))(loc);
    expectClose(gNone, [0, 0]);
    tf.dispose([loc, scale, gLoc!, gScale!, gNone]);
  });
});

describe('Independent(Normal), the diagonal Gaussian', () => {
  it('sums log-probs and entropies over the event axis', async () => {
    const c = ref.normal[1]; // loc 1.5, scale 0.3, seven x values
    const base = new Normal({ loc: tf.fill([2, 7], c.params.loc), scale: c.params.scale });
    const d = new Independent(base, 1);
    expect(d.batchShape).toEqual([2]);
    expect(d.eventShape).toEqual([7]);
    expect(d.hasRsample).toBe(true);
    const sum = c.logProb.reduce((a: number, b: number) => a + b, 0);
    const lp = await expectNoLeaks(() => d.logProb([c.x, c.x]));
    expectRef('independent.logProb', lp, [sum, sum]);
    expectRef('independent.entropy', d.entropy(), [7 * c.entropy, 7 * c.entropy]);
    expect(d.rsample([3], { seed: 1 }).shape).toEqual([3, 2, 7]);
    expect(d.mean().shape).toEqual([2, 7]);
    d.dispose();
    expect(base.scale.isDisposed).toBe(true); // made from a number: owned, disposed with the Independent
    expect(base.loc.isDisposed).toBe(false); // passed in: stays the caller's
    base.loc.dispose();
    tf.dispose(lp);
  });

  it('cdf is the product of the component cdfs', () => {
    const c = ref.normal[0]; // standard normal: x[1] = -1, x[3] = 0
    const d = new Independent(new Normal({ loc: [0, 0], scale: 1 }), 1);
    expectRef('independent.cdf', d.cdf([c.x[1], c.x[3]]), c.cdf[1] * c.cdf[3], { atol: 1e-6 });
    d.dispose();
  });

  it('defaults to reinterpreting every batch axis and checks the count', () => {
    const base = new Normal({ loc: tf.zeros([2, 3]), scale: 1 });
    expect(new Independent(base).eventShape).toEqual([2, 3]);
    expect(() => new Independent(base, 3)).toThrow(/reinterpretedBatchNdims must be an integer in \[0, 2\].*got 3/);
    expect(() => new Independent({} as never, 1)).toThrow(/base must be a Distribution/);
    base.dispose();
  });
});
