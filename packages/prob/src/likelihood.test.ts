import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Likelihood } from './index';
import type { LikelihoodSpec } from './index';
import { ref } from './testing/reference';
import { backendTolerance, expectClose, expectNoLeaks, floatEpsilon } from '../../../tooling/testing';

const owned: tf.Tensor[] = [];
const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
afterEach(() => tf.dispose(owned.splice(0)));
const created: Likelihood[] = [];
afterAll(() => created.forEach((l) => l.dispose()));
const col = (v: number[]) => keep(tf.tensor2d(v, [v.length, 1]));
const logit = (p: number): number => Math.log(p / (1 - p));
const softplus = (v: number): number => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

describe('Likelihood: values against scipy and closed forms', () => {
  it('bernoulli logProb equals the reference Bernoulli log-probs, extreme logits included, and leaks nothing', async () => {
    const lik = new Likelihood('bernoulli');
    for (const c of ref.bernoulli as { params: { logits: number }; logProb: Record<string, number> }[]) {
      const [x, out] = [col([0, 1]), col([c.params.logits, c.params.logits])];
      const lp = keep(await expectNoLeaks(() => lik.logProb(x, out)));
      expect(lp.shape).toEqual([2]);
      expectClose(lp, [c.logProb['0']!, c.logProb['1']!], { rtol: backendTolerance(), atol: 1e-6 });
    }
  });

  it('continuous-bernoulli logProb and mean equal the reference values', async () => {
    const lik = new Likelihood('continuous-bernoulli');
    for (const c of ref.continuousBernoulli as { params: { probs: number }; x: number[]; logProb: number[]; mean: number }[]) {
      const l = logit(c.params.probs);
      const [x, out] = [col(c.x), col(c.x.map(() => l))];
      const lp = keep(await expectNoLeaks(() => lik.logProb(x, out)));
      expectClose(lp, c.logProb, { rtol: backendTolerance(), atol: 1e-5 });
      expectClose(keep(lik.mean(keep(tf.scalar(l)))), [c.mean], { rtol: backendTolerance() });
    }
  });

  it('gaussian logProb equals the reference Normal log-probs, fixed and learned sigma', () => {
    const c = (ref.normal as { params: { loc: number; scale: number }; x: number[]; logProb: number[] }[])[1]!;
    const fixed = new Likelihood({ name: 'gaussian', sigma: c.params.scale });
    const learned = new Likelihood({ name: 'gaussian', sigma: c.params.scale, learnSigma: true });
    created.push(learned);
    for (const lik of [fixed, learned]) {
      expectClose(keep(lik.logProb(col(c.x), keep(tf.fill([c.x.length, 1], c.params.loc)))), c.logProb, { rtol: backendTolerance() });
    }
    expect(learned.trainableVariables).toHaveLength(1);
    expect(fixed.trainableVariables).toHaveLength(0);
    expectClose(learned.sigma()!, c.params.scale, { rtol: 1e-6 });
  });

  it('gaussian sums the closed form over the event, its constant counted once per element', () => {
    const m = keep(
      tf.tensor2d([
        [0.2, 0.4],
        [1, -1],
      ]),
    );
    const x = keep(
      tf.tensor2d([
        [0, 1],
        [1, 1],
      ]),
    );
    const s = 0.5;
    const expected = [
      [0.2, 0.6],
      [0, 2],
    ].map((r) => r.reduce((acc, d) => acc - (d / s) ** 2 / 2 - Math.log(s) - 0.5 * Math.log(2 * Math.PI), 0));
    expectClose(keep(new Likelihood({ name: 'gaussian', sigma: s }).logProb(x, m)), expected, { rtol: 1e-5 });
  });

  it('continuous-bernoulli mean and draws match float64 at tiny and large logits', () => {
    const lik = new Likelihood('continuous-bernoulli');
    const logits = [-100, -40, -2, -0.02, -0.005, 0, 0.0101, 0.3, 16, 40];
    const at = logits.map((v) => Math.fround(v));
    const eps = floatEpsilon();
    // E[X] = 1 / -expm1(-l) - 1/l (1/2 at l = 0)
    expectClose(
      keep(lik.mean(keep(tf.tensor(logits)))),
      at.map((l) => (l === 0 ? 0.5 : 1 / -Math.expm1(-l) - 1 / l)),
      { rtol: 8 * eps },
    );
    // a draw is the inverse cdf log1p(u expm1(l)) / l of the uniforms of the same seed
    const out = keep(tf.tile(tf.tensor2d([logits]), [20, 1]));
    const draws = Array.from(keep(lik.sample(out, 5)).dataSync());
    const u = Array.from(keep(tf.randomUniform(out.shape, 0, 1, 'float32', 5)).dataSync());
    const expected = u.map((v, i) => {
      const l = at[i % logits.length]!;
      return l === 0 ? v : Math.log1p(v * Math.expm1(l)) / l;
    });
    expectClose(draws, expected, { rtol: 8 * eps, atol: 4 * eps });
  });

  it('continuous-bernoulli draws have the reference mean; bernoulli draws are 0/1 with mean sigmoid(l)', () => {
    const cb = keep(new Likelihood('continuous-bernoulli').sample(keep(tf.fill([20000], logit(0.2))), 3));
    expect(keep(tf.min(cb)).dataSync()[0]!).toBeGreaterThanOrEqual(0);
    expectClose(keep(tf.mean(cb)).dataSync()[0]!, 0.38801418711114843, { atol: 0.01 });
    const b = keep(new Likelihood('bernoulli').sample(keep(tf.fill([20000], 1.3)), 3));
    expect(new Set(b.dataSync())).toEqual(new Set([0, 1]));
    expectClose(keep(tf.mean(b)).dataSync()[0]!, sigmoid(1.3), { atol: 0.01 });
  });
});

