import * as tf from '@tensorflow/tfjs-core';
import { flatten, linear, mlp, reshape, sequential } from '@elbo/nn';
import { Likelihood } from '@elbo/prob';
import { afterAll, describe, expect, it } from 'vitest';
import { backendTolerance, expectClose, expectNoLeaks, loadReference } from '../../../tooling/testing';
import { logDiagNormal } from './diag-gaussian';
import { trainingLoss } from './elbo';
import { latentPath, normalQuantile } from './latent';
import { VAE } from './vae';
import type { VAEOptions } from './vae';

const made: VAE[] = [];
function tiny(options: Partial<VAEOptions> = {}, D = 6, d = 2, seed = 1): VAE {
  const vae = new VAE({ encoder: mlp([D, 5, 2 * d], { seed }), decoder: mlp([d, 5, D], { seed: seed + 1 }), latentDim: d, ...options });
  made.push(vae);
  return vae;
}
afterAll(() => made.forEach((v) => v.dispose()));
const x = tf.tensor2d([
  [0.1, 0.9, 0.5, 0.2, 0.0, 1.0],
  [0.7, 0.3, 0.2, 0.8, 0.6, 0.1],
  [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
]);

describe('VAE construction', () => {
  it('rejects inconsistent parts and bad settings, naming them', () => {
    const enc = mlp([6, 5, 4]);
    const dec = mlp([2, 5, 6]);
    const [enc3, dec3, dec7] = [mlp([6, 3]), mlp([3, 6]), mlp([2, 7])];
    const before = tf.memory().numTensors;
    expect(() => new VAE({ encoder: enc, decoder: dec, latentDim: 3 })).toThrow(
      /VAE: the encoder must output 2 \* latentDim = 6 values .* got \[4\]/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec, latentDim: 0 })).toThrow(/latentDim must be a positive integer, got 0/);
    expect(() => new VAE({ encoder: enc3, decoder: dec })).toThrow(/VAE: the encoder must output \[2 \* latentDim\] values .* got \[3\]/);
    expect(() => new VAE({ encoder: enc, decoder: dec3 })).toThrow(
      /VAE: the decoder must take z of shape \[2\] \(latentDim\), got inputShape \[3\]/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec7, latentDim: 2 })).toThrow(
      /decoder must give back the encoder's input shape \[6\], but it outputs \[7\]/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec, latentDim: 2, beta: -1 })).toThrow(/VAE: beta must be a finite number >= 0, got -1/);
    expect(() => new VAE({ encoder: enc, decoder: dec, freeBits: Infinity })).toThrow(
      /VAE: freeBits must be a finite number >= 0, got Infinity/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec, kl: 'exact' as never })).toThrow(
      /VAE: kl must be 'analytic' or 'monte-carlo', got string "exact"/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec, encoderScale: 'exp' as never })).toThrow(
      /VAE: encoderScale must be 'log-variance' or 'softplus', got string "exp"/,
    );
    expect(() => new VAE({ encoder: enc, decoder: dec, latentDim: 2, likelihood: 'poisson' as never })).toThrow(/likelihood must be/);
    expect(() => new VAE({ encoder: enc, decoder: dec, latentDims: 2 } as never)).toThrow(/latentDims/);
    expect(() => new VAE({ encoder: null as never, decoder: dec, latentDim: 2 })).toThrow(/encoder must be a layer from @elbo\/nn/);
    // A learned sigma made before a failing check is freed; the layers stay the caller's.
    expect(() => new VAE({ encoder: enc, decoder: dec, likelihood: { name: 'gaussian', learnSigma: true }, beta: -1 })).toThrow(/beta/);
    expect(tf.memory().numTensors).toBe(before);
    [enc, dec, enc3, dec3, dec7].forEach((l) => l.dispose());
  });

  it('takes latentDim from the encoder when it declares its output, and needs it when not', () => {
    const vae = new VAE({ encoder: mlp([6, 5, 8]), decoder: mlp([4, 5, 6]) });
    expect(vae.latentDim).toBe(4);
    expect(vae.inputShape).toEqual([6]);
    vae.dispose();
    const [enc, dec] = [linear({ inputDim: 6, outputDim: 4 }), linear({ inputDim: 2, outputDim: 6 })];
    expect(() => new VAE({ encoder: enc, decoder: dec })).toThrow(
      /VAE: latentDim is required when the encoder does not declare its output shape/,
    );
    enc.dispose();
    dec.dispose();
  });

  it('rejects a squashed decoder output for the Bernoulli kinds (they read logits), accepts it for the Gaussian mean', () => {
    const enc = mlp([6, 5, 4]);
    const sig = mlp([2, 5, 6], { outputActivation: 'sigmoid' });
    const before = tf.memory().numTensors;
    expect(() => new VAE({ encoder: enc, decoder: sig, latentDim: 2 })).toThrow(
      /VAE: a bernoulli likelihood reads logits, so the decoder must end without an activation \('linear'\), got 'sigmoid'/,
    );
    expect(() => new VAE({ encoder: enc, decoder: sig, latentDim: 2, likelihood: 'continuous-bernoulli' })).toThrow(
      /a continuous-bernoulli likelihood reads logits, so the decoder must end without an activation \('linear'\), got 'sigmoid'/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const g = new VAE({ encoder: enc, decoder: sig, latentDim: 2, likelihood: { name: 'gaussian', learnSigma: true } });
    expect(g.likelihood.name).toBe('gaussian');
    g.dispose();
  });
});

