import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Autoencoder, activation, linear, mlp, sequential } from './index';
import type { LikelihoodSpec } from './index';
import { flatten, reshape } from '@elbo/nn';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';

const made: (Autoencoder | tf.Tensor)[] = [];
const track = <T extends Autoencoder | tf.Tensor>(m: T): T => (made.push(m), m);
afterEach(() => made.splice(0).forEach((m) => m.dispose()));

const small = (likelihood: LikelihoodSpec = 'bernoulli', seed = 0): Autoencoder =>
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

  it('rejects bad models and data before anything changes, naming the argument, the expectation and what came', async () => {
    const parts = track2(mlp([6, 2]), mlp([3, 6]), mlp([2, 5]), mlp([2, 6], { outputActivation: 'sigmoid' }), mlp([2, 6]));
    const [enc, dec3, dec5, sigmoidOut, dec] = parts;
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec3! })).toThrow(
      "Autoencoder: the decoder must take the encoder's output shape [2], but its input shape is [3]",
    );
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec5! })).toThrow(
      "Autoencoder: the decoder must give back the encoder's input shape [6], but it outputs [5]",
    );
    expect(() => new Autoencoder({ encoder: enc!, decoder: sigmoidOut! })).toThrow(
      "Autoencoder: a bernoulli likelihood reads logits, so the decoder must end without an activation ('linear'), got 'sigmoid'",
    );
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec!, likelihood: 'poisson' as LikelihoodSpec })).toThrow(
      "likelihood must be one of 'bernoulli', 'continuous-bernoulli', 'gaussian' or { name: 'gaussian', sigma, learnSigma }, got",
    );
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec!, likelihod: 'gaussian' } as never)).toThrow(/likelihod.*likelihood/);
    expect(() => new Autoencoder({ encoder: { apply: () => null } as never, decoder: dec! })).toThrow(
      'Autoencoder: encoder must be a layer from @elbo/nn',
    );
    expect(() => new Autoencoder(undefined as never)).toThrow(
      'Autoencoder: options must be an object with encoder and decoder, got undefined',
    );
    const ae = small();
    const before = ae.trainableVariables[0]!.dataSync().slice();
    await expect(ae.fit(track(tf.fill([4, 6], 2)))).rejects.toThrow('Autoencoder.fit: data must be in');
    await expect(ae.fit(track(tf.zeros([4, 5])))).rejects.toThrow('Autoencoder.fit: data must have shape [n, 6], got [4, 5]');
    await expect(ae.fit(data(4), { validationData: track(tf.zeros([4, 3])) })).rejects.toThrow(
      'Autoencoder.fit: validationData must have shape [n, 6], got [4, 3]',
    );
    await expect(ae.fit(data(4), { loss: () => tf.scalar(0) } as never)).rejects.toThrow(
      'Autoencoder.fit: options.loss is set by the model',
    );
    await expect(ae.fit(data(4), { epoch: 2 } as never)).rejects.toThrow(/epoch.*epochs/);
    expect(() => ae.encode(data(4), { batchSize: 0 })).toThrow('Autoencoder.encode: batchSize must be an integer >= 1, got number 0');
    expect(() => ae.reconstruct(data(4), { batchsize: 2 } as never)).toThrow(/batchsize.*batchSize/);
    expect(() => ae.decode(track(tf.zeros([4, 3])))).toThrow('Autoencoder.decode: z must have shape [n, 2], got [4, 3]');
    await expect(ae.evaluate(track(tf.zeros([4, 5])))).rejects.toThrow('Autoencoder.evaluate: data must have shape [n, 6], got [4, 5]');
    await expect(ae.fit({} as never)).rejects.toThrow(
      'Autoencoder.fit: data must be a tensor, an array or (async) iterable of batches, or a function of the epoch returning one, got',
    );
    await expect(ae.evaluate(5 as never)).rejects.toThrow('Autoencoder.evaluate: data must be a tensor, an array or (async) iterable');
    await expect(ae.fit([{ pixels: data(4) } as never])).rejects.toThrow(
      'Autoencoder.fit: data[0]: a batch must be a tensor or an object with an `images` or `x` tensor, got',
    );
    // out of the likelihood's support: a log-likelihood of grey levels above 1, or of NaN, is an error, not a number
    expect(() => ae.negLogLikelihood(track(tf.fill([2, 6], 3)))).toThrow(
      'Autoencoder.negLogLikelihood: x must be in the unit interval [0, 1], got 3 at index [0, 0]',
    );
    const withNaN = track(tf.concat([data(3), tf.fill([1, 6], NaN)]));
    await expect(
      ae.evaluate(function* () {
        yield tf.clone(withNaN);
      }),
    ).rejects.toThrow('Autoencoder.evaluate: data (batch 0 of epoch 0) must be in the unit interval [0, 1], got NaN at index [3, 0]');
    // a Keras-style monitor name is caught on the first batch, before the first update
    await expect(ae.fit(data(4), { validationData: data(4), earlyStopping: { monitor: 'val_loss' } })).rejects.toThrow('val_loss');
    expectClose(ae.trainableVariables[0]!, before, { rtol: 0 });
  });

  it("maps the old { likelihood: 'gaussian', scale } onto { name: 'gaussian', sigma } and rejects a scale that means nothing", () => {
    const x = data(5);
    const old = track(
      new Autoencoder({ encoder: mlp([6, 2], { seed: 7 }), decoder: mlp([2, 6], { seed: 8 }), likelihood: 'gaussian', scale: 0.5 }),
    );
    const now = track(
      new Autoencoder({
        encoder: mlp([6, 2], { seed: 7 }),
        decoder: mlp([2, 6], { seed: 8 }),
        likelihood: { name: 'gaussian', sigma: 0.5 },
      }),
    );
    expect(old.getConfig().likelihood).toEqual({ name: 'gaussian', sigma: 0.5, learnSigma: false, eventRank: 1 });
    tf.tidy(() => {
      expectClose(old.negLogLikelihood(x), now.negLogLikelihood(x).dataSync(), { rtol: 0 });
      // the closed form: sum_i (x_i - m_i)^2 / (2 s^2) + log s + log(2 pi) / 2
      const m = old.decoder.apply(old.encoder.apply(x)).arraySync() as number[][];
      const nll = (x.arraySync() as number[][]).map((row, n) =>
        row.reduce((s, v, i) => s + (v - m[n]![i]!) ** 2 / (2 * 0.25) + Math.log(0.5) + 0.5 * Math.log(2 * Math.PI), 0),
      );
      expectClose(old.negLogLikelihood(x), nll, { rtol: 1e-5 });
    });
    const [enc, dec] = track2(mlp([6, 2]), mlp([2, 6]));
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec!, scale: 2 })).toThrow(
      "Autoencoder: scale is the sigma of likelihood 'gaussian' (deprecated: pass likelihood: { name: 'gaussian', sigma }), got it with likelihood undefined",
    );
    expect(() => new Autoencoder({ encoder: enc!, decoder: dec!, likelihood: 'gaussian', scale: -1 })).toThrow(
      'Autoencoder: scale must be a finite number > 0, got number -1',
    );
  });

  it('takes any layers: an image stack of flatten, linear and reshape trains, reconstructs and evaluates', async () => {
    const encoder = sequential([flatten(), linear({ inputDim: 12, outputDim: 3, seed: 1 }), activation('tanh')], { inputShape: [2, 3, 2] });
    const decoder = sequential([linear({ inputDim: 3, outputDim: 12, seed: 2 }), reshape([2, 3, 2])]);
    const ae = track(new Autoencoder({ encoder, decoder, likelihood: 'continuous-bernoulli' }));
    expect(ae.inputShape).toEqual([2, 3, 2]);
    const x = track(tf.randomUniform([10, 2, 3, 2], 0, 1, 'float32', 3));
    const h = await expectNoLeaks(() => ae.fit(x, { epochs: 4, batchSize: 5, seed: 0, learningRate: 1e-2, validationData: x }));
    expect(h.history.valLoss![3]!).toBeLessThan(h.history.valLoss![0]!);
    const y = track(await expectNoLeaks(() => ae.reconstruct(x, { batchSize: 3 })));
    expect(y.shape).toEqual([10, 2, 3, 2]);
    const z = track(ae.encode(x));
    expect(z.shape).toEqual([10, 3]);
    expectClose(track(ae.decode(z)), y.dataSync(), { rtol: 1e-5, atol: 1e-6 });
    const { loss } = await ae.evaluate(x, { batchSize: 4 });
    expectClose(loss, track(ae.loss(x)).dataSync(), { rtol: 1e-5 });
    expect(track(ae.negLogLikelihood(x)).shape).toEqual([10]);
  });
});

const partsMade: { dispose(): void }[] = [];
afterEach(() => partsMade.splice(0).forEach((p) => p.dispose()));
function track2<T extends { dispose(): void }>(...parts: T[]): T[] {
  partsMade.push(...parts);
  return parts;
}