describe('Likelihood: extreme logits', () => {
  it('bernoulli at logits +-100 is finite and exact, where the probs form log(sigmoid) gives -Infinity', () => {
    const x = keep(tf.tensor2d([[0, 1, 0, 1]]));
    const l = keep(tf.tensor2d([[-100, 100, 100, -100]]));
    const lp = keep(new Likelihood('bernoulli').logProb(x, l));
    expectClose(lp, [-200], { rtol: 1e-6 });
    // the naive probs form: x log p + (1 - x) log(1 - p), with p = sigmoid(l) rounded to 0 or 1
    const naive = keep(
      tf.tidy(() => {
        const p = tf.sigmoid(l);
        return tf.sum(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))));
      }),
    );
    expect(Number.isFinite(naive.dataSync()[0]!)).toBe(false);
    // gradient x - sigmoid(l): [0, 0, -1, 1], finite
    const g = keep(tf.grad((t: tf.Tensor) => new Likelihood('bernoulli').logProb(x, t))(l));
    expectClose(g, [0, 0, -1, 1], { atol: 1e-6 });
  });

  it('bernoulli keeps the tiny terms the naive x l - softplus(l) rounds to 0 (l = 30, x = 1)', () => {
    const lp = keep(new Likelihood('bernoulli').logProb(keep(tf.tensor2d([[1]])), keep(tf.tensor2d([[30]]))));
    expectClose(lp, [-softplus(-30)], { rtol: 1e-5 });
    expect(lp.dataSync()[0]).toBeLessThan(0);
  });

  it('continuous-bernoulli at logits +-100 is finite with a finite gradient', () => {
    const x = keep(tf.tensor2d([[0.2, 0.9, 0, 1]]));
    const lv = [-100, 100, 100, -100];
    const l = keep(tf.tensor2d([lv]));
    const lik = new Likelihood('continuous-bernoulli');
    // log p = x l - softplus(l) + log C(l),  C(l) = l / tanh(l/2) = |l| at |l| = 100
    const expected = [0.2, 0.9, 0, 1].reduce((s, xi, i) => s + xi * lv[i]! - softplus(lv[i]!) + Math.log(Math.abs(lv[i]!)), 0);
    expectClose(keep(lik.logProb(x, l)), [expected], { rtol: 1e-5 });
    const g = keep(tf.grad((t: tf.Tensor) => lik.logProb(x, t))(l));
    // d/dl = x - sigmoid(l) + 1/l - 1/sinh(l)
    expectClose(
      g,
      [0.2, 0.9, 0, 1].map((xi, i) => xi - sigmoid(lv[i]!) + 1 / lv[i]!),
      { rtol: 1e-4, atol: 1e-6 },
    );
  });
});

