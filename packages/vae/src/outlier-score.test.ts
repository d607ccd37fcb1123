import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linesArrays, probeImages } from '@elbo/datasets';
import { auroc } from '@elbo/prob';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { imageStatistics, MIN_FIT_IMAGES, OUTLIER_METHODS, OutlierScore, VAE, mlp } from './index';
import type { ImageStatistics, OutlierScoreJSON } from './index';
import { logKernelDensity, silvermanBandwidth } from './kernel-density';

// A small VAE of 12x12 lines: the same failure as the digits' at a size a unit test can train.
const SIZE = 12;
const D = SIZE * SIZE;
const lineImages = (n: number, seed: number) => linesArrays({ n, size: SIZE, seed }).images;
let vae: VAE;
let fitX: tf.Tensor2D;
beforeAll(async () => {
  vae = new VAE({ encoder: mlp([D, 64, 8], { seed: 1 }), decoder: mlp([4, 64, D], { seed: 2 }), latentDim: 4, likelihood: 'bernoulli' });
  const train = tf.tensor2d(lineImages(600, 1), [600, D]);
  await vae.fit(train, { epochs: 15, batchSize: 32, learningRate: 3e-3, seed: 0 });
  train.dispose();
  fitX = tf.tensor2d(lineImages(200, 2), [200, D]);
}, 60_000);
afterAll(() => {
  vae.dispose();
  fitX.dispose();
});

const tensorOf = (images: Float32Array) => tf.tensor2d(images, [images.length / D, D]);