describe('encode / decode', () => {
  it('encode gives q(z|x) as Independent(Normal): shapes, log-prob of the diagonal Gaussian, no leaks', async () => {
    const vae = tiny();
    const lp = await expectNoLeaks(() => {
      const q = vae.encode(x);
      expect(q.batchShape).toEqual([3]);
      expect(q.eventShape).toEqual([2]);
      const z = q.rsample([], { seed: 3 });
      const out = [q.logProb(z), logDiagNormal(z, q.mu, q.logVar)];
      z.dispose();
      q.dispose();
      return out;
    });
    expectClose(lp[0]!, Array.from(lp[1]!.dataSync()), { rtol: 1e-5 });
    tf.dispose(lp);
  });

  it('softplus encoder scale: sigma = softplus(raw)', () => {
    const vae = tiny({ encoderScale: 'softplus' });
    const raw = tf.slice(vae.encoder.apply(x), [0, 2], [-1, 2]);
    const { logVar } = vae.encodeParams(x);
    expectClose(logVar, Array.from(tf.mul(2, tf.log(tf.softplus(raw))).dataSync()), { rtol: 1e-4, atol: 1e-5 });
  });

  it('decode, reconstruct and sample give images of the right shape; the Bernoulli mean is sigmoid(logits)', async () => {
    const vae = tiny();
    const z = tf.tensor2d([[0.3, -1]]);
    expectClose(vae.decode(z), Array.from(tf.sigmoid(vae.decoder.apply(z)).dataSync()), { rtol: 1e-6 });
    const r = await expectNoLeaks(() => vae.reconstruct(x));
    expect(r.shape).toEqual([3, 6]);
    const a = vae.sample(4, { seed: 5 });
    const b = vae.sample(4, { seed: 5 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    const draw = vae.sample(4, { seed: 5, mode: 'draw' }).dataSync();
    expect(Array.from(draw).every((v) => v === 0 || v === 1)).toBe(true);
    expect(() => vae.sample(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => vae.decode(tf.zeros([1, 3]))).toThrow(/z must have shape \[m, 2\], got \[1, 3\]/);
    expect(() => vae.encode(tf.zeros([2, 5]))).toThrow(/x must have shape \[n, 6\], got \[2, 5\]/);
  });
});

describe('gradients through the reparameterized draw', () => {
  it('match central finite differences of the seeded loss', () => {
    const vae = tiny({}, 6, 2, 11);
    const vars = vae.trainableVariables;
    const loss = () => trainingLoss(vae, x, { seed: 42 }).loss;
    const { grads } = tf.variableGrads(() => tf.tidy(loss), vars);
    const h = 1e-2;
    for (const v of [vars[0]!, vars[2]!, vars[4]!]) {
      const g = grads[v.name]!.dataSync();
      const base = v.dataSync().slice();
      for (const i of [0, 3]) {
        const at = (delta: number) => {
          const w = base.slice();
          w[i] = base[i]! + delta;
          v.assign(tf.tensor(w, v.shape));
          return tf.tidy(() => loss().dataSync()[0]!);
        };
        const fd = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(base, v.shape));
        expectClose(g[i]!, fd, { rtol: 0.02, atol: 2e-3 });
      }
    }
    tf.dispose(grads);
  });
});

describe('ELBO and log p(x)', () => {
  it('mean -elbo with the same seed equals the training loss at beta = 1; KL >= 0', () => {
    const vae = tiny();
    const t = vae.elbo(x, { seed: 9 });
    const l = trainingLoss(vae, x, { seed: 9 });
    expectClose(tf.mean(tf.neg(t.elbo)).dataSync()[0]!, l.loss.dataSync()[0]!, { rtol: 1e-5 });
    expect(tf.min(t.kl).dataSync()[0]!).toBeGreaterThanOrEqual(0);
    expect(() => vae.elbo(x, { samples: 0 })).toThrow(/samples must be an integer >= 1, got 0/);
  });

  it('elbo rejects an unknown kl estimator instead of silently using the analytic one', async () => {
    const vae = tiny();
    await expectNoLeaks(() => {
      expect(() => vae.elbo(x, { kl: 'mc' as never })).toThrow(/VAE.elbo: kl must be 'analytic' or 'monte-carlo', got string "mc"/);
      expect(() => vae.elbo(x, { samples: 1.5 })).toThrow(/VAE.elbo: samples must be an integer >= 1, got 1.5/);
    });
    const [a, m] = [vae.elbo(x, { seed: 2 }), vae.elbo(x, { seed: 2, kl: 'monte-carlo' })];
    expect(Array.from(m.kl.dataSync())).not.toEqual(Array.from(a.kl.dataSync()));
    tf.dispose([...Object.values(a), ...Object.values(m)]);
  });

  it('logLikelihood: IWAE bound lies above the ELBO estimate from the same draws, without leaks', async () => {
    const vae = tiny();
    const r = await expectNoLeaks(() => vae.logLikelihood(x, { samples: 200, seed: 1 }));
    for (let i = 0; i < 3; i++) expect(r.values[i]!).toBeGreaterThanOrEqual(r.elbo[i]!);
    expect(r.values.length).toBe(3);
  });

  it('elbo and logLikelihood refuse data outside the likelihood support (grey levels above 1, NaN) for the Bernoulli kinds, leaking nothing', async () => {
    const vae = tiny();
    const width = x.shape[1]!;
    const bright = tf.fill([2, width], 255);
    const withNaN = tf.concat([tf.slice(x, 0, 1), tf.fill([1, width], NaN)]);
    await expectNoLeaks(() => {
      expect(() => vae.elbo(bright)).toThrow('VAE.elbo: x must be in the unit interval [0, 1], got 255 at index [0, 0]');
      expect(() => vae.logLikelihood(withNaN, { samples: 4 })).toThrow(
        'VAE.logLikelihood: x must be in the unit interval [0, 1], got NaN at index [1, 0]',
      );
      expect(() => vae.logLikelihood([[2, ...Array(width - 1).fill(0)]], { samples: 4 })).toThrow(
        'VAE.logLikelihood: x must be in the unit interval',
      );
    });
    tf.dispose([bright, withNaN]);
  });
});

describe('latent space', () => {
  it('interpolate starts and ends at the reconstructions; the lerp midpoint decodes the mean of the codes', async () => {
    const vae = tiny();
    const [x1, x2] = [tf.slice(x, [0, 0], [1, 6]), tf.slice(x, [1, 0], [1, 6])];
    const path = await expectNoLeaks(() => vae.interpolate(x1, x2, { steps: 3 }));
    const rec = vae.reconstruct(tf.concat([x1, x2])).arraySync() as number[][];
    const p = path.arraySync() as number[][];
    expectClose(p[0]!, rec[0]!, { rtol: 1e-5 });
    expectClose(p[2]!, rec[1]!, { rtol: 1e-5 });
    const mid = vae.decode(tf.mean(vae.encodeParams(tf.concat([x1, x2])).mu, 0, true)).dataSync();
    expectClose(p[1]!, Array.from(mid), { rtol: 1e-5 });
    const s = vae.interpolate(x1, x2, { steps: 5, spherical: true }).arraySync() as number[][];
    expectClose(s[0]!, rec[0]!, { rtol: 1e-5 });
    expectClose(s[4]!, rec[1]!, { rtol: 1e-5 });
    expect(() => vae.interpolate(x1, x2, { steps: 1 })).toThrow(/steps must be an integer >= 2, got 1/);
  });

  it('traverse sets one latent coordinate and decodes', () => {
    const vae = tiny();
    const x1 = tf.slice(x, [0, 0], [1, 6]);
    const mu = Array.from(vae.encodeParams(x1).mu.dataSync());
    const rows = vae.traverse(x1, 1, [-2, 2]).arraySync() as number[][];
    expectClose(rows[1]!, Array.from(vae.decode([[mu[0]!, 2]]).dataSync()), { rtol: 1e-5 });
    expect(() => vae.traverse(x1, 2, [0])).toThrow(/dim must be an integer in \[0, 1\], got 2/);
  });

  it('latentGrid spreads points evenly in probability under N(0, I)', () => {
    const vae = tiny();
    const { z, images } = vae.latentGrid({ size: 4 });
    expect(images.shape).toEqual([16, 6]);
    const pts = z.arraySync();
    expectClose(pts[0]!, [normalQuantile(0.125), normalQuantile(0.875)], { rtol: 1e-6 });
    expectClose(pts[15]!, [normalQuantile(0.875), normalQuantile(0.125)], { rtol: 1e-6 });
    expect(() => tiny({}, 6, 3).latentGrid()).toThrow(/needs a 2-D latent space, got latentDim 3/);
  });

  it('activeUnits: variance of the latent means over the data, and the mean KL per dimension', () => {
    const vae = tiny();
    const { mu, logVar } = vae.encodeParams(x);
    const au = vae.activeUnits(x, { threshold: 0 });
    expectClose(au.variance, Array.from(tf.moments(mu, 0).variance.dataSync()), { rtol: 1e-5 });
    const kl = tf.mean(tf.mul(0.5, tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1))), 0);
    expectClose(au.klPerDim, Array.from(kl.dataSync()), { rtol: backendTolerance() });
    expect(au.count).toBe(au.variance.filter((v) => v > 0).length);
  });

  it('activeUnits rejects a bad threshold and fewer than 2 examples, leaking nothing', async () => {
    const vae = tiny();
    await expectNoLeaks(() => {
      expect(() => vae.activeUnits(x, { threshold: -0.1 })).toThrow(/VAE.activeUnits: threshold must be a finite number >= 0, got -0.1/);
      expect(() => vae.activeUnits(x, { threshold: NaN })).toThrow(/threshold must be a finite number >= 0, got NaN/);
      expect(() => vae.activeUnits([[0.1, 0.9, 0.5, 0.2, 0.0, 1.0]])).toThrow(/VAE.activeUnits: x must have at least 2 rows .*got 1/);
    });
    expect(vae.activeUnits(tf.slice(x, [0, 0], [2, 6])).variance).toHaveLength(2);
  });
});

