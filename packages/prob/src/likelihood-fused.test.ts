import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, BERNOULLI_LOG_LIKELIHOOD_KERNEL, Likelihood } from './index';

// Likelihood('bernoulli').logProb runs as one fused kernel where the backend registers it (elbo's wasm
// kernels do, by the names exported here) and as composed ops elsewhere (cpu); the same closed forms
// hold on both.
const softplus = (l: number): number => Math.max(l, 0) + Math.log1p(Math.exp(-Math.abs(l)));
const sigmoid = (l: number): number => (l >= 0 ? 1 / (1 + Math.exp(-l)) : Math.exp(l) / (1 + Math.exp(l)));
const fused = () => tf.getKernel(BERNOULLI_LOG_LIKELIHOOD_KERNEL, tf.getBackend()) != null;

/** K samples of logits [K, n, ...event] against data [n, ...event], with values from 0 to far out. */
function data(k: number, n: number, event: number[]): { l: tf.Tensor; x: tf.Tensor; lv: Float32Array; xv: Float32Array; d: number } {
  const d = event.reduce((a, b) => a * b, 1);
  const lv = Float32Array.from({ length: k * n * d }, (_, i) =>
    i % 7 === 0 ? [0, 30, -30, 100, -100, 1e-6, 4][i % 6]! : 9 * Math.sin(0.77 * i),
  );
  const xv = Float32Array.from({ length: n * d }, (_, i) => [0, 1, 0.3, Math.abs(Math.cos(i))][i % 4]!);
  return { l: tf.tensor(lv, [k, n, ...event]), x: tf.tensor(xv, [n, ...event]), lv, xv, d };
}

