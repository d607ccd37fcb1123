import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '@elbo/nn';
import { mnist } from '@elbo/datasets';
import { npyBatches, writeNpy } from '@elbo/datasets/node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { foldIn } from '@elbo/prob';
import { trainingLoss } from './elbo';
import { linearWarmup } from './schedules';
import { VAE } from './vae';
import type { VAEFitData } from './vae';

let digits: tf.Tensor2D;
const made: VAE[] = [];
beforeAll(async () => {
  const data = await mnist();
  digits = tf.slice(data.train.images, [0, 0], [256, 784]);
  data.dispose();
});
afterAll(() => {
  digits.dispose();
  made.forEach((v) => v.dispose());
});
function small(seed = 0, latentDim = 4): VAE {
  const vae = new VAE({
    encoder: mlp([784, 32, 2 * latentDim], { seed }),
    decoder: mlp([latentDim, 32, 784], { seed: seed + 100 }),
    latentDim,
  });
  made.push(vae);
  return vae;
}

describe("VAE.fit (prob's fit through the base's train)", () => {
  it('lowers the loss on real digits, records reconstruction and KL separately, KL > 0, no warning, no leaks', async () => {
    const vae = small();
    const h = await expectNoLeaks(() => vae.fit(digits, { epochs: 3, batchSize: 64, learningRate: 3e-3, seed: 1 }));
    const { loss, reconstruction, kl, beta } = h.history as Record<string, number[]>;
    expect(loss![2]!).toBeLessThan(loss![0]!);
    kl!.forEach((k) => expect(k).toBeGreaterThan(0));
    loss!.forEach((l, e) => expectClose(l, reconstruction![e]! + kl![e]!, { rtol: 1e-5 }));
    expect(beta).toEqual([1, 1, 1]);
    expect(h.klPerDim).toHaveLength(3);
    expectClose(
      h.klPerDim[2]!.reduce((s, v) => s + v, 0),
      kl![2]!,
      { rtol: 1e-4 },
    );
    expect(h.warnings).toEqual([]);
    expect(h.steps).toBe(12);
  });

  it('anneals beta on the step schedule; free bits floor each dimension; validation at beta = 1', async () => {
    const vae = small(2);
    const h = await vae.fit(digits, {
      epochs: 2,
      batchSize: 128,
      beta: linearWarmup({ steps: 4 }),
      freeBits: 50,
      validationData: digits,
      seed: 3,
    });
    // steps 0,1 in epoch 0 (beta 0, 0.25), steps 2,3 in epoch 1 (0.5, 0.75)
    expectClose(h.history.beta!, [0.125, 0.625], { rtol: 1e-6 });
    // with free bits far above each dimension's KL, the objective is reconstruction + beta * d * lambda
    expectClose(h.history.loss![1]!, h.history.reconstruction![1]! + 0.625 * 4 * 50, { rtol: 1e-5 });
    expectClose(h.history.valLoss![1]!, h.history.valReconstruction![1]! + h.history.valKl![1]!, { rtol: 1e-5 });
  });

  it("warns of posterior collapse when every dimension's KL is under the threshold", async () => {
    const vae = small(4);
    const h = await vae.fit(digits, { epochs: 1, batchSize: 128, collapseThreshold: 1e9, kl: 'monte-carlo' });
    expect(h.warnings).toHaveLength(1);
    expect(h.warnings[0]).toMatch(/posterior collapse at epoch 0: the KL of every latent dimension is below 1000000000 nats/);
  });

  it('stops on the abort signal and rejects bad options before training', async () => {
    const vae = small(5);
    const before = Array.from(vae.trainableVariables[0]!.dataSync());
    await expect(vae.fit(digits, { beta: -1 })).rejects.toThrow(
      /VAE.fit: beta must be a finite number >= 0 or a schedule step => beta, got -1/,
    );
    await expect(vae.fit(digits, { samples: 0 })).rejects.toThrow(/samples must be an integer >= 1, got 0/);
    await expect(vae.fit(tf.zeros([4, 10]))).rejects.toThrow(/data must have shape \[n, 784\], got \[4, 10\]/);
    expect(Array.from(vae.trainableVariables[0]!.dataSync())).toEqual(before);
    const controller = new AbortController();
    const h = await vae.fit(digits, {
      epochs: 5,
      batchSize: 64,
      signal: controller.signal,
      callbacks: { onBatchEnd: (b) => void (b === 1 && controller.abort()) },
    });
    expect(h.aborted).toBe(true);
    expect(h.steps).toBe(2);
  });
});