describe('Likelihood: shapes, gradients and events', () => {
  it('sums over the last eventRank axes, for [n, D] and [K, n, D] alike, and [n, h, w, c] with eventRank 3', () => {
    const x = keep(
      tf.tensor2d([
        [0, 1, 1],
        [1, 0, 0.5],
      ]),
    );
    const out = keep(
      tf.tensor2d([
        [-2, 0.3, 4],
        [1, -0.5, 0],
      ]),
    );
    for (const spec of ['bernoulli', 'continuous-bernoulli', { name: 'gaussian', sigma: 0.7 }] as LikelihoodSpec[]) {
      const lik = new Likelihood(spec);
      const single = keep(lik.logProb(x, out));
      const stacked = keep(lik.logProb(x, keep(tf.stack([out, out, out]))));
      expect(stacked.shape).toEqual([3, 2]);
      expectClose(stacked, [...single.dataSync(), ...single.dataSync(), ...single.dataSync()], { rtol: 1e-6 });
      // x with the larger shape broadcasts too: the gradient comes back in out's shape
      const xx = keep(tf.stack([x, x]));
      const g = keep(tf.grad((t: tf.Tensor) => tf.sum(lik.logProb(xx, t)))(out));
      expect(g.shape).toEqual([2, 3]);
      const images = new Likelihood(spec, { eventRank: 3 });
      const image = keep(images.logProb(keep(tf.reshape(x, [2, 1, 3, 1])), keep(tf.reshape(out, [2, 1, 3, 1]))));
      expect(image.shape).toEqual([2]);
      expectClose(image, single.dataSync() as Float32Array, { rtol: 1e-6 });
    }
  });

  it('the gradient in the logits is the closed form x - sigmoid(l) (+ dlogC/dl), and for the learned sigma', () => {
    const xv = [0, 0.3, 1, 0.8];
    const lv = [-3, 0.05, 2, 15];
    const x = keep(tf.tensor2d([xv]));
    const l = keep(tf.tensor2d([lv]));
    const gb = keep(tf.grad((t: tf.Tensor) => new Likelihood('bernoulli').logProb(x, t))(l));
    expectClose(
      gb,
      xv.map((xi, i) => xi - sigmoid(lv[i]!)),
      { rtol: 1e-5, atol: 1e-7 },
    );
    const gc = keep(tf.grad((t: tf.Tensor) => new Likelihood('continuous-bernoulli').logProb(x, t))(l));
    expectClose(
      gc,
      xv.map((xi, i) => xi - sigmoid(lv[i]!) + 1 / lv[i]! - 1 / Math.sinh(lv[i]!)),
      { rtol: 1e-3, atol: backendTolerance() },
    );
    // d/d log sigma of -1/2 sum (d/sigma)^2 - D log sigma = sum (d/sigma)^2 - D
    const g = new Likelihood({ name: 'gaussian', sigma: 0.5, learnSigma: true });
    created.push(g);
    const { grads } = tf.variableGrads(() => tf.sum(g.logProb(x, l)) as tf.Scalar, g.trainableVariables);
    const dSigma = keep(Object.values(grads)[0]!);
    expectClose(dSigma, [xv.reduce((s, xi, i) => s + ((xi - lv[i]!) / 0.5) ** 2, 0) - 4], { rtol: 1e-5 });
  });

  it('continuous-bernoulli logProb has the finite-difference gradient in the logits, near 0 and away from it (ported from @elbo/vae)', () => {
    const lik = new Likelihood('continuous-bernoulli');
    const x = keep(tf.tensor2d([[0.3, 0.8, 0.5]]));
    const lv = [-2, 0.05, 3];
    const g = keep(tf.grad((out: tf.Tensor) => lik.logProb(x, out))(keep(tf.tensor2d([lv])))).dataSync();
    const f = (v: number[]): number => tf.tidy(() => lik.logProb(x, tf.tensor2d([v])).dataSync()[0]!);
    const h = 1e-2;
    lv.forEach((_, i) => {
      const up = lv.map((v, j) => (j === i ? v + h : v));
      const down = lv.map((v, j) => (j === i ? v - h : v));
      expectClose(g[i]!, (f(up) - f(down)) / (2 * h), { rtol: 0.02, atol: 2e-3 });
    });
  });

  it('distribution() is the same p(x|out) as an @elbo/prob distribution, with eventRank event axes', () => {
    const out = keep(
      tf.tensor2d([
        [-2, 0.3, 4],
        [1, -0.5, 0],
      ]),
    );
    const x = keep(
      tf.tensor2d([
        [0, 0.2, 1],
        [0.9, 0.5, 0],
      ]),
    );
    for (const spec of ['bernoulli', 'continuous-bernoulli', { name: 'gaussian', sigma: 0.4 }] as LikelihoodSpec[]) {
      const lik = new Likelihood(spec);
      const before = tf.memory().numTensors;
      const d = lik.distribution(out);
      expect(d.eventShape).toEqual([3]);
      expectClose(keep(d.logProb(x)), Array.from(keep(lik.logProb(x, out)).dataSync()), { rtol: backendTolerance(), atol: 1e-5 });
      d.dispose();
      expect(tf.memory().numTensors - before).toBe(2); // the two kept above
    }
  });

  it('mean, sample and logProb leak nothing', async () => {
    const out = keep(tf.tensor2d([[-2, 0.3, 4]]));
    for (const spec of ['bernoulli', 'continuous-bernoulli', { name: 'gaussian', learnSigma: true }] as LikelihoodSpec[]) {
      const lik = new Likelihood(spec);
      keep(await expectNoLeaks(() => lik.mean(out)));
      keep(await expectNoLeaks(() => lik.sample(out, 1)));
      keep(await expectNoLeaks(() => lik.logProb([[0, 1, 0.5]], out)));
      lik.dispose();
    }
  });
});