describe('the Bernoulli likelihood, fused where the backend has the kernel', () => {
  it('elbo kernels register it under the exported names on wasm, where logProb runs it; cpu composes ops', async () => {
    expect([BERNOULLI_LOG_LIKELIHOOD_KERNEL, BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL]).toEqual([
      'ElboBernoulliLogLikelihood',
      'ElboBernoulliLogLikelihoodGrad',
    ]);
    expect(fused()).toBe(tf.getBackend() === 'wasm');
    const { l, x } = data(2, 3, [8]);
    const profile = await tf.profile(() => new Likelihood('bernoulli').logProb(x, l));
    const names = profile.kernels.map((k) => k.name);
    expect(names.includes(BERNOULLI_LOG_LIKELIHOOD_KERNEL)).toBe(fused());
    expect(names.includes('Softplus')).toBe(!fused());
    tf.dispose([l, x, profile.result as tf.Tensor]);
  });

  for (const event of [[8], [4, 7, 1], [7]]) {
    // [7]: a width that is not a multiple of 4 takes the composed ops on every backend
    it(`log p(x | l) and its gradient in l match float64, [3, 5, ${event.join(', ')}] logits against [5, ${event.join(', ')}] data, eventRank ${event.length}`, async () => {
      const { l, x, lv, xv, d } = data(3, 5, event);
      const lik = new Likelihood('bernoulli', { eventRank: event.length });
      const dyv = Float32Array.from({ length: 15 }, (_, i) => 1 + i / 4);
      const dy = tf.tensor(dyv, [3, 5]);
      const value = await expectNoLeaks(() => lik.logProb(x, l));
      const grad = await expectNoLeaks(() => tf.grad((logits: tf.Tensor) => tf.sum(tf.mul(lik.logProb(x, logits), dy)))(l));
      expect(value.shape).toEqual([3, 5]);
      expect(grad.shape).toEqual(l.shape);
      const [got, gotGrad] = [value.dataSync(), grad.dataSync()];
      for (let r = 0; r < 15; r++) {
        let want = 0;
        let scale = 0;
        for (let j = 0; j < d; j++) {
          const [lj, xj] = [lv[r * d + j]!, xv[(r % 5) * d + j]!];
          want += xj * lj - softplus(lj);
          scale += Math.abs(xj * lj) + softplus(lj);
          expect(gotGrad[r * d + j]).toBeCloseTo(dyv[r]! * (xj - sigmoid(lj)), 5);
        }
        expect(Math.abs(got[r]! - want)).toBeLessThanOrEqual(8 * 2 ** -23 * scale);
      }
      tf.dispose([l, x, dy, value, grad]);
    });
  }

  it('on the fused kernel, the gradient in x is the sum over the samples of dy l (cpu: x is a constant)', async () => {
    const { l, x, lv, xv, d } = data(3, 5, [8]);
    const lik = new Likelihood('bernoulli');
    if (!fused()) {
      // the composed ops treat x as data: asking for its gradient is an error, not a silent zero
      expect(() => tf.grad((xt: tf.Tensor) => tf.sum(lik.logProb(xt, l)))(x)).toThrow();
      tf.dispose([l, x]);
      return;
    }
    const grad = await expectNoLeaks(() => tf.grad((xt: tf.Tensor) => tf.sum(lik.logProb(xt, l)))(x));
    const got = grad.dataSync();
    for (let i = 0; i < xv.length; i++) {
      const [n, j] = [Math.floor(i / d), i % d];
      const want = [0, 1, 2].reduce((s, k) => s + lv[(k * 5 + n) * d + j]!, 0);
      expect(got[i]).toBeCloseTo(want, 4);
    }
    tf.dispose([l, x, grad]);
  });

  it('second derivatives in the logits match the closed form -dy sigmoid(l) (1 - sigmoid(l)), on every backend', async () => {
    const { l, x, lv } = data(2, 3, [8]);
    const lik = new Likelihood('bernoulli');
    const w = tf.tensor(
      Float32Array.from({ length: lv.length }, (_, i) => 0.5 + (i % 5) / 4),
      l.shape,
    );
    // f(l) = sum log p(x | l); grad f = x - s(l); d/dl sum(w * grad f) = -w s (1 - s)
    const second = await expectNoLeaks(() =>
      tf.grad((logits: tf.Tensor) => tf.sum(tf.mul(w, tf.grad((inner: tf.Tensor) => tf.sum(lik.logProb(x, inner)))(logits))))(l),
    );
    const got = second.dataSync();
    const wv = w.dataSync();
    for (let i = 0; i < lv.length; i++) {
      const s = sigmoid(lv[i]!);
      expect(got[i]).toBeCloseTo(-wv[i]! * s * (1 - s), 5);
    }
    // and through x: d/dx sum(w * (x - s(l))) sums w over the K samples that share x's row
    const throughX = await expectNoLeaks(() =>
      tf.grad((xt: tf.Tensor) => tf.sum(tf.mul(w, tf.grad((inner: tf.Tensor) => tf.sum(lik.logProb(xt, inner)))(l))))(x),
    );
    const gotX = throughX.dataSync();
    for (let i = 0; i < gotX.length; i++) expect(gotX[i]).toBeCloseTo(wv[i]! + wv[i + gotX.length]!, 5);
    tf.dispose([l, x, w, second, throughX]);
  });

  it('second derivatives where the upstream gradient depends on the logits too (the squared log-likelihood)', async () => {
    const { l, x, lv, xv, d } = data(2, 3, [8]);
    const lik = new Likelihood('bernoulli');
    const wv = Float32Array.from({ length: lv.length }, (_, i) => 0.25 + (i % 3) / 2);
    const w = tf.tensor(wv, l.shape);
    // F(l) = sum_r P_r^2: dF/dl_rj = 2 P_r (x_j - s_rj), with the upstream 2 P_r itself a function of l
    const second = await expectNoLeaks(() =>
      tf.grad((logits: tf.Tensor) => tf.sum(tf.mul(w, tf.grad((inner: tf.Tensor) => tf.sum(tf.square(lik.logProb(x, inner))))(logits))))(l),
    );
    const got = second.dataSync();
    for (let r = 0; r < 6; r++) {
      const xs = (j: number) => xv[(r % 3) * d + j]!;
      const ss = (j: number) => sigmoid(lv[r * d + j]!);
      let p = 0;
      let wr = 0;
      for (let j = 0; j < d; j++) {
        p += xs(j) * lv[r * d + j]! - softplus(lv[r * d + j]!);
        wr += wv[r * d + j]! * (xs(j) - ss(j));
      }
      for (let k = 0; k < d; k++) {
        const want = 2 * (xs(k) - ss(k)) * wr - 2 * p * wv[r * d + k]! * ss(k) * (1 - ss(k));
        expect(Math.abs(got[r * d + k]! - want)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(want)));
      }
    }
    tf.dispose([l, x, w, second]);
  });
});
