import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { LIKELIHOODS, decoderDistribution, likelihoodMean, negLogLikelihood } from './likelihood';
import type { Likelihood } from './likelihood';
import { backendTolerance, expectClose, expectNoLeaks, floatEpsilon, loadReference } from '../../../tooling/testing';

const ref = loadReference('prob');
const logit = (p: number): number => Math.log(p / (1 - p));

describe('negLogLikelihood', () => {
  it('bernoulli equals -logProb from scipy, extreme logits included', async () => {
    for (const c of ref.bernoulli as { params: { logits: number }; logProb: Record<string, number> }[]) {
      const l = tf.tensor2d([[c.params.logits, c.params.logits]]);
      const x = tf.tensor2d([[0, 1]]);
      const nll = await expectNoLeaks(() => negLogLikelihood('bernoulli', l, x));
      expectClose(nll, [-(c.logProb['0']! + c.logProb['1']!)], { rtol: 1e-5, atol: 1e-6 });
      tf.dispose([l, x, nll]);
    }
  });

  it('continuous-bernoulli equals -logProb from scipy and its mean the reference mean', () => {
    for (const c of ref.continuousBernoulli as { params: { probs: number }; x: number[]; logProb: number[]; mean: number }[]) {
      const l = tf.fill([1, c.x.length], logit(c.params.probs));
      const nll = tf.tidy(() => tf.neg(tf.stack(c.x.map((xi) => negLogLikelihood('continuous-bernoulli', tf.slice(l, [0, 0], [1, 1]), tf.tensor2d([[xi]]))))));
      expectClose(nll, c.logProb, { rtol: 1e-4, atol: 1e-5 });
      expectClose(likelihoodMean('continuous-bernoulli', tf.slice(l, [0, 0], [1, 1])), [c.mean], { rtol: 1e-4, atol: 1e-5 });
      tf.dispose([l, nll]);
    }
  });

  it('continuous-bernoulli is smooth across its Taylor switch (values and gradients)', () => {
    const l = tf.tensor2d([[-0.0101, -0.0099, 0.0099, 0.0101, 5, -40]]);
    const x = tf.fill([1, 6], 0.3);
    // log C(l) = log(l / tanh(l/2)) in float64 as the oracle
    const logC = [-0.0101, -0.0099, 0.0099, 0.0101, 5, -40].map((v) => Math.log(v / Math.tanh(v / 2)));
    const bce = [-0.0101, -0.0099, 0.0099, 0.0101, 5, -40].map((v) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0) - 0.3 * v);
    const perPixel = tf.tidy(() => tf.stack([0, 1, 2, 3, 4, 5].map((i) => negLogLikelihood('continuous-bernoulli', tf.slice(l, [0, i], [1, 1]), tf.slice(x, [0, i], [1, 1])))));
    // atol: softplus and log C are both ~log 2 here, so float32 cancellation leaves ~100 ulps of log 2
    expectClose(perPixel, bce.map((b, i) => b - logC[i]!), { rtol: 1e-5, atol: 1e-5 });
    const g = tf.grad((t: tf.Tensor) => tf.sum(negLogLikelihood("continuous-bernoulli", t, x)))(l);
    // d/dl [softplus(l) - x l - log C(l)] = sigmoid(l) - x - (1/l - 1/sinh(l))
    const dl = [-0.0101, -0.0099, 0.0099, 0.0101, 5, -40].map((v) => 1 / (1 + Math.exp(-v)) - 0.3 - (1 / v - 1 / Math.sinh(v)));
    expectClose(g, dl, { rtol: 1e-3, atol: backendTolerance() });
    tf.dispose([l, x, perPixel, g]);
  });

  it('continuous-bernoulli mean matches float64 at tiny and large logits', async () => {
    const logits = [-100, -40, -2, -0.02, -0.005, 0, 0.0101, 0.3, 16, 40];
    const at = logits.map((v) => Math.fround(v));
    const l = tf.tensor2d([logits]);
    const mean = await expectNoLeaks(() => likelihoodMean('continuous-bernoulli', l));
    // E[X] = 1 / -expm1(-l) - 1/l (1/2 at l = 0)
    expectClose(mean, at.map((l) => (l === 0 ? 0.5 : 1 / -Math.expm1(-l) - 1 / l)), { rtol: 8 * floatEpsilon() });
    tf.dispose([l, mean]);
  });

  it('gaussian is the closed form with its scale', () => {
    const m = tf.tensor2d([[0.2, 0.4], [1, -1]]);
    const x = tf.tensor2d([[0, 1], [1, 1]]);
    const half = 0.5 * Math.log(2 * Math.PI);
    const s = 0.5;
    const expected = [[0.2, 0.6], [0, 2]].map((r) => r.reduce((acc, d) => acc + (d / s) ** 2 / 2 + Math.log(s) + half, 0));
    expectClose(negLogLikelihood('gaussian', m, x, s), expected, { rtol: 1e-5 });
    tf.dispose([m, x]);
  });
});

