import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinearAutoencoder, PCA, orthonormalityError, principalAngles, principalDirectionsFromAutoencoder } from '@elbo/linear';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

// Synthetic low-rank data: 1000 x 16, rank 3 (variances 9, 4, 1) plus isotropic noise 0.3^2, offset 1.
let x: tf.Tensor2D;
let pca: PCA;
let ae: LinearAutoencoder;
let epochLosses: number[];

function mse(a: tf.Tensor2D, b: tf.Tensor2D): number {
  return tf.tidy(() => tf.mean(tf.squaredDifference(a, b)).dataSync()[0]!);
}

beforeAll(async () => {
  x = tf.tidy(() => {
    const z = tf.mul(tf.randomNormal([1000, 3], 0, 1, 'float32', 11), tf.tensor1d([3, 2, 1]));
    const basis = tf.randomNormal([3, 16], 0, 0.5, 'float32', 12);
    return tf.add(tf.add(tf.matMul(z, basis), tf.randomNormal([1000, 16], 0, 0.3, 'float32', 13)), 1) as tf.Tensor2D;
  });
  pca = PCA.fit(x, { components: 3, solver: 'full' });
  ae = new LinearAutoencoder({ inputDim: 16, latentDim: 3, seed: 1 });
  // a step-down schedule: fast Adam, then a small learning rate to settle (fit continues from the current weights)
  const fast = await ae.fit(x, { epochs: 60, batchSize: 50, learningRate: 2e-2, seed: 2 });
  const slow = await ae.fit(x, { epochs: 20, batchSize: 50, learningRate: 2e-3, seed: 3 });
  epochLosses = [...fast.history.loss!, ...slow.history.loss!];
  expect(epochLosses).toHaveLength(80);
}, 120_000);

afterAll(() => {
  ae?.dispose();
  pca?.dispose();
  x?.dispose();
});

describe('LinearAutoencoder against PCA (synthetic rank-3 data)', () => {
  it('reaches PCA reconstruction error (within 1%) with a decreasing loss', () => {
    const xHatPca = pca.inverseTransform(pca.transform(x));
    const xHatAe = ae.reconstruct(x);
    const pcaMse = mse(xHatPca, x);
    const aeMse = mse(xHatAe, x);
    expect(aeMse).toBeLessThan(pcaMse * 1.01);
    expect(aeMse).toBeGreaterThan(pcaMse * (1 - 1e-3)); // PCA is optimal: no linear map of rank 3 beats it
    expect(epochLosses.at(-1)!).toBeLessThan(epochLosses[0]! / 2);
    tf.dispose([xHatPca, xHatAe]);
  });

  it('its decoder spans the PCA subspace (< 1 degree) but is not orthonormal; PCA is', () => {
    const dec = ae.decoderWeights;
    const pcaCols = tf.transpose(pca.components);
    expect(dec.shape).toEqual([16, 3]);
    const angle = principalAngles(dec, pcaCols).at(-1)!;
    console.info(`[linear] linear AE vs PCA (synthetic rank 3, 60 + 20 epochs): largest principal angle ${angle.toFixed(4)} deg`);
    expect(angle).toBeLessThan(1);
    expect(orthonormalityError(dec)).toBeGreaterThan(0.1);
    expect(orthonormalityError(pcaCols)).toBeLessThan(1e-5);
    tf.dispose([dec, pcaCols]);
  });

  it('principalDirectionsFromAutoencoder recovers the ordered PCA components and variances', async () => {
    const { components, explainedVariance } = await expectNoLeaks(() => principalDirectionsFromAutoencoder(ae, x));
    expectClose(explainedVariance, pca.explainedVariance, { rtol: 1e-2 });
    const cos = tf.tidy(() => tf.sum(tf.mul(components, pca.components), 1).dataSync());
    expectClose(Array.from(cos), 1, { atol: 1e-3 }); // same directions, same signs
    components.dispose();
  });

  it('encode / decode / reconstruct compose and leak nothing; weights have the documented shapes', async () => {
    const z = await expectNoLeaks(() => ae.encode(x));
    expect(z.shape).toEqual([1000, 3]);
    const back = ae.decode(z);
    const direct = await expectNoLeaks(() => ae.reconstruct(x));
    expectClose(direct, Array.from(back.dataSync()), { rtol: 1e-4, atol: 1e-5 });
    const enc = ae.encoderWeights;
    expect(enc.shape).toEqual([16, 3]);
    tf.dispose([z, back, direct, enc]);
  });

  it('round-trips through toJSON / fromJSON', () => {
    const copy = LinearAutoencoder.fromJSON(JSON.parse(JSON.stringify(ae.toJSON())));
    const a = ae.reconstruct(x);
    const b = copy.reconstruct(x);
    expectClose(b, Array.from(a.dataSync()), { rtol: 1e-6, atol: 1e-6 });
    tf.dispose([a, b]);
    copy.dispose();
  });
});

