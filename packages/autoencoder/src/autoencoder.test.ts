import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Autoencoder, mlp } from './index';
import type { Likelihood } from './index';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';

const made: (Autoencoder | tf.Tensor)[] = [];
const track = <T extends Autoencoder | tf.Tensor>(m: T): T => (made.push(m), m);
afterEach(() => made.splice(0).forEach((m) => m.dispose()));

const small = (likelihood: Likelihood = 'bernoulli', seed = 0): Autoencoder =>
  track(new Autoencoder({ encoder: mlp([6, 5, 2], { seed }), decoder: mlp([2, 5, 6], { seed: seed + 1 }), likelihood }));
const data = (n: number, seed = 1): tf.Tensor2D => track(tf.randomUniform([n, 6], 0, 1, 'float32', seed) as tf.Tensor2D);

describe('Autoencoder', () => {
  it('loss is the Bernoulli NLL (binary cross-entropy of sigmoid(logits)) summed over pixels, averaged over the batch', () => {
    const ae = small();
    const x = data(4);
    const logits = ae.decoder.apply(ae.encoder.apply(x));
    const p = tf.sigmoid(logits).arraySync() as number[][];
    const xs = x.arraySync();
    const bce = xs.map((row, n) => row.reduce((s, v, i) => s - (v * Math.log(p[n]![i]!) + (1 - v) * Math.log(1 - p[n]![i]!)), 0));
    expectClose(ae.negLogLikelihood(x), bce, { rtol: 1e-5 });
    expectClose(ae.loss(x), [bce.reduce((a, b) => a + b) / 4], { rtol: 1e-5 });
    expectClose(ae.reconstruct(x), p.flat(), { rtol: 1e-6, atol: 1e-7 });
    tf.dispose([logits]);
  });

  it('encode / decode / reconstruct / evaluate agree when batched and leak nothing', async () => {
    const ae = small('continuous-bernoulli');
    const x = data(50);
    const whole = ae.reconstruct(x, { batchSize: 100 });
    const parts = await expectNoLeaks(() => ae.reconstruct(x, { batchSize: 7 }));
    expectClose(parts, whole.dataSync(), { rtol: 1e-6, atol: 1e-7 });
    const z = await expectNoLeaks(() => ae.encode(x, { batchSize: 8 }));
    expect(z.shape).toEqual([50, 2]);
    const back = await expectNoLeaks(() => ae.decode(z, { batchSize: 9 }));
    expectClose(back, whole.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    const ev = await expectNoLeaks(() => ae.evaluate(x, { batchSize: 16 }));
    expectClose(ev.loss, ae.loss(x).dataSync(), { rtol: 1e-5 });
    expectClose(ev.mse, tf.mean(tf.square(tf.sub(whole, x))).dataSync(), { rtol: 1e-5 });
    tf.dispose([whole, parts, z, back]);
  });

  it('fit lowers the loss, is repeatable for a seed, and leaks nothing across many steps', async () => {
    const x = data(64);
    const a = small('bernoulli', 3);
    const h = await expectNoLeaks(() => a.fit(x, { epochs: 5, batchSize: 8, seed: 2, learningRate: 1e-2, validationData: x }));
    expect(h.history.loss).toHaveLength(5);
    expect(h.history.valLoss![4]!).toBeLessThan(h.history.valLoss![0]!);
    const b = small('bernoulli', 3);
    const h2 = await b.fit(x, { epochs: 5, batchSize: 8, seed: 2, learningRate: 1e-2, validationData: x });
    expectClose(h2.history.valLoss!, h.history.valLoss!, { rtol: backendTolerance() * 1e-2 });
  });

  it('trains from an async iterable of batches', async () => {
    const ae = small('gaussian');
    const x = data(32);
    async function* batches(): AsyncGenerator<tf.Tensor> {
      for (let i = 0; i < 4; i++) yield tf.slice(x, i * 8, 8);
    }
    const before = ae.loss(x).dataSync()[0]!;
    const h = await expectNoLeaks(() => ae.fit(() => batches(), { epochs: 3, learningRate: 1e-2 }));
    expect(h.steps).toBe(12);
    expect(ae.loss(x).dataSync()[0]).toBeLessThan(before);
  });

  it('rejects bad models and data before anything changes', async () => {
    expect(() => new Autoencoder({ encoder: mlp([6, 2]), decoder: mlp([3, 6]) })).toThrow("decoder must take the encoder's 2 outputs, but its input width is 3");
    expect(() => new Autoencoder({ encoder: mlp([6, 2]), decoder: mlp([2, 5]) })).toThrow("decoder must output the encoder's 6 inputs, but it outputs 5");
    expect(() => new Autoencoder({ encoder: mlp([6, 2]), decoder: mlp([2, 6], { outputActivation: 'sigmoid' }) })).toThrow(
      "a bernoulli likelihood reads logits, so the decoder's outputActivation must be 'linear', got 'sigmoid'",
    );
    expect(() => new Autoencoder({ encoder: mlp([6, 2]), decoder: mlp([2, 6]), likelihood: 'poisson' as Likelihood })).toThrow(
      'likelihood must be one of bernoulli, gaussian, continuous-bernoulli, got poisson',
    );
    const ae = small();
    const before = ae.trainableVariables[0]!.dataSync().slice();
    await expect(ae.fit(track(tf.fill([4, 6], 2)))).rejects.toThrow('fit: data must hold values in [0, 1] for a bernoulli likelihood, got values in [2, 2]');
    await expect(ae.fit(track(tf.zeros([4, 5])))).rejects.toThrow('fit: data must have shape [n, 6], got [4, 5]');
    await expect(ae.fit(data(4), { validationData: track(tf.zeros([4, 3])) })).rejects.toThrow('fit: validationData must have shape [n, 6]');
    expect(() => ae.encode(data(4), { batchSize: 0 })).toThrow('encode: batchSize must be an integer >= 1, got 0');
    // a Keras-style monitor name is caught on the first batch, before the first update
    await expect(ae.fit(data(4), { validationData: data(4), earlyStopping: { monitor: 'val_loss' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be one of the epoch logs loss, valLoss, got "val_loss"',
    );
    expectClose(ae.trainableVariables[0]!, before, { rtol: 0 });
  });
});