describe('decoderDistribution', () => {
  it('dispose() frees every tensor it made, for each likelihood, and leaves the decoder output alone', () => {
    const output = tf.tensor2d([[0.2, -1, 3], [0, 0.5, -2]]);
    for (const likelihood of LIKELIHOODS) {
      const before = tf.memory().numTensors;
      decoderDistribution(likelihood, output, 0.5).dispose();
      expect(tf.memory().numTensors - before, likelihood).toBe(0);
      expect(output.isDisposed, likelihood).toBe(false);
    }
    output.dispose();
  });

  it('gaussian keeps its scale on every pixel (a number broadcast over the [batch, pixels] output)', () => {
    const output = tf.tensor2d([[0.2, -1, 3], [0, 0.5, -2]]);
    const p = decoderDistribution('gaussian', output, 0.5);
    expect(p.batchShape).toEqual([2]);
    expect(p.eventShape).toEqual([3]);
    const variance = p.variance();
    expect(variance.shape).toEqual([2, 3]);
    expectClose(variance, 0.25, { rtol: 1e-6 });
    tf.dispose([variance, output]);
    p.dispose();
  });
});

describe('likelihood arguments', () => {
  const output = tf.zeros([1, 2]);
  afterAll(() => output.dispose());
  const calls: Record<string, (likelihood: Likelihood, scale?: number) => unknown> = {
    decoderDistribution: (likelihood, scale) => decoderDistribution(likelihood, output, scale),
    negLogLikelihood: (likelihood, scale) => negLogLikelihood(likelihood, output, output, scale),
    likelihoodMean: (likelihood) => likelihoodMean(likelihood, output),
  };

  it('an unknown likelihood name throws, naming the function and the valid names, before any tensor is made', () => {
    for (const [name, call] of Object.entries(calls)) {
      const before = tf.memory().numTensors;
      // a typo must not fall through to another likelihood (it used to become the gaussian)
      expect(() => call('bernouli' as Likelihood)).toThrow(`${name}: likelihood must be one of bernoulli, gaussian, continuous-bernoulli, got bernouli`);
      expect(() => call(undefined as unknown as Likelihood)).toThrow(`${name}: likelihood must be one of`);
      expect(tf.memory().numTensors, name).toBe(before);
    }
  });

  it('a scale that is not a finite number > 0 throws, naming the function', () => {
    for (const name of ['decoderDistribution', 'negLogLikelihood'] as const) {
      const before = tf.memory().numTensors;
      for (const scale of [0, -1, NaN, Infinity]) {
        expect(() => calls[name]!('gaussian', scale)).toThrow(`${name}: scale must be a finite number > 0, got ${scale}`);
      }
      expect(() => calls[name]!('gaussian', '2' as unknown as number)).toThrow(`${name}: scale must be a finite number > 0, got 2`);
      expect(tf.memory().numTensors, name).toBe(before);
    }
  });
});
