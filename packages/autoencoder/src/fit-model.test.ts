import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { fitModel, seededPermutation } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

const owned: tf.Tensor[] = [];
const keep = <T extends tf.Tensor>(t: T): T => (owned.push(t), t);
afterEach(() => tf.dispose(owned.splice(0)));

/** Rows 0..n-1 of a [n, 1] tensor holding their own index: a batch tells which rows it took. */
const indexRows = (n: number): tf.Tensor2D => keep(tf.tensor2d(Array.from({ length: n }, (_, i) => i), [n, 1]));

describe('seededPermutation', () => {
  it('is a permutation, repeatable for a seed and different across seeds', () => {
    const a = seededPermutation(100, 7);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect([...seededPermutation(100, 7)]).toEqual([...a]);
    expect([...seededPermutation(100, 8)]).not.toEqual([...a]);
  });
});

describe('fitModel', () => {
  it('takes one step per batch, shuffled by seed, and returns a history', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const seen: number[][] = [];
    const lossFn = (x: tf.Tensor) => {
      seen.push(Array.from(x.dataSync()));
      return tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar;
    };
    const history = await fitModel({ lossFn, variables: [w], data: indexRows(10), epochs: 2, batchSize: 4, seed: 3 });
    expect(seen.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2]);
    expect(seen.slice(0, 3).flat()).toEqual([...seededPermutation(10, 3)]);
    expect(seen.slice(3).flat()).toEqual([...seededPermutation(10, 4)]);
    expect(history.epoch).toEqual([0, 1]);
    expect(history.steps).toBe(6);
    expect(history.history.loss).toHaveLength(2);
    expect(history.history.loss![1]!).toBeLessThan(history.history.loss![0]!);
  });

  it('applies a learning-rate schedule per epoch (SGD on loss = w: w drops by steps * rate)', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const optimizer = tf.train.sgd(1);
    const after: number[] = [];
    const history = await fitModel({
      lossFn: () => tf.mul(w, 1) as tf.Scalar,
      variables: [w], data: indexRows(6), batchSize: 2, epochs: 3, optimizer,
      learningRate: (epoch) => 0.1 * 2 ** -epoch,
      callbacks: { onEpochEnd: () => void after.push(w.dataSync()[0]!) },
    });
    optimizer.dispose();
    expectClose(after, [-0.3, -0.45, -0.525], { rtol: 1e-6 });
    expect(history.history.learningRate).toEqual([0.1, 0.05, 0.025]);
  });

  it('reports metrics per batch and per epoch, and validation values as val<Name>', async () => {
    const w = keep(tf.variable(tf.scalar(1)));
    const lossFn = (x: tf.Tensor) => {
      const a = tf.mean(tf.square(tf.sub(x, w)));
      const b = tf.mul(tf.square(w), 0.5);
      return { loss: tf.add(a, b), metrics: { fit: a, penalty: b } };
    };
    const batchLogs: Record<string, number>[] = [];
    const history = await fitModel({
      lossFn, variables: [w], data: indexRows(8), validationData: indexRows(4), batchSize: 4, shuffle: false,
      callbacks: { onBatchEnd: (_b, logs) => void batchLogs.push(logs) },
    });
    expect(batchLogs).toHaveLength(2);
    for (const logs of batchLogs) expectClose(logs.loss!, logs.fit! + logs.penalty!, { rtol: 1e-6 });
    const wEnd = w.dataSync()[0]!;
    // validation on rows 0..3 with the final w: mean((i - w)^2) + w^2/2
    const valFit = [0, 1, 2, 3].reduce((s, i) => s + (i - wEnd) ** 2, 0) / 4;
    expectClose(history.history.valFit!, [valFit], { rtol: 1e-5 });
    expectClose(history.history.valLoss!, [valFit + wEnd ** 2 / 2], { rtol: 1e-5 });
    expectClose(history.history.loss!, [(batchLogs[0]!.loss! + batchLogs[1]!.loss!) / 2], { rtol: 1e-6 });
  });

  it('stops on a non-finite loss naming epoch and batch, keeping the last finite weights', async () => {
    const lossFn = (w: tf.Variable) => (x: tf.Tensor) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar;
    const w = keep(tf.variable(tf.scalar(0)));
    const data = keep(tf.tensor2d([1, 2, 3, 4, NaN, 6], [6, 1]));
    const run = fitModel({ lossFn: lossFn(w), variables: [w], data, batchSize: 2, shuffle: false });
    await expect(run).rejects.toThrow('fit: loss is NaN at epoch 0 (0-based), batch 2');
    // oracle: the same training on the two finite batches only
    const v = keep(tf.variable(tf.scalar(0)));
    await fitModel({ lossFn: lossFn(v), variables: [v], data: keep(tf.slice(data, 0, 4)), batchSize: 2, shuffle: false });
    expect(w.dataSync()[0]).toBe(v.dataSync()[0]);
    expect(Number.isFinite(w.dataSync()[0])).toBe(true);
  });

  it('stops early when the monitored loss stops improving and restores the best weights', async () => {
    const w = keep(tf.variable(tf.scalar(3)));
    let target = 0;
    const atEpochEnd: number[] = [];
    const history = await fitModel({
      lossFn: () => tf.square(tf.sub(w, target)) as tf.Scalar,
      validationLoss: () => tf.square(w) as tf.Scalar,
      variables: [w], data: indexRows(4), validationData: indexRows(1), batchSize: 1, epochs: 20,
      optimizer: keep(tf.train.sgd(0.1) as unknown as tf.Tensor) as unknown as tf.Optimizer,
      earlyStopping: { patience: 2, restoreBestWeights: true },
      callbacks: { onEpochEnd: (epoch) => { atEpochEnd.push(w.dataSync()[0]!); if (epoch === 2) target = 10; } },
    });
    // valLoss improves for epochs 0-2, then worsens: epochs 3 and 4 use up the patience.
    expect(history.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(history.stoppedEarly).toBe(true);
    expect(history.bestEpoch).toBe(2);
    expect(w.dataSync()[0]).toBe(atEpochEnd[2]);
    expect(atEpochEnd[4]).not.toBe(atEpochEnd[2]);
  });

  it('stops cleanly after the current batch when the signal aborts', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const controller = new AbortController();
    const history = await fitModel({
      lossFn: (x) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar, variables: [w], data: indexRows(40), batchSize: 2, epochs: 3,
      signal: controller.signal, callbacks: { onBatchEnd: (b) => void (b === 3 && controller.abort()) },
    });
    expect(history.aborted).toBe(true);
    expect(history.steps).toBe(4);
    expect(history.epoch).toEqual([]);
  });

  it('takes async iterables and per-epoch factories, and names a used-up one-shot iterator', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const lossFn = (x: tf.Tensor) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar;
    async function* stream(): AsyncGenerator<tf.Tensor> {
      for (let i = 0; i < 3; i++) yield tf.fill([2, 1], i);
    }
    const before = tf.memory().numTensors;
    const history = await fitModel({ lossFn, variables: [w], data: () => stream(), epochs: 2 });
    expect(history.steps).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    await expect(fitModel({ lossFn, variables: [w], data: stream(), epochs: 2 })).rejects.toThrow(
      'fit: the data yielded no batches in epoch 1 (a one-shot iterator is used up',
    );
    expect(tf.memory().numTensors).toBe(before);
    const arrays = [keep(tf.ones([2, 1])), keep(tf.zeros([2, 1]))];
    await fitModel({ lossFn, variables: [w], data: arrays, epochs: 2 });
    expect(arrays.every((t) => !t.isDisposed)).toBe(true);
  });

  it('leaks no tensors across many steps with validation, metrics and early stopping', async () => {
    const w = keep(tf.variable(tf.zeros([1, 3])));
    const x = keep(tf.randomNormal([64, 3], 0, 1, 'float32', 1));
    await expectNoLeaks(async () => {
      await fitModel({
        lossFn: (b) => { const l = tf.mean(tf.square(tf.sub(b, w))); return { loss: l, metrics: { twice: tf.mul(l, 2) } }; },
        variables: [w], data: x, validationData: x, batchSize: 8, epochs: 4, earlyStopping: { patience: 1, restoreBestWeights: true },
      });
    });
  });

  it('rejects bad options before training', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const lossFn = () => tf.square(w) as tf.Scalar;
    const data = indexRows(4);
    await expect(fitModel({ lossFn, variables: [w], data, epochs: 0 })).rejects.toThrow('fit: epochs must be an integer >= 1, got 0');
    await expect(fitModel({ lossFn, variables: [w], data, batchSize: 1.5 })).rejects.toThrow('fit: batchSize must be an integer >= 1, got 1.5');
    await expect(fitModel({ lossFn, variables: [w], data, learningRate: -1 })).rejects.toThrow('learningRate must be a finite number > 0, got -1');
    await expect(fitModel({ lossFn, variables: [w], data: 5 as never })).rejects.toThrow('fit: data must be a tensor, an (async) iterable');
    await expect(fitModel({ lossFn, variables: [w], data, earlyStopping: { patience: -1 } })).rejects.toThrow('patience must be an integer >= 0, got -1');
    await expect(fitModel({ lossFn, variables: [w], data, shuffle: 'yes' as never })).rejects.toThrow('fit: shuffle must be a boolean, got string');
    await expect(fitModel({ lossFn, variables: [w], data, validationLoss: 5 as never })).rejects.toThrow('fit: validationLoss must be a function, got number');
    await expect(fitModel({ lossFn, variables: [w], data, earlyStopping: true as never })).rejects.toThrow('fit: earlyStopping must be an object');
    expect(w.dataSync()[0]).toBe(0);
  });
});