describe('LinearAutoencoder.fromJSON', () => {
  it('rejects a non-finite tied decoder bias (JSON writes NaN as null), leaking nothing', () => {
    const tied = new LinearAutoencoder({ inputDim: 6, latentDim: 2, tied: true, seed: 1 });
    const json = JSON.parse(JSON.stringify(tied.toJSON()));
    tied.dispose();
    json.decoder.bias[3] = null;
    const before = tf.memory().numTensors;
    expect(() => LinearAutoencoder.fromJSON(json)).toThrow('LinearAutoencoder.fromJSON: decoder bias must be finite, got null at index 3');
    expect(tf.memory().numTensors).toBe(before);
    json.decoder.bias[3] = 0.5;
    const restored = LinearAutoencoder.fromJSON(json);
    expect(Array.from(restored.toJSON().decoder.bias!)[3]).toBe(0.5);
    restored.dispose();
  });
});

describe('LinearAutoencoder training details', () => {
  it('tied weights share one matrix; training is seeded and leak-free', async () => {
    const small = tf.slice(x, [0, 0], [300, 16]);
    const train = async () => {
      const tied = new LinearAutoencoder({ inputDim: 16, latentDim: 3, tied: true, seed: 3 });
      const res = await tied.fit(small, { epochs: 3, batchSize: 60, learningRate: 1e-2, seed: 4 });
      return { tied, res };
    };
    const a = await expectNoLeaks(async () => {
      const r = await train();
      const json = r.tied.toJSON();
      r.tied.dispose();
      return { losses: r.res.history.loss, json };
    });
    const b = await train();
    expect(a.losses).toHaveLength(3);
    expect(b.res.history.loss).toEqual(a.losses);
    expect(b.res.steps).toBe(15); // 3 epochs of 300 / 60 batches
    expect(a.json.decoder.kernel).toEqual([]);
    const dec = b.tied.decoderWeights;
    const enc = b.tied.encoderWeights;
    expectClose(dec, Array.from(enc.dataSync())); // tied: decoder columns are the encoder's
    tf.dispose([dec, enc]);
    b.tied.dispose();
    small.dispose();
  });

  it("takes fit's options: stops when onEpochEnd returns false, validates, defaults to one epoch", async () => {
    const m = new LinearAutoencoder({ inputDim: 16, latentDim: 2 });
    const seen: number[] = [];
    const stopped = await m.fit(x, {
      epochs: 5,
      batchSize: 500,
      callbacks: {
        onEpochEnd: (epoch) => {
          seen.push(epoch);
          return epoch < 1;
        },
      },
    });
    expect(seen).toEqual([0, 1]);
    expect(stopped.history.loss).toHaveLength(2);
    expect(stopped.stoppedEarly).toBe(true);
    const head = tf.slice(x, [0, 0], [200, 16]);
    const once = await expectNoLeaks(() => m.fit(x, { batchSize: 500, validationData: head }));
    expect(once.epoch).toEqual([0]); // fit's default: one epoch
    expect(once.steps).toBe(2);
    expect(once.history.valLoss).toHaveLength(1);
    expect(once.history.valLoss![0]).toBeGreaterThan(0);
    head.dispose();
    m.dispose();
  });

  it('the same seeds give the same weights and losses; a different seed differs (seeds come from foldIn)', async () => {
    const small = tf.slice(x, [0, 0], [200, 16]);
    const run = async (modelSeed: number, fitSeed: number) => {
      const m = new LinearAutoencoder({ inputDim: 16, latentDim: 2, seed: modelSeed });
      const before = m.toJSON();
      const { history } = await m.fit(small, { epochs: 2, batchSize: 50, learningRate: 1e-2, seed: fitSeed });
      m.dispose();
      return { before, loss: history.loss };
    };
    const a = await run(5, 1);
    const b = await run(5, 1);
    const otherInit = await run(6, 1);
    const otherOrder = await run(5, 2);
    expect(b).toEqual(a);
    expect(otherInit.before.encoder.kernel).not.toEqual(a.before.encoder.kernel);
    expect(a.before.decoder.kernel).not.toEqual(otherInit.before.decoder.kernel);
    expect(otherOrder.before).toEqual(a.before);
    expect(otherOrder.loss).not.toEqual(a.loss); // same start, another batch order
    small.dispose();
  });

  it('rejects bad configuration and data', async () => {
    expect(() => new LinearAutoencoder({ inputDim: 0, latentDim: 2 })).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => new LinearAutoencoder({ inputDim: 4, latentDim: 1.5 })).toThrow(/latentDim must be a positive integer, got 1.5/);
    const weights = JSON.stringify(ae.toJSON());
    await expectNoLeaks(async () => {
      await expect(ae.fit(x, { epochs: 0 })).rejects.toThrow('fit: epochs must be an integer >= 1, got number 0');
      await expect(ae.fit(x, { learningRate: -1 })).rejects.toThrow(
        'fit: learningRate must be a finite number > 0 or a function epoch => rate, got number -1',
      );
      for (const [seed, got] of [
        [0.5, 'number 0.5'],
        [NaN, 'number NaN'],
        [Infinity, 'number Infinity'],
        ['1', 'string "1"'],
        [null, 'null'],
      ] as const) {
        await expect(ae.fit(x, { epochs: 1, seed: seed as never }), `seed ${seed}`).rejects.toThrow(
          `fit: seed must be an integer, got ${got}`,
        );
      }
      // the options of the old fit are gone: named, not silently ignored
      await expect(ae.fit(x, { onEpoch: () => {} } as never)).rejects.toThrow(
        /^LinearAutoencoder\.fit: unknown option "onEpoch" \(known: epochs, batchSize/,
      );
      await expect(ae.fit(x, { epoch: 2 } as never)).rejects.toThrow(
        'LinearAutoencoder.fit: unknown option "epoch"; did you mean "epochs"?',
      );
      const wrongVal = tf.zeros([4, 5]);
      await expect(ae.fit(x, { validationData: wrongVal })).rejects.toThrow(
        'LinearAutoencoder.fit: validationData must have 16 values on its last axis, got shape [4, 5]',
      );
      wrongVal.dispose();
      // a rate that is finite in JavaScript but Infinity in float32: the first update overflows and is undone
      await expect(ae.fit(x, { epochs: 1, batchSize: 100, learningRate: 1e39 })).rejects.toMatchObject({
        name: 'NonFiniteLossError',
        kind: 'update',
        epoch: 0,
        batch: 0,
        restored: true,
      });
    });
    expect(JSON.stringify(ae.toJSON())).toBe(weights);
    const wrong = tf.zeros([4, 5]) as tf.Tensor2D;
    await expect(ae.fit(wrong)).rejects.toThrow('LinearAutoencoder.fit: x must have 16 values on its last axis, got shape [4, 5]');
    await expect(ae.fit([[1, 2, NaN]])).rejects.toThrow(/LinearAutoencoder\.fit: x must (have 16 values|be finite)/);
    expect(() => ae.decode([[1, 2]])).toThrow('LinearAutoencoder.decode: z must have 3 values on its last axis, got shape [1, 2]');
    expect(() => ae.encode(tf.zeros([16]) as never)).toThrow('LinearAutoencoder.encode: x must have rank 2, got shape [16]');
    const bad = Array.from({ length: 2 }, () => new Array<number>(16).fill(0));
    bad[1]![4] = Infinity;
    expect(() => ae.reconstruct(bad)).toThrow('LinearAutoencoder.reconstruct: x must be finite, got Infinity at index [1, 4]');
    wrong.dispose();
  });
});