describe('Likelihood: config and data checks', () => {
  it('getConfig / fromConfig round-trips, the learned sigma with its current value', () => {
    const learned = new Likelihood({ name: 'gaussian', sigma: 0.5, learnSigma: true }, { eventRank: 3 });
    created.push(learned);
    tf.tidy(() => learned.logSigma!.assign(tf.scalar(Math.log(0.25))));
    const config = learned.getConfig();
    expect(config.name).toBe('gaussian');
    expect(config.learnSigma).toBe(true);
    expect(config.eventRank).toBe(3);
    expectClose(config.sigma!, 0.25, { rtol: 1e-6 });
    const copy = Likelihood.fromConfig(config);
    created.push(copy);
    expect(copy.getConfig()).toEqual(config);
    expect(copy.logSigma).not.toBe(learned.logSigma);
    expect(new Likelihood('continuous-bernoulli').getConfig()).toEqual({ name: 'continuous-bernoulli', eventRank: 1 });
    expect(Likelihood.fromConfig({ name: 'bernoulli', eventRank: 1 }).name).toBe('bernoulli');
  });

  it('checkData throws a named error outside the support, with the value and its index, and leaks nothing', () => {
    const bern = new Likelihood('bernoulli');
    const gauss = new Likelihood('gaussian');
    const before = tf.memory().numTensors;
    expect(() =>
      bern.checkData(
        [
          [0, 0.5],
          [1, 2],
        ],
        'data',
        'VAE.fit',
      ),
    ).toThrow('VAE.fit: data must be in the unit interval [0, 1], got 2 at index [1, 1] (data has shape [2, 2])');
    expect(() => new Likelihood('continuous-bernoulli').checkData([[0, NaN]], 'x', 'f')).toThrow(
      'f: x must be in the unit interval [0, 1], got NaN at index [0, 1]',
    );
    expect(() => bern.checkData([[0, Infinity]], 'x', 'f')).toThrow('got Infinity at index [0, 1]');
    // NaN between values in range, where a min or max may skip it; -Infinity; a finite sum that overflows
    expect(() => bern.checkData([[0.5, NaN, 1, 0]], 'x', 'f')).toThrow('got NaN at index [0, 1]');
    expect(() => gauss.checkData([[1, NaN]], 'x', 'f')).toThrow('f: x must be finite, got NaN at index [0, 1]');
    expect(() => gauss.checkData([[3e38, 3e38, 3e38]], 'x', 'f')).not.toThrow();
    expect(() => gauss.checkData([[5, -Infinity]], 'validationData', 'AE.fit')).toThrow(
      'AE.fit: validationData must be finite, got -Infinity at index [0, 1] (validationData has shape [1, 2])',
    );
    expect(() => gauss.checkData('x' as never, 'data', 'AE.fit')).toThrow(
      'AE.fit: data must be a tensor, a number or a (nested) array of numbers, got string "x"',
    );
    expect(() => new Likelihood('gaussian', { eventRank: 3 }).checkData([[1]], 'data', 'ConvVAE.fit')).toThrow(
      'ConvVAE.fit: data must have rank >= 3 (the event axes), got a float32 tensor of shape [1, 1]',
    );
    bern.checkData([[0, 0.5, 1]], 'data', 'f');
    gauss.checkData([[-1e30, 3]], 'data', 'f');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad specs and options before making any tensor, naming the field, the expectation and what came', () => {
    const zero = keep(tf.zeros([1]));
    const before = tf.memory().numTensors;
    const cases: [unknown, unknown, string][] = [
      [
        'poisson',
        {},
        `Likelihood: likelihood must be one of 'bernoulli', 'continuous-bernoulli', 'gaussian' or { name: 'gaussian', sigma, learnSigma }, got string "poisson"`,
      ],
      [5, {}, 'Likelihood: likelihood must be one of'],
      [
        { name: 'gausian' },
        {},
        `Likelihood: likelihood.name must be one of 'bernoulli', 'continuous-bernoulli', 'gaussian', got string "gausian"`,
      ],
      [{ name: 'gaussian', sigma: -1 }, {}, 'Likelihood: likelihood.sigma must be a finite number > 0, got number -1'],
      [{ name: 'gaussian', sigma: '1' }, {}, 'Likelihood: likelihood.sigma must be a finite number > 0, got string "1"'],
      [{ name: 'gaussian', learnSigma: 'yes' }, {}, 'Likelihood: likelihood.learnSigma must be a boolean, got string "yes"'],
      [{ name: 'gaussian', sigmma: 1 }, {}, 'Likelihood: likelihood: unknown option "sigmma"; did you mean "sigma"?'],
      [
        { name: 'bernoulli', sigma: 1 },
        {},
        `Likelihood: likelihood.sigma and likelihood.learnSigma are only for the 'gaussian' likelihood, got them with 'bernoulli'`,
      ],
      ['bernoulli', { eventRank: 1.5 }, 'Likelihood: eventRank must be an integer >= 0, got number 1.5'],
      ['bernoulli', { eventrank: 2 }, 'Likelihood: unknown option "eventrank"; did you mean "eventRank"?'],
    ];
    for (const [spec, options, message] of cases) expect(() => new Likelihood(spec as never, options as never)).toThrow(message);
    const lik = new Likelihood('bernoulli');
    expect(() => lik.logProb([[1]], [[0]] as never)).toThrow(
      'Likelihood.logProb: out must be a tensor (the decoder output), got an array of length 1',
    );
    expect(() => lik.mean(undefined as never)).toThrow('Likelihood.mean: out must be a tensor (the decoder output), got undefined');
    expect(() => lik.sample(zero, 0.5)).toThrow('Likelihood.sample: seed must be an integer, got number 0.5');
    expect(() => lik.distribution(5 as never)).toThrow('Likelihood.distribution: out must be a tensor (the decoder output), got number 5');
    expect(() => Likelihood.fromConfig(null as never)).toThrow('Likelihood.fromConfig: config must be an object, got null');
    expect(tf.memory().numTensors).toBe(before);
  });
});
