import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '@elbo/nn';
import { mnist } from '@elbo/datasets';
import { foldIn } from '@elbo/prob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../../tooling/testing';
import { trainingLoss } from '../elbo';
import type { TrainingLossOptions } from '../elbo';
import { combineShards } from '../parallel';
import type { ShardResult } from '../parallel';
import { VAE } from '../vae';
import { workerThreads } from './worker-threads';
import type { WorkerThreadsOptions } from './worker-threads';

let digits: tf.Tensor2D;
const made: VAE[] = [];
beforeAll(async () => {
  const data = await mnist();
  digits = tf.slice(data.train.images, [0, 0], [64, 784]);
  data.dispose();
});
afterAll(() => {
  digits.dispose();
  made.forEach((v) => v.dispose());
});
function small(seed = 1): VAE {
  const vae = new VAE({ encoder: mlp([784, 32, 8], { seed }), decoder: mlp([4, 32, 784], { seed: seed + 100 }), latentDim: 4 });
  made.push(vae);
  return vae;
}
const settings = { beta: 0.7, freeBits: 0, kl: 'analytic' as const, samples: 1, seed: 11, step: 5 };

/** Workers set up by a module of the application's (the tests' fixture), on this thread's backend. */
function threads(options: Partial<WorkerThreadsOptions> = {}) {
  return workerThreads({
    setup: { module: new URL('./worker-setup.fixture.mjs', import.meta.url), options: { backend: tf.getBackend() } },
    ...options,
  });
}

/** Gradient (one flat array per variable) and value of `f` on the VAE's variables. */
function gradients(vae: VAE, f: () => tf.Scalar): { value: number; grads: Float32Array[] } {
  const { value, grads } = tf.variableGrads(f, vae.trainableVariables);
  const out = { value: value.dataSync()[0]!, grads: vae.trainableVariables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads)]);
  return out;
}

/** What a replica would answer for rows [from, n), computed here. */
function shardHere(vae: VAE, x: tf.Tensor2D, from: number, options: TrainingLossOptions): ShardResult {
  const rows = x.shape[0] - from;
  const part = tf.slice(x, [from, 0], [rows, -1]);
  let parts: number[] = [];
  let klPerDim: Float32Array = new Float32Array();
  const { value, grads } = gradients(vae, () => {
    const t = trainingLoss(vae, part, options);
    parts = [t.reconstruction.dataSync()[0]!, t.kl.dataSync()[0]!];
    klPerDim = t.klPerDim.dataSync() as Float32Array;
    return t.loss;
  });
  part.dispose();
  return { rows, loss: value, reconstruction: parts[0]!, kl: parts[1]!, klPerDim, grads };
}

describe('combineShards', () => {
  it('gives the loss parts and the gradient of the whole batch: the row-weighted mean of the shares (exact up to float32 rounding)', () => {
    const vae = small();
    const from = 40; // unequal shares: 40 here, 24 there
    const remote = shardHere(vae, digits, from, { ...settings, seed: 99 });
    const x0 = tf.slice(digits, [0, 0], [from, -1]);
    const x1 = tf.slice(digits, [from, 0], [64 - from, -1]);
    // The single-thread reference: one tape over both shares, each with its own noise.
    const want = gradients(
      vae,
      () =>
        tf.add(
          tf.mul(trainingLoss(vae, x0, settings).loss, from / 64),
          tf.mul(trainingLoss(vae, x1, { ...settings, seed: 99 }).loss, (64 - from) / 64),
        ) as tf.Scalar,
    );
    let parts: number[] = [];
    const got = gradients(vae, () => {
      const t = combineShards(
        vae.trainableVariables,
        () => trainingLoss(vae, x0, settings),
        from,
        () => [remote],
      );
      parts = [t.reconstruction, t.kl].map((p) => p.dataSync()[0]!);
      return t.loss;
    });
    const local = trainingLoss(vae, x0, settings);
    expectClose(parts[0]!, (from / 64) * local.reconstruction.dataSync()[0]! + ((64 - from) / 64) * remote.reconstruction, { rtol: 1e-6 });
    expectClose(parts[1]!, (from / 64) * local.kl.dataSync()[0]! + ((64 - from) / 64) * remote.kl, { rtol: 1e-6 });
    tf.dispose(Object.values(local));
    expectClose(got.value, want.value, { rtol: 1e-6 });
    // The same terms, summed in another order in float32: agreement to a few ulps of the larger entries.
    got.grads.forEach((g, i) => expectClose(g, want.grads[i]!, { rtol: 1e-4, atol: 1e-6 }));
    tf.dispose([x0, x1]);
  });
});