describe('any layers: image items [n, h, w, c]', () => {
  it('trains, scores, samples, interpolates and round-trips a VAE on 4x4x1 images built of flatten / linear / reshape, leaking nothing', async () => {
    const encoder = sequential([flatten(), linear({ inputDim: 16, outputDim: 6, seed: 1 })], { inputShape: [4, 4, 1] });
    const decoder = sequential([linear({ inputDim: 3, outputDim: 16, seed: 2 }), reshape([4, 4, 1])]);
    const vae = new VAE({ encoder, decoder, likelihood: 'continuous-bernoulli' });
    made.push(vae);
    expect([vae.latentDim, vae.inputShape, vae.likelihood.eventRank]).toEqual([3, [4, 4, 1], 3]);
    const images = tf.randomUniform([10, 4, 4, 1], 0, 1, 'float32', 4);
    const h = await expectNoLeaks(() => vae.fit(images, { epochs: 2, batchSize: 5, seed: 0 }));
    expect(h.history.loss).toHaveLength(2);
    const t = vae.elbo(images, { seed: 1 });
    expect(t.elbo.shape).toEqual([10]);
    // The per-image terms are the flat model's: the likelihood sums all three event axes.
    const { mu } = vae.encodeParams(images);
    const out = vae.decodeRaw(mu);
    expect(out.shape).toEqual([10, 4, 4, 1]);
    const flat = vae.likelihood.logProb(images, out).dataSync();
    const byHand = new Likelihood('continuous-bernoulli').logProb(tf.reshape(images, [10, 16]), tf.reshape(out, [10, 16])).dataSync();
    expectClose(Array.from(flat), Array.from(byHand), { rtol: 1e-6 });
    expect(Number.isFinite(vae.logLikelihood(images, { samples: 4, seed: 2, exampleChunk: 3, sampleChunk: 3 }).mean)).toBe(true);
    expect(vae.sample(2, { seed: 3 }).shape).toEqual([2, 4, 4, 1]);
    const one = tf.slice(images, 0, 1);
    expect(vae.interpolate(one, tf.squeeze(tf.slice(images, 1, 1), [0]), { steps: 3 }).shape).toEqual([3, 4, 4, 1]);
    expect(() => vae.traverse(images, 0, [1])).toThrow(
      /VAE.traverse: x must be one example, \[4, 4, 1\] or \[1, 4, 4, 1\], got \[10, 4, 4, 1\]/,
    );
    expect(() => vae.elbo(tf.zeros([2, 16]))).toThrow(/VAE.elbo/);
    const handler = { artifacts: undefined as tf.io.ModelArtifacts | undefined };
    await vae.save(
      tf.io.withSaveHandler(
        async (a) => ((handler.artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }),
      ),
    );
    const back = await VAE.load(tf.io.fromMemory(handler.artifacts!));
    expect(Array.from(back.reconstruct(images).dataSync())).toEqual(Array.from(vae.reconstruct(images).dataSync()));
    back.dispose();
  });
});

