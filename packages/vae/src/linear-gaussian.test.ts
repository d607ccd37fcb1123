import * as tf from '@tensorflow/tfjs-core';
import { Independent, Normal, klDivergence } from '@elbo/prob';
import { afterAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import {
  NotLinearGaussianError,
  klToLinearGaussianPosterior,
  linearGaussianElbo,
  linearGaussianLogLikelihood,
  linearGaussianPosterior,
} from './linear-gaussian';
import { exactLogPx, linearGaussianVAE, SIGMA, W, X } from './linear-gaussian.fixture';
import { VAE } from './vae';
import { linear, mlp } from '@elbo/nn';

/** log N(x; mu, C) in float64 by a dense D x D Cholesky: the oracle that shares nothing with the k x k route. */
function denseLogDensity(x: ArrayLike<number>, mu: ArrayLike<number>, c: number[][]): number {
  const d = mu.length;
  const l = c.map((r) => r.map(() => 0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i]![j]!;
      for (let m = 0; m < j; m++) s -= l[i]![m]! * l[j]![m]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  }
  const y: number[] = [];
  for (let i = 0; i < d; i++) {
    let s = x[i]! - mu[i]!;
    for (let m = 0; m < i; m++) s -= l[i]![m]! * y[m]!;
    y.push(s / l[i]![i]!);
  }
  const logDet = 2 * l.reduce((s, r, i) => s + Math.log(r[i]!), 0);
  return -0.5 * (y.reduce((s, v) => s + v * v, 0) + d * Math.log(2 * Math.PI) + logDet);
}

/** A linear-Gaussian VAE (D = 5, k = 2, learned sigma) trained a few epochs on random data from a rank-2 model. */
async function trainedLinearVAE(): Promise<{ vae: VAE; x: tf.Tensor2D }> {
  const x = tf.tidy(() => {
    const a = tf.randomNormal([2, 5], 0, 1.2, 'float32', 11);
    const z = tf.randomNormal([128, 2], 0, 1, 'float32', 12);
    return tf.add(tf.add(tf.matMul(z, a), tf.randomNormal([128, 5], 0, 0.4, 'float32', 13)), 0.5) as tf.Tensor2D;
  });
  const vae = new VAE({
    encoder: linear({ inputDim: 5, outputDim: 4, seed: 1 }),
    decoder: linear({ inputDim: 2, outputDim: 5, seed: 2 }),
    latentDim: 2,
    likelihood: { name: 'gaussian', sigma: 1, learnSigma: true },
  });
  await vae.fit(x, { epochs: 5, batchSize: 16, seed: 0, learningRate: 0.01 });
  return { vae, x };
}

const exact = linearGaussianVAE(true);
const wrong = linearGaussianVAE(false);
const trained = await trainedLinearVAE();
afterAll(() => {
  exact.dispose();
  wrong.dispose();
  trained.vae.dispose();
  trained.x.dispose();
});

/** max_n |log p(x_n) - ELBO(x_n) - KL_n|: the identity's discrepancy, all in float64. */
function identityGap(vae: VAE, x: number[][] | tf.Tensor): { logPx: Float64Array; elbo: Float64Array; kl: Float64Array; worst: number } {
  const logPx = linearGaussianLogLikelihood(vae, x);
  const elbo = linearGaussianElbo(vae, x);
  const kl = klToLinearGaussianPosterior(vae, x);
  const worst = Math.max(...Array.from(logPx, (lp, n) => Math.abs(lp - elbo[n]! - kl[n]!)));
  return { logPx, elbo, kl, worst };
}

describe('linear-Gaussian VAE: log p(x) = ELBO(x) + KL(q(z|x) || p(z|x))', () => {
  it('log p(x) is the dense Gaussian N(b, W^T W + sigma^2 I) log-density (the fixture oracle, and a D x D Cholesky)', async () => {
    const logPx = await expectNoLeaks(() => linearGaussianLogLikelihood(exact, X));
    // The VAE holds W and sigma in float32; the oracle in float64.
    expectClose(logPx, X.map(exactLogPx), { rtol: 1e-6, atol: 1e-6 });
    const { vae, x } = trained;
    const layer = vae.decoder as ReturnType<typeof linear>;
    const k = layer.kernel.arraySync() as number[][];
    const b = Array.from(layer.bias!.dataSync());
    const s2 = vae.likelihood.sigma()! ** 2;
    const c = b.map((_, i) => b.map((_, j) => k.reduce((s, row) => s + row[i]! * row[j]!, 0) + (i === j ? s2 : 0)));
    const rows = x.arraySync();
    expectClose(
      linearGaussianLogLikelihood(vae, x),
      rows.map((r) => denseLogDensity(r, b, c)),
      { rtol: 1e-10, atol: 1e-10 },
    );
  });

  it('the posterior of the fixture (orthogonal columns) is the diagonal closed form; of the trained model, P Sigma_p = I', async () => {
    const p = await expectNoLeaks(() => linearGaussianPosterior(exact, X));
    const vars = [0, 1].map((j) => 1 / (1 + W.reduce((s, row) => s + row[j]! ** 2, 0) / SIGMA ** 2));
    expectClose(p.covariance.flat(), [vars[0]!, 0, 0, vars[1]!], { rtol: 1e-6, atol: 1e-7 });
    const { mu } = exact.encodeParams(tf.tensor2d(X));
    expectClose(p.mean.flat(), mu.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    mu.dispose();
    const t = linearGaussianPosterior(trained.vae, trained.x);
    expect(Math.abs(t.covariance[0]![1]!)).toBeGreaterThan(1e-3); // a full covariance: W's rows are not orthogonal
    const product = t.precision.map((r) => [0, 1].map((j) => r[0]! * t.covariance[0]![j]! + r[1]! * t.covariance[1]![j]!));
    expectClose(product.flat(), [1, 0, 0, 1], { atol: 1e-12 });
    expectClose(t.logDetCovariance, -Math.log(t.precision[0]![0]! * t.precision[1]![1]! - t.precision[0]![1]! ** 2), { rtol: 1e-12 });
  });

  it('with q the true posterior the gap is 0: KL = 0 and ELBO = log p(x)', async () => {
    const { logPx, elbo, kl, worst } = await expectNoLeaks(() => identityGap(exact, X));
    // q is the posterior up to the float32 rounding of the encoder's weights and output.
    kl.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-9));
    expectClose(elbo, logPx, { rtol: 1e-9, atol: 1e-9 });
    expect(worst).toBeLessThan(1e-12);
  });

  it('with a wrong q (fixture) and a trained amortized q, log p(x) - ELBO(x) = KL(q || p(z|x)) > 0 per example', async () => {
    for (const [vae, x] of [
      [wrong, X],
      [trained.vae, trained.x],
    ] as const) {
      const { kl, worst, logPx } = await expectNoLeaks(() => identityGap(vae, x));
      kl.forEach((v) => expect(v).toBeGreaterThan(1e-4));
      // float64 algebra on the same float32 weights: the identity holds to rounding.
      expect(worst).toBeLessThan(1e-10 * Math.max(...Array.from(logPx, Math.abs)));
    }
  });

  it("the closed-form ELBO is vae.elbo's expectation (Monte Carlo, float32) within 4 standard errors", () => {
    const reps = 4000;
    const x = tf.tile(tf.tensor2d(X), [reps, 1]); // row r * 4 + n is example n
    const { elbo, reconstruction, kl, klPerDim } = wrong.elbo(x, { samples: 1, seed: 3 });
    const draws = elbo.dataSync();
    tf.dispose([x, elbo, reconstruction, kl, klPerDim]);
    const closed = linearGaussianElbo(wrong, X);
    X.forEach((_, n) => {
      const v = Array.from({ length: reps }, (_, r) => draws[r * X.length + n]!);
      const mean = v.reduce((s, a) => s + a, 0) / reps;
      const se = Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / (reps - 1) / reps);
      expect(Math.abs(mean - closed[n]!)).toBeLessThan(4 * se + 1e-4);
    });
  });

  it("with orthogonal W the KL equals prob's klDivergence of two Independent Normals (float32)", () => {
    const p = linearGaussianPosterior(wrong, X);
    const scale = p.covariance.map((r, i) => Math.sqrt(r[i]!));
    const q = wrong.encode(X);
    const post = new Independent(new Normal({ loc: p.mean, scale: X.map(() => scale) }), 1);
    const kl = klDivergence(q, post);
    expectClose(klToLinearGaussianPosterior(wrong, X), kl.dataSync(), { rtol: 1e-4, atol: 1e-5 });
    tf.dispose(kl);
    q.dispose();
    post.dispose();
  });

  it('throws NotLinearGaussianError for a deep decoder, an activation or a non-Gaussian likelihood, and names x for bad data', () => {
    const deep = new VAE({ encoder: mlp([3, 4]), decoder: mlp([2, 4, 3]), likelihood: { name: 'gaussian', sigma: 1 } });
    const relu = new VAE({
      encoder: mlp([3, 4]),
      decoder: linear({ inputDim: 2, outputDim: 3, activation: 'relu' }),
      latentDim: 2,
      likelihood: { name: 'gaussian', sigma: 1 },
    });
    const bern = new VAE({ encoder: mlp([3, 4]), decoder: mlp([2, 3]), likelihood: 'bernoulli' });
    for (const [vae, message] of [
      [deep, /decoder must be a single Linear layer.*a Sequential of 2 layers/],
      [relu, /no activation, got 'relu'/],
      [bern, /likelihood must be a Gaussian over vectors.*'bernoulli'/],
    ] as const) {
      for (const f of [linearGaussianPosterior, klToLinearGaussianPosterior, linearGaussianLogLikelihood, linearGaussianElbo]) {
        expect(() => f(vae, X)).toThrow(NotLinearGaussianError);
        expect(() => f(vae, X)).toThrow(message);
      }
      vae.dispose();
    }
    expect(() => linearGaussianPosterior(exact, [[1, 2]])).toThrow(
      /linearGaussianPosterior: x must have 3 values on its last axis, got shape \[1, 2\]/,
    );
    expect(() => klToLinearGaussianPosterior(exact, [[1, NaN, 2]])).toThrow(/klToLinearGaussianPosterior: x must be finite, got NaN/);
    const before = tf.memory().numTensors;
    expect(() => linearGaussianElbo(exact, [[1, 2, 3, 4]])).toThrow(/linearGaussianElbo: x must have 3 values/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