describe('workerThreads', () => {
  it('a worker answers with the gradient this thread computes for the same rows, weights and noise', async () => {
    const vae = small(2);
    // The set-up the README shows: @elbo/backend-node's selectBackend, resolved here (its ESM entry).
    const backendNode = join(dirname(createRequire(import.meta.url).resolve('@elbo/backend-node/package.json')), 'dist', 'index.js');
    const setup = { module: pathToFileURL(backendNode), export: 'selectBackend', options: { prefer: [tf.getBackend()], fallback: false } };
    const parallel = workerThreads({ workers: 1, setup });
    await parallel.open(vae);
    try {
      // Change the weights after open(): each step must carry the current ones.
      tf.tidy(() => vae.trainableVariables.forEach((v) => v.assign(tf.mul(v, 1.5))));
      const collect = parallel.dispatch(vae, digits, 24, settings);
      const [answer] = collect();
      const here = shardHere(vae, digits, 24, { ...settings, seed: foldIn(settings.seed, settings.step, 0) }); // worker k draws with foldIn(seed, step, k)
      expect(answer!.rows).toBe(40);
      expectClose(answer!.loss, here.loss, { rtol: 1e-6 });
      expectClose(answer!.reconstruction, here.reconstruction, { rtol: 1e-6 });
      expectClose(answer!.kl, here.kl, { rtol: 1e-6 });
      expectClose(answer!.klPerDim, here.klPerDim, { rtol: 1e-6 });
      answer!.grads.forEach((g, i) => expectClose(g, here.grads[i]!, { rtol: 1e-5, atol: 1e-7 }));
    } finally {
      await parallel.close();
    }
  });

  it('trains a VAE with fit({ parallel }): the loss falls, the history is whole, nothing leaks, the workers stop', async () => {
    const vae = small(3);
    const h = await expectNoLeaks(() =>
      vae.fit(digits, { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 1, parallel: threads({ workers: 1 }) }),
    );
    const { loss, reconstruction, kl } = h.history as Record<string, number[]>;
    expect(loss![2]!).toBeLessThan(loss![0]!);
    loss!.forEach((l, e) => expectClose(l, reconstruction![e]! + kl![e]!, { rtol: 1e-5 }));
    expect(h.klPerDim).toHaveLength(3);
    expect(h.steps).toBe(6);
  });

  it('reports a failure inside a worker as an error of fit, and still stops the workers', async () => {
    const vae = small(4);
    const bad = vae.fit(digits, {
      epochs: 1,
      batchSize: 32,
      parallel: threads({ workers: 1 }),
      kl: 'monte-carlo',
      samples: 1,
      beta: () => Number.NaN,
    });
    await expect(bad).rejects.toThrow(/beta\(0\) must be a finite number/);
    const parallel = threads({ workers: 1 });
    await parallel.open(vae);
    try {
      const collect = parallel.dispatch(vae, digits, 32, { ...settings, kl: 'bogus' as 'analytic' });
      expect(() => collect()).toThrow(/a worker failed at step 1: .*kl/);
    } finally {
      await parallel.close();
    }
  });

  it('rejects bad options, naming them', async () => {
    expect(() => threads({ workers: 0 })).toThrow(/workers must be an integer >= 1, got 0/);
    expect(() => threads({ timeoutMs: -1 })).toThrow(/timeoutMs must be a finite number > 0, got -1/);
    const vae = small(5);
    await expect(vae.fit(digits, { epochs: 1, parallel: {} as never })).rejects.toThrow(/parallel must be a DataParallel/);
    expect(() => threads().dispatch(vae, digits, 32, settings)).toThrow(/not open/);
  });
});