describe('VAE.fit seeds', () => {
  it('step t draws its noise with foldIn(seed, t), validation batch b with foldIn(seed, -1, b): the logged losses are those of trainingLoss with these seeds', async () => {
    const vae = small(11);
    const [x0, x1] = [tf.slice(digits, [0, 0], [32, 784]), tf.slice(digits, [32, 0], [32, 784])];
    const weights = vae.trainableVariables.map((v) => tf.clone(v));
    // Before any update: what step 0 on x0 must report with seed 5.
    const first = trainingLoss(vae, x0, { beta: 1, seed: foldIn(5, 0) });
    const want0 = first.loss.dataSync()[0]!;
    tf.dispose(Object.values(first));
    const batches: number[] = [];
    const h = await vae.fit([x0, x1], {
      seed: 5,
      epochs: 1,
      validationData: [x1],
      callbacks: { onBatchEnd: (_, logs) => void batches.push(logs.loss!) },
    });
    expectClose(batches[0]!, want0, { rtol: 1e-6 });
    // After training: the validation loss is trainingLoss at beta 1 with foldIn(seed, -1, 0).
    const val = trainingLoss(vae, x1, { seed: foldIn(5, -1, 0) });
    expectClose(h.history.valLoss![0]!, val.loss.dataSync()[0]!, { rtol: 1e-6 });
    tf.dispose([...Object.values(val), x0, x1, ...weights]);
  });
});