describe('latentPath', () => {
  it('checks steps and that both points are finite and of one length', () => {
    expect(latentPath([1, 2], [3, 4], 1, false)).toEqual([[1, 2]]);
    expect(latentPath([1, 2], [3, 4], 3, false)).toEqual([
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(() => latentPath([1, 2], [3, 4], 0, false)).toThrow(/latentPath: steps must be an integer >= 1, got 0/);
    expect(() => latentPath([1, 2], [3, 4], 2.5, false)).toThrow(/steps must be an integer >= 1, got 2.5/);
    expect(() => latentPath([1, 2], [3], 3, false)).toThrow(/latentPath: z2 must have z1's length 2, got length 1/);
    expect(() => latentPath([1, 2], [3, 4, 5], 3, true)).toThrow(/z2 must have z1's length 2, got length 3/);
    expect(() => latentPath([1, NaN], [3, 4], 3, false)).toThrow(
      /latentPath: z1 must be a non-empty array of finite numbers, got \[1,null\]/,
    );
    expect(() => latentPath([1, 2], null as never, 3, false)).toThrow(/z2 must be a non-empty array of finite numbers, got null/);
    expect(() => latentPath([], [], 3, false)).toThrow(/z1 must be a non-empty array/);
  });
});

describe('fit input checks', () => {
  it('with layers that declare no shape, validationData must match the data item shape; nothing trains', async () => {
    // Linear layers (not a Sequential): the VAE cannot know the item shape, so the first tensor sets it.
    const vae = new VAE({
      encoder: linear({ inputDim: 6, outputDim: 4, seed: 3 }),
      decoder: linear({ inputDim: 2, outputDim: 6, seed: 4 }),
      latentDim: 2,
    });
    made.push(vae);
    expect(vae.inputShape).toBeUndefined();
    const weights = () => vae.trainableVariables.map((v) => Array.from(v.dataSync()));
    const before = weights();
    const bad = tf.zeros([3, 5]);
    await expect(vae.fit(x, { epochs: 1, validationData: bad })).rejects.toThrow(
      /VAE.fit: validationData must have item shape \[6\] \(that of data\), got \[3, 5\]/,
    );
    await expect(vae.fit([x, bad], { epochs: 1 })).rejects.toThrow(
      /VAE.fit: data\[1\] must have item shape \[6\] \(that of data\[0\]\), got \[3, 5\]/,
    );
    await expect(vae.fit(x, { epochs: 1, beta: -1 })).rejects.toThrow(
      /VAE.fit: beta must be a finite number >= 0 or a schedule step => beta, got -1/,
    );
    await expect(vae.fit(x, { epochs: 1, beta: () => NaN })).rejects.toThrow(/VAE.fit: beta\(0\) must be a finite number >= 0, got NaN/);
    await expect(vae.fit(x, { epochs: 1, samples: 0 })).rejects.toThrow(/VAE.fit: samples must be an integer >= 1, got 0/);
    await expect(vae.fit(x, { epochs: 1, collapseThreshold: -1 })).rejects.toThrow(
      /VAE.fit: collapseThreshold must be a finite number >= 0, got -1/,
    );
    await expect(vae.fit(x, { epochs: 1, kl: 'mc' as never })).rejects.toThrow(
      /VAE.fit: kl must be 'analytic' or 'monte-carlo', got string "mc"/,
    );
    await expect(vae.fit(x, { epochs: 1, parallel: {} as never })).rejects.toThrow(/VAE.fit: parallel must be a DataParallel/);
    await expect(vae.fit(x, { epochs: 1, bogus: 1 } as never)).rejects.toThrow(/bogus/);
    expect(weights()).toEqual(before);
    bad.dispose();
  });
});

describe('normalQuantile', () => {
  it('inverts the reference standard-normal CDF', () => {
    const { x: xs, cdf } = (loadReference('prob').normal as { x: number[]; cdf: number[] }[])[0]!;
    expectClose(cdf.map(normalQuantile), xs, { rtol: 1e-9, atol: 1e-9 });
    expect(() => normalQuantile(1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
  });
});