describe('fitModel earlyStopping.monitor', () => {
  /** A loss with two metrics, counting its calls; w starts at 5 so that any update moves it. */
  const setup = () => {
    const w = keep(tf.variable(tf.scalar(5)));
    const calls = { loss: 0, batchEnd: 0 };
    const lossFn = (x: tf.Tensor) => {
      calls.loss++;
      const fit = tf.mean(tf.square(tf.sub(x, w)));
      const penalty = tf.mul(tf.square(w), 0.5);
      return { loss: tf.add(fit, penalty), metrics: { fit, penalty } };
    };
    const onBatchEnd = () => void calls.batchEnd++;
    return { w, calls, lossFn, callbacks: { onBatchEnd }, variables: [w], data: indexRows(8), batchSize: 4 };
  };

  it('a monitor the logs cannot hold without validation data throws before the loss runs', async () => {
    const { w, calls, ...options } = setup();
    const before = tf.memory().numTensors;
    await expect(fitModel({ ...options, earlyStopping: { monitor: 'valLoss' } })).rejects.toThrow(
      `fit: earlyStopping.monitor must be 'loss' or a metric when there is no validationData (val<Name> logs come from it), got "valLoss"`,
    );
    await expect(fitModel({ ...options, earlyStopping: { monitor: 5 as never } })).rejects.toThrow('fit: earlyStopping.monitor must be a non-empty string, got number');
    await expect(fitModel({ ...options, earlyStopping: { monitor: '' } })).rejects.toThrow('fit: earlyStopping.monitor must be a non-empty string, got an empty string');
    expect(calls.loss).toBe(0);
    expect(w.dataSync()[0]).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a misspelled metric throws on the first batch, before any update, listing the logs', async () => {
    const { w, calls, ...options } = setup();
    const before = tf.memory().numTensors;
    await expect(fitModel({ ...options, validationData: indexRows(4), earlyStopping: { monitor: 'valPenalti' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be one of the epoch logs loss, fit, penalty, valLoss, valFit, valPenalty, got "valPenalti"',
    );
    // Keras spells it val_loss; a schedule adds learningRate to the logs
    await expect(fitModel({ ...options, validationData: indexRows(4), learningRate: () => 0.1, earlyStopping: { monitor: 'val_loss' } })).rejects.toThrow(
      'must be one of the epoch logs loss, fit, penalty, learningRate, valLoss, valFit, valPenalty, got "val_loss"',
    );
    await expect(fitModel({ ...options, earlyStopping: { monitor: 'learningRate' } })).rejects.toThrow('must be one of the epoch logs loss, fit, penalty, got "learningRate"');
    expect(calls).toEqual({ loss: 3, batchEnd: 0 });
    expect(w.dataSync()[0]).toBe(5);
    expect(tf.memory().numTensors).toBe(before + 2); // the two validation tensors made above
  });

  it('a metric monitor drives early stopping', async () => {
    const { w, calls, ...options } = setup();
    // penalty = w^2 / 2 falls while w moves towards the data; "still" is constant, so it stops improving after epoch 0
    const lossFn = (x: tf.Tensor) => {
      const out = options.lossFn(x);
      return { loss: out.loss, metrics: { ...out.metrics, still: tf.scalar(1) } };
    };
    const byPenalty = await fitModel({ ...options, lossFn, epochs: 4, learningRate: 0.1, earlyStopping: { monitor: 'penalty' } });
    expect(byPenalty.epoch).toEqual([0, 1, 2, 3]);
    expect(byPenalty.stoppedEarly).toBe(false);
    const byStill = await fitModel({ ...options, lossFn, epochs: 4, earlyStopping: { monitor: 'still' } });
    expect(byStill.epoch).toEqual([0, 1]);
    expect(byStill.stoppedEarly).toBe(true);
    expect(byStill.bestEpoch).toBe(0);
    expect(calls.loss).toBe(12);
    expect(w.dataSync()[0]).not.toBe(5);
  });

  it("checks a val<Metric> of a separate validationLoss on the first batch too, and leaks nothing", async () => {
    const { w, calls, ...options } = setup();
    const lossFn = (x: tf.Tensor) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar; // no metrics
    const validationLoss = (x: tf.Tensor) => ({ loss: tf.mean(tf.square(tf.sub(x, w))), metrics: { mse: tf.mean(tf.square(tf.sub(x, w))) } });
    const validationData = indexRows(4);
    const before = tf.memory().numTensors;
    await expect(fitModel({ ...options, lossFn, validationLoss, validationData, earlyStopping: { monitor: 'valMsee' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be one of the epoch logs loss, valLoss, valMse, got "valMsee"',
    );
    expect(w.dataSync()[0]).toBe(5);
    expect(calls.batchEnd).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const history = await expectNoLeaks(() =>
      fitModel({ ...options, lossFn, validationLoss, validationData, epochs: 2, earlyStopping: { monitor: 'valMse', patience: 5 } }),
    );
    expect(history.epoch).toEqual([0, 1]);
    expect(history.bestEpoch).toBe(1);
    expect(history.history.valMse).toHaveLength(2);
  });
});