describe('OutlierScore', () => {
  it('DoSE tells held-out lines from noise, blank and dotted images, where raw log p(x) ranks blank ones as most typical', async () => {
    const sets = {
      inliers: tensorOf(lineImages(150, 3)),
      noise: tensorOf(probeImages({ kind: 'uniform-noise', n: 150, size: SIZE, seed: 4 }).images),
      blank: tensorOf(probeImages({ kind: 'constant', n: 150, size: SIZE, seed: 5 }).images),
      dots: tensorOf(probeImages({ kind: 'sparse-dots', n: 150, size: SIZE, seed: 6 }).images),
    };
    const auc: Record<string, Record<string, number>> = {};
    for (const method of OUTLIER_METHODS) {
      const score = await OutlierScore.fit(vae, fitX, { method, samples: 20, seed: 7 });
      const inlier = await score.score(sets.inliers);
      auc[method] = {};
      for (const name of ['noise', 'blank', 'dots'] as const) auc[method]![name] = auroc(inlier, await score.score(sets[name]));
    }
    tf.dispose(Object.values(sets));
    // blank images (a third of them all 0) are likelier than lines under the raw score...
    expect(auc['log-likelihood']!.blank).toBeLessThan(0.75);
    // ...which DoSE corrects; on this small model it separates every set (the digits' targets are in test:quality)
    expect(auc.dose!.blank! - auc['log-likelihood']!.blank!).toBeGreaterThan(0.2);
    for (const name of ['noise', 'blank', 'dots']) expect(auc.dose![name]).toBeGreaterThan(0.9);
  }, 60_000);

  it('computes each formula from the training statistics: -log p(x), the typicality distance, the sum of KDE surprisals', async () => {
    const x = tensorOf(
      new Float32Array([...lineImages(20, 8), ...probeImages({ kind: 'sparse-dots', n: 10, size: SIZE, seed: 9 }).images]),
    );
    const stats = await imageStatistics(vae, x, { samples: 20, seed: 7 });
    for (const method of OUTLIER_METHODS) {
      const score = await OutlierScore.fit(vae, fitX, { method, samples: 20, seed: 7 });
      const json = score.toJSON();
      const got = await expectNoLeaks(() => score.score(x));
      expectClose(got, Array.from(expectedScores(json, stats)), { rtol: 1e-9, atol: 1e-9 });
      // score(x) is scoreStatistics of the same statistics
      expect(Array.from(score.scoreStatistics(stats))).toEqual(Array.from(got));
    }
    x.dispose();
  }, 60_000);

  it('fits without leaking, and reads back from JSON with the same scores', async () => {
    const score = await expectNoLeaks(() => OutlierScore.fit(vae, fitX, { samples: 10, seed: 1 }));
    expect(score.method).toBe('dose');
    expect(score.statistics).toEqual(['logLikelihood', 'rate', 'distortion', 'posteriorEntropy', 'priorCrossEntropy']);
    const x = tensorOf(lineImages(40, 10));
    const again = OutlierScore.fromJSON(vae, JSON.parse(JSON.stringify(score)) as OutlierScoreJSON);
    expect(Array.from(await again.score(x))).toEqual(Array.from(await score.score(x)));
    x.dispose();
  }, 60_000);

  it('names bad input, and leaves nothing behind', async () => {
    const before = tf.memory().numTensors;
    const few = tf.slice(fitX, [0, 0], [MIN_FIT_IMAGES - 1, D]);
    await expect(OutlierScore.fit(vae, few)).rejects.toThrow(
      `OutlierScore.fit: x must hold at least ${MIN_FIT_IMAGES} training images to fit a score on, got ${MIN_FIT_IMAGES - 1}`,
    );
    few.dispose();
    await expect(OutlierScore.fit(vae, fitX, { method: 'likelihood-ratio' as never })).rejects.toThrow(
      "OutlierScore.fit: method must be one of 'log-likelihood', 'typicality', 'dose', got string \"likelihood-ratio\"",
    );
    await expect(OutlierScore.fit(vae, fitX, { metod: 'dose' } as never)).rejects.toThrow(
      'OutlierScore.fit: unknown option "metod"; did you mean "method"?',
    );
    // the same image 60 times: the closed-form statistics are constant, so DoSE leaves them out
    const same = tf.tidy(() => tf.tile(tf.slice(fitX, [0, 0], [1, D]), [60, 1]));
    expect((await OutlierScore.fit(vae, same, { samples: 5 })).statistics).toEqual(['logLikelihood', 'distortion']);
    same.dispose();

    const score = await OutlierScore.fit(vae, fitX, { method: 'typicality', samples: 5 });
    const narrow = tf.zeros([3, D - 1]);
    await expect(score.score(narrow)).rejects.toThrow(`OutlierScore.score: x must have shape [n, ${D}], got [3, ${D - 1}]`);
    narrow.dispose();
    const empty = tf.zeros([0, D]);
    await expect(score.score(empty)).rejects.toThrow(`OutlierScore.score: x must hold at least one image, got shape [0, ${D}]`);
    empty.dispose();
    const bright = tf.fill([2, D], 1.5);
    await expect(score.score(bright)).rejects.toThrow(
      /^OutlierScore\.score: x must be in the unit interval \[0, 1\], got 1\.5 at index \[0, 0\]/,
    );
    bright.dispose();
    expect(() => score.scoreStatistics({ logLikelihood: [1, 2] } as never)).toThrow(
      'OutlierScore.scoreStatistics: stats must hold a Float64Array logLikelihood, got an array of length 2',
    );
    const stats = await imageStatistics(vae, tf.tidy(() => tf.slice(fitX, [0, 0], [3, D]).arraySync()) as number[][], { samples: 5 });
    stats.logLikelihood[1] = Number.NaN;
    expect(() => score.scoreStatistics(stats)).toThrow('OutlierScore.scoreStatistics: stats.logLikelihood[1] is NaN, not a finite number');
    await expect(OutlierScore.fit({} as VAE, fitX)).rejects.toThrow('OutlierScore.fit: vae must be a VAE, got an object');
    expect(tf.memory().numTensors).toBe(before);

    const good = score.toJSON();
    const bad: [unknown, string][] = [
      [null, "OutlierScore.fromJSON: json must be an object with format 'elbo-outlier-score', got null"],
      [{ ...good, version: 2 }, 'OutlierScore.fromJSON: json.version must be 1, got number 2'],
      [
        { ...good, method: 'nope' },
        "OutlierScore.fromJSON: method must be one of 'log-likelihood', 'typicality', 'dose', got string \"nope\"",
      ],
      [{ ...good, samples: 0 }, 'OutlierScore.fromJSON: samples must be an integer >= 1, got 0'],
      [
        { ...good, training: { logLikelihood: [1, 2] } },
        'OutlierScore.fromJSON: json.training.logLikelihood must be an array of at least 50 finite numbers, got an array of length 2',
      ],
      [
        { ...good, training: {} },
        'OutlierScore.fromJSON: json.training.logLikelihood must be an array of at least 50 finite numbers, got undefined',
      ],
      [
        { ...good, training: { logLikelihood: new Array(60).fill(-3) } },
        'OutlierScore.fromJSON: the logLikelihood is the same for every training image, so it cannot tell images apart',
      ],
      [
        { ...good, method: 'dose', training: { rate: new Array(60).fill(1), distortion: new Array(60).fill(2) } },
        'OutlierScore.fromJSON: every statistic is the same for every training image, so no score can tell images apart',
      ],
    ];
    for (const [json, message] of bad) expect(() => OutlierScore.fromJSON(vae, json as OutlierScoreJSON)).toThrow(message);
  }, 60_000);
});

