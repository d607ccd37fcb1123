import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Independent, Normal, klDivergence } from '@elbo/prob';
import { ProbabilisticPCA } from '@elbo/linear';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';

/** log N(x; mu, C) in float64 through a Cholesky factor (the dense closed form). */
function denseLogDensity(x: number[], mu: number[], c: number[][]): number {
  const d = mu.length;
  const l = c.map((r) => r.map(() => 0));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = c[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  }
  const y: number[] = [];
  for (let i = 0; i < d; i++) {
    let s = x[i]! - mu[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * y[k]!;
    y.push(s / l[i]![i]!);
  }
  const logDet = 2 * l.reduce((s, r, i) => s + Math.log(r[i]!), 0);
  return -0.5 * (y.reduce((s, v) => s + v * v, 0) + d * Math.log(2 * Math.PI) + logDet);
}

function data(n: number, d: number, seed = 2): tf.Tensor2D {
  return tf.tidy(() => {
    const w = tf.randomNormal([2, d], 0, 1.5, 'float32', seed + 1);
    const z = tf.randomNormal([n, 2], 0, 1, 'float32', seed);
    return tf.add(tf.add(tf.matMul(z, w), tf.randomNormal([n, d], 0, 0.3, 'float32', seed + 2)), 1) as tf.Tensor2D;
  });
}

describe('ProbabilisticPCA', () => {
  it('logLikelihood equals the dense Gaussian N(mu, W W^T + sigma^2 I) log-density', async () => {
    const x = data(300, 6);
    const ppca = ProbabilisticPCA.fit(x, { components: 2 });
    const w = ppca.weights.arraySync();
    const mu = Array.from(ppca.mean.dataSync());
    const s2 = ppca.noiseVariance;
    const c = w.map((wi, i) => w.map((wj, j) => wi.reduce((s, v, k) => s + v * wj[k]!, 0) + (i === j ? s2 : 0)));
    const rows = x.arraySync().slice(0, 20);
    const got = await expectNoLeaks(() => ppca.logLikelihoodSamples(rows));
    expectClose(
      got,
      rows.map((r) => denseLogDensity(r, mu, c)),
      { rtol: 1e-4 },
    );
    expectClose(ppca.logLikelihood(rows), rows.reduce((s, r) => s + denseLogDensity(r, mu, c), 0) / rows.length, { rtol: 1e-4 });
    got.dispose();
    ppca.dispose();
    x.dispose();
  });

  it('encode is the posterior mean M^-1 W^T (x - mu), M = W^T W + sigma^2 I', () => {
    const x = data(200, 5);
    const ppca = ProbabilisticPCA.fit(x, { components: 2 });
    const w = ppca.weights.arraySync();
    const mu = Array.from(ppca.mean.dataSync());
    const s2 = ppca.noiseVariance;
    const m = [0, 1].map((a) => [0, 1].map((b) => w.reduce((s, r) => s + r[a]! * r[b]!, 0) + (a === b ? s2 : 0)));
    const det = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const minv = [
      [m[1]![1]! / det, -m[0]![1]! / det],
      [-m[1]![0]! / det, m[0]![0]! / det],
    ];
    const row = x.arraySync()[3]!;
    const wtx = [0, 1].map((a) => w.reduce((s, r, i) => s + r[a]! * (row[i]! - mu[i]!), 0));
    const expected = [0, 1].map((a) => minv[a]![0]! * wtx[0]! + minv[a]![1]! * wtx[1]!);
    const z = ppca.encode([row]);
    expectClose(z, expected, { rtol: 1e-4, atol: 1e-5 });
    z.dispose();
    ppca.dispose();
    x.dispose();
  });

  it('posterior is N(M^-1 W^T (x - mu), sigma^2 M^-1): the mean of encode, the dense 2 x 2 inverse for the covariance', async () => {
    const x = data(200, 5);
    const ppca = ProbabilisticPCA.fit(x, { components: 2 });
    const w = ppca.weights.arraySync();
    const s2 = ppca.noiseVariance;
    const m = [0, 1].map((a) => [0, 1].map((b) => w.reduce((s, r) => s + r[a]! * r[b]!, 0) + (a === b ? s2 : 0)));
    const det = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
    const cov = [(s2 * m[1]![1]!) / det, (-s2 * m[0]![1]!) / det, (-s2 * m[1]![0]!) / det, (s2 * m[0]![0]!) / det];
    expect(Math.abs(cov[1]!)).toBeLessThan(1e-6 * cov[0]!); // diagonal: the fitted W has orthogonal columns
    const rows = x.arraySync().slice(0, 6);
    const { mean, variance, shapes } = await expectNoLeaks(() => {
      const post = ppca.posterior(rows);
      const out = tf.tidy(() => ({ mean: post.mean().arraySync() as number[][], variance: post.variance().arraySync() as number[][] }));
      const shapes = [post.batchShape, post.eventShape];
      post.dispose();
      return { ...out, shapes };
    });
    expect(shapes).toEqual([[6], [2]]);
    const z = ppca.encode(rows);
    expectClose(mean.flat(), z.dataSync(), { rtol: 1e-6 });
    variance.forEach((v) => expectClose(v, [cov[0]!, cov[3]!], { rtol: 1e-4 }));
    expect(() => ppca.posterior([[1, 2]])).toThrow('ProbabilisticPCA.posterior: x must have 5 values on its last axis, got shape [1, 2]');
    tf.dispose([z, x]);
    ppca.dispose();
  });

  it('log p(x) - ELBO_q(x) = KL(q || posterior) for a q that is not the posterior (ELBO in closed form, float64)', () => {
    const x = data(200, 5);
    const ppca = ProbabilisticPCA.fit(x, { components: 2 });
    const rows = x.arraySync();
    const w = ppca.weights.arraySync(); // [d, k]
    const mu = Array.from(ppca.mean.dataSync());
    const s2 = ppca.noiseVariance;
    // q = N(0.9 m + 0.1, 1.5 v), m and v the true posterior's
    const post = ppca.posterior(rows);
    const [mq, vq, sq] = tf.tidy(() => {
      const variance = tf.mul(post.variance(), 1.5);
      return [tf.add(tf.mul(post.mean(), 0.9), 0.1), variance, tf.sqrt(variance)];
    });
    const q = new Independent(new Normal({ loc: mq!, scale: sq! }), 1);
    const kl = klDivergence(q, post);
    const logPx = ppca.logLikelihoodSamples(rows);
    const m = mq!.arraySync() as number[][];
    const v = vq!.arraySync() as number[][];
    const colNorms = [0, 1].map((j) => w.reduce((s, r) => s + r[j]! ** 2, 0));
    const elbo = rows.map((row, n) => {
      // E_q log p(x|z) = -(|x - mu - W m|^2 + sum_j v_j |w_j|^2) / (2 s2) - d/2 ln(2 pi s2);  KL(q || N(0, I))
      const sq = row.reduce((s, xi, i) => s + (xi - mu[i]! - w[i]!.reduce((a, wij, j) => a + wij * m[n]![j]!, 0)) ** 2, 0);
      const spread = v[n]!.reduce((s, vj, j) => s + vj * colNorms[j]!, 0);
      const klPrior = m[n]!.reduce((s, mj, j) => s + 0.5 * (mj ** 2 + v[n]![j]! - Math.log(v[n]![j]!) - 1), 0);
      return -(sq + spread) / (2 * s2) - 0.5 * row.length * Math.log(2 * Math.PI * s2) - klPrior;
    });
    const gap = Array.from(logPx.dataSync(), (lp, n) => lp - elbo[n]!);
    kl.dataSync().forEach((k) => expect(k).toBeGreaterThan(0.05));
    // log p(x) and the KL are float32 sums of terms up to |x - mu|^2 / sigma^2: tfjs' float32 test tolerance
    // (observed up to 2e-4 over 200 rows; a wrong identity would be off by a KL, >= 0.05).
    expectClose(gap, kl.dataSync(), { atol: backendTolerance() });
    tf.dispose([mq!, vq!, sq!, kl, logPx, x]);
    q.dispose();
    post.dispose();
    ppca.dispose();
  });

  it('samples have the model covariance W W^T + sigma^2 I and mean mu; seeded', () => {
    const x = data(300, 4);
    const ppca = ProbabilisticPCA.fit(x, { components: 2 });
    const s = ppca.sample(20000, { seed: 5 });
    const again = ppca.sample(3, { seed: 5 });
    const head = tf.slice(s, [0, 0], [3, 4]);
    expectClose(again, Array.from(head.dataSync()));
    head.dispose();
    const { mean, cov } = tf.tidy(() => {
      const mu = tf.mean(s, 0);
      const c = tf.div(tf.matMul(tf.transpose(tf.sub(s, mu)), tf.sub(s, mu)), 19999);
      return { mean: mu.dataSync(), cov: c.arraySync() as number[][] };
    });
    const w = ppca.weights.arraySync();
    const model = w.map((wi, i) => w.map((wj, j) => wi.reduce((a, v, k) => a + v * wj[k]!, 0) + (i === j ? ppca.noiseVariance : 0)));
    const scale = Math.max(...model.map((r, i) => r[i]!));
    // Monte Carlo: standard error of a covariance entry ~ scale * sqrt(2 / n) ~ 1% of scale
    expectClose(cov.flat(), model.flat(), { atol: 0.05 * scale });
    expectClose(Array.from(mean), Array.from(ppca.mean.dataSync()), { atol: 0.05 * Math.sqrt(scale) });
    tf.dispose([s, again, x]);
    ppca.dispose();
  });

  it('rejects bad arguments', () => {
    const x = data(20, 3);
    const ppca = ProbabilisticPCA.fit(x, { components: 1 });
    expect(() => ppca.sample(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => ppca.sample(2, { seed: 0.5 })).toThrow(/seed must be an integer, got 0.5/);
    expect(() => ppca.logLikelihood([[1, 2]])).toThrow(
      'ProbabilisticPCA.logLikelihood: x must have 3 values on its last axis, got shape [1, 2]',
    );
    expect(() => ProbabilisticPCA.fit(x, { components: 4 })).toThrow(/components must be an integer in \[1, 3\]/);
    ppca.dispose();
    x.dispose();
  });
});