describe('VAE.fit data checks (before any step)', () => {
  const weights = (vae: VAE) => vae.trainableVariables.map((v) => Array.from(v.dataSync()));

  it('rejects validationData of the wrong width before epoch 0 trains, naming it', async () => {
    const vae = small(6);
    const before = weights(vae);
    const narrow = tf.slice(digits, [0, 0], [16, 700]);
    const head = tf.slice(digits, [0, 0], [8, 784]);
    const tensors = tf.memory().numTensors;
    await expect(vae.fit(digits, { epochs: 1, batchSize: 128, validationData: narrow })).rejects.toThrow(
      /VAE.fit: validationData must have shape \[n, 784\], got \[16, 700\]/,
    );
    await expect(vae.fit(digits, { epochs: 1, batchSize: 128, validationData: [head, narrow] })).rejects.toThrow(
      /VAE.fit: validationData\[1\] must have shape \[n, 784\], got \[16, 700\]/,
    );
    expect(weights(vae)).toEqual(before);
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([narrow, head]);
  });

  it('rejects data and validationData outside [0, 1] for the Bernoulli kinds, changing no weight', async () => {
    const vae = small(7);
    const before = weights(vae);
    const doubled = tf.mul(digits, 2);
    const shifted = tf.sub(tf.slice(digits, [0, 0], [32, 784]), 0.5);
    const withNaN = tf.concat([tf.slice(digits, [0, 0], [3, 784]), tf.fill([1, 784], NaN)]);
    await expectNoLeaks(async () => {
      await expect(vae.fit(doubled, { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data must be in the unit interval \[0, 1\], got 1\.\d+ at index \[0, \d+\]/,
      );
      await expect(vae.fit(digits, { epochs: 1, validationData: shifted })).rejects.toThrow(
        /VAE.fit: validationData must be in the unit interval \[0, 1\], got -0\.\d+ at index/,
      );
      await expect(vae.fit(withNaN, { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data must be in the unit interval \[0, 1\], got NaN at index \[3, 0\]/,
      );
      await expect(vae.fit([digits, doubled], { epochs: 1 })).rejects.toThrow(/VAE.fit: data\[1\] must be in the unit interval \[0, 1\]/);
    });
    expect(weights(vae)).toEqual(before);

    const cb = new VAE({
      encoder: mlp([784, 8, 4], { seed: 8 }),
      decoder: mlp([2, 8, 784], { seed: 9 }),
      latentDim: 2,
      likelihood: 'continuous-bernoulli',
    });
    made.push(cb);
    const cbBefore = weights(cb);
    await expect(cb.fit(digits, { epochs: 1, validationData: doubled })).rejects.toThrow(
      /VAE.fit: validationData must be in the unit interval \[0, 1\], got 1\.\d+ at index/,
    );
    expect(weights(cb)).toEqual(cbBefore);

    // A Gaussian likelihood models any real values: the same data trains.
    const g = new VAE({
      encoder: mlp([784, 8, 4], { seed: 10 }),
      decoder: mlp([2, 8, 784], { seed: 11 }),
      latentDim: 2,
      likelihood: 'gaussian',
    });
    made.push(g);
    const h = await g.fit(tf.slice(shifted, [0, 0], [32, 784]), { epochs: 1, batchSize: 32, validationData: doubled });
    expect(h.history.valLoss).toHaveLength(1);
    tf.dispose([doubled, shifted, withNaN]);
  });
});

describe('VAE.fit on batches as npyBatches yields them', () => {
  it('{ images } batches train exactly as the same tensors do; npyBatches from a file on disk trains two epochs without leaks', async () => {
    const head = tf.slice(digits, [0, 0], [64, 784]);
    const halves = [tf.slice(head, [0, 0], [32, 784]), tf.slice(head, [32, 0], [32, 784])];
    const [plain, wrapped] = [small(20), small(20)];
    const a = await plain.fit(halves, { epochs: 2, seed: 4 });
    const b = await wrapped.fit(
      halves.map((images) => ({ images })),
      { epochs: 2, seed: 4, validationData: [{ x: head }] },
    );
    expect(b.history.loss).toEqual(a.history.loss);
    expect(b.history.valLoss).toHaveLength(2);

    const dir = await mkdtemp(join(tmpdir(), 'elbo-vae-fit-'));
    try {
      const path = join(dir, 'digits.npy');
      await writeNpy(path, head.dataSync() as Float32Array, [64, 784]);
      const streamed = small(21);
      const before = tf.memory().numTensors;
      const h = await streamed.fit(npyBatches(path, { batchSize: 16, seed: 2 }), { epochs: 2, seed: 4 });
      expect(tf.memory().numTensors).toBe(before);
      expect(h.steps).toBe(8);
      expect(h.history.loss![1]!).toBeLessThan(h.history.loss![0]!);
    } finally {
      await rm(dir, { recursive: true });
      tf.dispose([head, ...halves]);
    }
  });

  it('checks every streamed batch before its step: uint8 pixels without `scale`, a wrong item shape and a NaN in a later batch are named, leak nothing, and the batch is not trained on', async () => {
    const vae = small(22);
    const weights = () => vae.trainableVariables.map((v) => Array.from(v.dataSync()));
    const before = weights();
    const pixels = tf.tidy(() => tf.round(tf.mul(tf.slice(digits, [0, 0], [16, 784]), 255)));
    const narrow = tf.slice(digits, [0, 0], [16, 700]);
    await expectNoLeaks(async () => {
      await expect(vae.fit(() => [{ images: tf.clone(pixels) }], { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data \(batch 0 of epoch 0\) must be in the unit interval \[0, 1\], got \d+ at index/,
      );
      const wide = {
        *[Symbol.iterator]() {
          yield tf.clone(narrow);
        },
      };
      await expect(vae.fit(wide, { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data \(batch 0 of epoch 0\) must have shape \[n, 784\], got \[16, 700\]/,
      );
      await expect(vae.fit([{ pixels }] as never, { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data\[0\]: a batch must be a tensor or an object with an `images` or `x` tensor, got/,
      );
      // Neither a tensor, an array nor a stream: left to fit's own error, which names what it takes.
      await expect(vae.fit({} as never, { epochs: 1 })).rejects.toThrow(
        /VAE.fit: data must be a tensor, an array or \(async\) iterable of batches, or a function of the epoch returning one, got/,
      );
    });
    expect(weights()).toEqual(before);
    // A NaN in the third batch of the second epoch: an error before that step, after the steps before it.
    const clean = tf.slice(digits, [0, 0], [16, 784]);
    const withNaN = tf.tidy(() => tf.concat([tf.slice(digits, [0, 0], [15, 784]), tf.fill([1, 784], NaN)]));
    const steps: number[] = [];
    await expect(
      vae.fit(
        async function* (epoch) {
          yield* [clean, clean, epoch === 1 ? withNaN : clean].map((t) => tf.clone(t));
        },
        {
          epochs: 2,
          callbacks: { onBatchEnd: (b) => void steps.push(b) },
        },
      ),
    ).rejects.toThrow(/VAE.fit: data \(batch 2 of epoch 1\) must be in the unit interval \[0, 1\], got NaN at index \[15, 0\]/);
    expect(steps).toEqual([0, 1, 2, 0, 1]);
    vae.trainableVariables.forEach((v) => expect(tf.all(tf.isFinite(v)).dataSync()[0]).toBe(1));
    tf.dispose([clean, withNaN]);
    // A streamed validation set is first read after an epoch has trained: its first batch is checked before the first step.
    const atStart = weights();
    const validationData = () => [tf.clone(narrow)];
    const train = tf.slice(digits, [0, 0], [16, 784]);
    await expectNoLeaks(async () => {
      await expect(vae.fit(train, { epochs: 1, validationData })).rejects.toThrow(
        /VAE.fit: validationData \(batch 0 of epoch 0\) must have shape \[n, 784\], got \[16, 700\]/,
      );
      await expect(vae.fit(train, { epochs: 1, validationData: {} as never })).rejects.toThrow(
        /VAE.fit: validationData must be a tensor, an array or \(async\) iterable of batches, or a function of the epoch returning one, got/,
      );
    });
    expect(weights()).toEqual(atStart);
    // null is no validation set, as prob's fit reads it
    expect((await vae.fit(train, { epochs: 1, validationData: null as never })).history.valLoss).toBeUndefined();
    train.dispose();
    tf.dispose([pixels, narrow]);
  });
});

describe('VAE.fit with streamed validation data', () => {
  it('reads its first batch ahead (to check it) without losing or repeating a batch: the same valLoss as the array', async () => {
    const train = tf.slice(digits, [0, 0], [64, 784]);
    const [v0, v1] = [tf.slice(digits, [64, 0], [16, 784]), tf.slice(digits, [80, 0], [24, 784])];
    const run = async (validationData: VAEFitData, epochs: number) =>
      (await small(30).fit(train, { epochs, seed: 3, validationData })).history.valLoss;
    const reference = await run([v0, v1], 2);
    expect(await run(() => [tf.clone(v0), tf.clone(v1)], 2)).toEqual(reference);
    expect(
      await run(
        {
          *[Symbol.iterator]() {
            yield tf.clone(v0);
            yield tf.clone(v1);
          },
        },
        2,
      ),
    ).toEqual(reference);
    // a one-shot generator serves one epoch
    expect(
      await run(
        (function* () {
          yield tf.clone(v0);
          yield tf.clone(v1);
        })(),
        1,
      ),
    ).toEqual(reference!.slice(0, 1));
    tf.dispose([train, v0, v1]);
  });

  it('frees the batch read ahead and closes the stream when training stops before validating', async () => {
    let closed = false;
    const stream = (async function* () {
      try {
        yield tf.slice(digits, [0, 0], [8, 784]);
        yield tf.slice(digits, [8, 0], [8, 784]);
      } finally {
        closed = true;
      }
    })();
    const vae = small(31);
    const bad = tf.fill([8, 784], 2);
    await expectNoLeaks(async () => {
      await expect(vae.fit(bad, { epochs: 1, validationData: stream })).rejects.toThrow(/VAE.fit: data must be in the unit interval/);
    });
    // The tensor check of data comes first: nothing was read ahead.
    expect(closed).toBe(false);
    const abort = new AbortController();
    abort.abort();
    await expectNoLeaks(async () => {
      await vae.fit(digits, { epochs: 1, validationData: stream, signal: abort.signal });
    });
    expect(closed).toBe(true);
    bad.dispose();
  });
});
