import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { backendTolerance, expectClose, expectNoLeaks, loadReference } from '../../../tooling/testing';
import { klStandardNormalPerDim, logDiagNormal, logStandardNormal, reparameterize } from './diag-gaussian';

const ref = loadReference('prob');

describe('klStandardNormalPerDim', () => {
  it('matches the reference KL of a diagonal Gaussian to N(0, I), per dimension and summed', async () => {
    for (const c of ref.kl.diag_normal_vs_standard as { mu: number[]; logVar: number[]; kl: number; klPerDim: number[] }[]) {
      const [mu, logVar] = [tf.tensor2d([c.mu]), tf.tensor2d([c.logVar])];
      const perDim = await expectNoLeaks(() => klStandardNormalPerDim(mu, logVar));
      expectClose(perDim, c.klPerDim, { rtol: backendTolerance(), atol: 1e-6 });
      expectClose(tf.sum(perDim).dataSync()[0]!, c.kl, { rtol: backendTolerance() });
      tf.dispose([perDim, mu, logVar]);
    }
  });

  it('is >= 0 everywhere and unbounded above (no -1 slip outside the sum)', () => {
    const mu = tf.randomNormal([50, 8], 0, 3, 'float32', 1);
    const logVar = tf.randomNormal([50, 8], 0, 3, 'float32', 2);
    const kl = klStandardNormalPerDim(mu, logVar);
    expect(tf.min(kl).dataSync()[0]!).toBeGreaterThanOrEqual(0);
    const big = klStandardNormalPerDim(tf.tensor2d([[100]]), tf.tensor2d([[0]]));
    expectClose(big, [5000], { rtol: 1e-6 });
    tf.dispose([mu, logVar, kl, big]);
  });
});

describe('Gaussian log-densities', () => {
  it('logStandardNormal and logDiagNormal match the reference Normal log-probs', () => {
    const [std, shifted] = ref.normal as { params: { loc: number; scale: number }; x: number[]; logProb: number[] }[];
    const x = tf.tensor2d(std!.x, [std!.x.length, 1]);
    expectClose(logStandardNormal(x), std!.logProb, { rtol: backendTolerance() });
    const lp = logDiagNormal(
      tf.tensor2d(shifted!.x, [7, 1]),
      tf.scalar(shifted!.params.loc),
      tf.scalar(2 * Math.log(shifted!.params.scale)),
    );
    expectClose(lp, shifted!.logProb, { rtol: backendTolerance() });
  });

  it('reparameterize: same seed, same z; z = mu + sigma * eps; gradient of sum(z) is S per mu and S * sigma * eps / 2 per logVar', async () => {
    const mu = tf.tensor2d([[0.5, -1]]);
    const logVar = tf.tensor2d([[0.2, -0.4]]);
    const a = await expectNoLeaks(() => reparameterize(mu, logVar, 3, 7));
    const b = reparameterize(mu, logVar, 3, 7);
    expect(Array.from(a.z.dataSync())).toEqual(Array.from(b.z.dataSync()));
    const expected = tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), a.eps));
    expectClose(a.z, Array.from(expected.dataSync()), { rtol: 1e-6 });
    const [gMu, gLv] = tf.grads((m: tf.Tensor, l: tf.Tensor) => tf.sum(reparameterize(m, l, 3, 7).z))([mu, logVar]);
    expectClose(gMu!, [3, 3], { rtol: 1e-6 });
    const eps = a.eps.arraySync() as number[][][];
    const sig = [Math.exp(0.1), Math.exp(-0.2)];
    const wantLv = [0, 1].map((j) => eps.reduce((s, e) => s + 0.5 * sig[j]! * e[0]![j]!, 0));
    expectClose(gLv!, wantLv, { rtol: 1e-5 });
    tf.dispose([a.z, a.eps, b.z, b.eps, expected, gMu!, gLv!, mu, logVar]);
  });
});