describe('the kernel density under DoSE', () => {
  const values = Float64Array.from({ length: 200 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 7));

  it("has Silverman's bandwidth", () => {
    const n = values.length;
    const mean = values.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
    const sorted = Array.from(values).sort((a, b) => a - b);
    const q = (p: number) =>
      sorted[Math.floor(p * (n - 1))]! +
      (p * (n - 1) - Math.floor(p * (n - 1))) * (sorted[Math.floor(p * (n - 1)) + 1]! - sorted[Math.floor(p * (n - 1))]!);
    expect(silvermanBandwidth(values)).toBeCloseTo(0.9 * Math.min(sd, (q(0.75) - q(0.25)) / 1.34) * n ** -0.2, 12);
    expect(silvermanBandwidth(new Float64Array(60).fill(2))).toBe(0);
  });

  it('is the mean of Gaussian bumps, and stays finite far from every value', () => {
    const h = silvermanBandwidth(values);
    for (const v of [-2, 0.3, 4, 9]) {
      const direct = values.reduce((s, vi) => s + Math.exp(-0.5 * ((v - vi) / h) ** 2) / (h * Math.sqrt(2 * Math.PI)), 0) / values.length;
      expect(logKernelDensity(values, h, v)).toBeCloseTo(Math.log(direct), 10);
    }
    const far = logKernelDensity(values, h, 1e4);
    expect(Number.isFinite(far)).toBe(true);
    expect(far).toBeLessThan(logKernelDensity(values, h, 1e3));
  });
});

/** The three formulas, written out from the saved training statistics. */
function expectedScores(json: OutlierScoreJSON, stats: ImageStatistics): Float64Array {
  const n = stats.logLikelihood.length;
  const train = json.training;
  if (json.method === 'log-likelihood') return stats.logLikelihood.map((v) => -v);
  if (json.method === 'typicality') {
    const t = train.logLikelihood!;
    const mean = t.reduce((s, v) => s + v, 0) / t.length;
    const sd = Math.sqrt(t.reduce((s, v) => s + (v - mean) ** 2, 0) / (t.length - 1));
    return stats.logLikelihood.map((v) => Math.abs(v - mean) / sd);
  }
  const out = new Float64Array(n);
  for (const [name, values] of Object.entries(train)) {
    const fitted = Float64Array.from(values);
    const h = silvermanBandwidth(fitted);
    for (let i = 0; i < n; i++) out[i]! -= logKernelDensity(fitted, h, stats[name as keyof ImageStatistics][i]!);
  }
  return out;
}
