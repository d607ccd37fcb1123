import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fit, foldIn, NonFiniteLossError, permutation } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { testTensors } from './testing/tensors';

const { keep, indexRows } = testTensors();

describe('fit', () => {
  it('takes one step per batch, shuffled by seed, and returns a history', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const seen: number[][] = [];
    const lossFn = (x: tf.Tensor) => {
      seen.push(Array.from(x.dataSync()));
      return tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar;
    };
    const history = await fit({ loss: lossFn, variables: [w], data: indexRows(10), epochs: 2, batchSize: 4, seed: 3 });
    expect(seen.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2]);
    expect(seen.slice(0, 3).flat()).toEqual([...permutation(10, foldIn(3, 0))]);
    expect(seen.slice(3).flat()).toEqual([...permutation(10, foldIn(3, 1))]);
    expect(history.epoch).toEqual([0, 1]);
    expect(history.steps).toBe(6);
    expect(history.history.loss).toHaveLength(2);
    expect(history.history.loss![1]!).toBeLessThan(history.history.loss![0]!);
  });

  it('applies a learning-rate schedule per epoch (SGD on loss = w: w drops by steps * rate)', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const optimizer = tf.train.sgd(1);
    const after: number[] = [];
    const history = await fit({
      loss: () => tf.mul(w, 1) as tf.Scalar,
      variables: [w],
      data: indexRows(6),
      batchSize: 2,
      epochs: 3,
      optimizer,
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
    const history = await fit({
      loss: lossFn,
      variables: [w],
      data: indexRows(8),
      validationData: indexRows(4),
      batchSize: 4,
      shuffle: false,
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
    const run = fit({ loss: lossFn(w), variables: [w], data, batchSize: 2, shuffle: false });
    await expect(run).rejects.toThrow('fit: loss is NaN at epoch 0 (0-based), batch 2');
    // oracle: the same training on the two finite batches only
    const v = keep(tf.variable(tf.scalar(0)));
    await fit({ loss: lossFn(v), variables: [v], data: keep(tf.slice(data, 0, 4)), batchSize: 2, shuffle: false });
    expect(w.dataSync()[0]).toBe(v.dataSync()[0]);
    expect(Number.isFinite(w.dataSync()[0])).toBe(true);
  });

  it('stops early when the monitored loss stops improving and restores the best weights', async () => {
    const w = keep(tf.variable(tf.scalar(3)));
    let target = 0;
    const atEpochEnd: number[] = [];
    const history = await fit({
      loss: () => tf.square(tf.sub(w, target)) as tf.Scalar,
      validationLoss: () => tf.square(w) as tf.Scalar,
      variables: [w],
      data: indexRows(4),
      validationData: indexRows(1),
      batchSize: 1,
      epochs: 20,
      optimizer: keep(tf.train.sgd(0.1) as unknown as tf.Tensor) as unknown as tf.Optimizer,
      earlyStopping: { patience: 2, restoreBestWeights: true },
      callbacks: {
        onEpochEnd: (epoch) => {
          atEpochEnd.push(w.dataSync()[0]!);
          if (epoch === 2) target = 10;
        },
      },
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
    const history = await fit({
      loss: (x) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar,
      variables: [w],
      data: indexRows(40),
      batchSize: 2,
      epochs: 3,
      signal: controller.signal,
      callbacks: { onBatchEnd: (b) => void (b === 3 && controller.abort()) },
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
    const history = await fit({ loss: lossFn, variables: [w], data: () => stream(), epochs: 2 });
    expect(history.steps).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    await expect(fit({ loss: lossFn, variables: [w], data: stream(), epochs: 2 })).rejects.toThrow(
      'fit: the data yielded no batches in epoch 1 (a one-shot iterator is used up',
    );
    expect(tf.memory().numTensors).toBe(before);
    const arrays = [keep(tf.ones([2, 1])), keep(tf.zeros([2, 1]))];
    await fit({ loss: lossFn, variables: [w], data: arrays, epochs: 2 });
    expect(arrays.every((t) => !t.isDisposed)).toBe(true);
  });

  it('leaks no tensors across many steps with validation, metrics and early stopping', async () => {
    const w = keep(tf.variable(tf.zeros([1, 3])));
    const x = keep(tf.randomNormal([64, 3], 0, 1, 'float32', 1));
    await expectNoLeaks(async () => {
      await fit({
        loss: (b) => {
          const l = tf.mean(tf.square(tf.sub(b, w)));
          return { loss: l, metrics: { twice: tf.mul(l, 2) } };
        },
        variables: [w],
        data: x,
        validationData: x,
        batchSize: 8,
        epochs: 4,
        earlyStopping: { patience: 1, restoreBestWeights: true },
      });
    });
  });

  it('rejects bad options before training, naming the option, the expectation and what came', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const lossFn = () => tf.square(w) as tf.Scalar;
    const data = indexRows(4);
    const base = { loss: lossFn, variables: [w], data };
    const before = tf.memory().numTensors;
    const cases: [Record<string, unknown>, string][] = [
      [{ epochs: 0 }, 'fit: epochs must be an integer >= 1, got number 0'],
      [{ batchSize: 1.5 }, 'fit: batchSize must be an integer >= 1, got number 1.5'],
      [{ seed: 0.5 }, 'fit: seed must be an integer, got number 0.5'],
      [{ learningRate: -1 }, 'fit: learningRate must be a finite number > 0 or a function epoch => rate, got number -1'],
      [{ learningRate: '1e-3' }, 'fit: learningRate must be a finite number > 0 or a function epoch => rate, got string "1e-3"'],
      [{ data: 5 }, 'fit: data must be a tensor, an (async) iterable of batches or a function returning one, got number 5'],
      [
        { validationData: 'x' },
        'fit: validationData must be a tensor, an (async) iterable of batches or a function returning one, got string "x"',
      ],
      [{ earlyStopping: { patience: -1 } }, 'fit: earlyStopping.patience must be an integer >= 0, got number -1'],
      [{ earlyStopping: { minDelta: NaN } }, 'fit: earlyStopping.minDelta must be a finite number >= 0, got number NaN'],
      [{ earlyStopping: { restoreBestWeights: 1 } }, 'fit: earlyStopping.restoreBestWeights must be a boolean, got number 1'],
      [{ earlyStopping: { patiense: 2 } }, 'fit: earlyStopping: unknown option "patiense"; did you mean "patience"?'],
      [{ earlyStopping: true }, 'fit: earlyStopping: options must be an object, got boolean true'],
      [{ shuffle: 'yes' }, 'fit: shuffle must be a boolean, got string "yes"'],
      [{ validationLoss: 5 }, 'fit: validationLoss must be a function batch => loss, got number 5'],
      [{ loss: undefined }, 'fit: loss must be a function batch => loss, got undefined'],
      [{ variables: w }, 'fit: variables must be an array of tf.Variable, got a float32 tensor of shape []'],
      [{ variables: [w, 3] }, 'fit: variables[1] must be a tf.Variable, got number 3'],
      [{ optimizer: {} }, 'fit: optimizer must be a tf.Optimizer, got an object'],
      [{ signal: {} }, 'fit: signal must be an AbortSignal, got an object'],
      [{ callbacks: { onEpochEnd: 3 } }, 'fit: callbacks.onEpochEnd must be a function, got number 3'],
      [{ callbacks: { onEpocEnd: () => {} } }, 'fit: callbacks: unknown option "onEpocEnd"; did you mean "onEpochEnd"?'],
      [{ epoch: 3 }, 'fit: unknown option "epoch"; did you mean "epochs"?'],
      [{ lossFn: lossFn }, 'fit: unknown option "lossFn"; did you mean "loss"?'],
      [{ learningrate: 0.1 }, 'fit: unknown option "learningrate"; did you mean "learningRate"?'],
    ];
    for (const [bad, message] of cases) {
      await expect(fit({ ...base, ...bad } as never), JSON.stringify(Object.keys(bad))).rejects.toThrow(message);
    }
    await expect(fit(null as never)).rejects.toThrow('fit: options must be an object, got null');
    await expect(fit({ ...base, epochs: 2, learningRate: (e: number) => (e === 0 ? 0.1 : NaN) })).rejects.toThrow(
      'fit: learningRate(1) must be a finite number > 0, got number NaN',
    );
    tf.tidy(() => w.assign(tf.scalar(0)));
    await expect(fit({ ...base, epochs: 0 })).rejects.toThrow();
    expect(w.dataSync()[0]).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rethrows a non-finite step as a NonFiniteLossError with epoch, batch and the global step', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const data = keep(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, NaN], [8, 1]));
    const error = await fit({
      loss: (x) => tf.mean(tf.square(tf.sub(x, w))),
      variables: [w],
      data,
      batchSize: 2,
      shuffle: false,
      epochs: 2,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    // epoch 0 takes four steps with a NaN in the fourth batch: global step 3, batch 3
    expect(error).toMatchObject({ kind: 'loss', epoch: 0, batch: 3, step: 3, restored: false });
    expect((error as Error).message).toMatch(/^fit: loss is NaN at epoch 0 \(0-based\), batch 3; training stopped/);
    expect((error as Error).cause).toBeInstanceOf(NonFiniteLossError);
    const later = keep(tf.tensor2d([1, 2, 3, 4], [4, 1]));
    let epochSeen = -1;
    const loss = (x: tf.Tensor) =>
      epochSeen === 1 ? tf.div(tf.add(tf.sum(x), tf.mul(w, 0)), tf.scalar(0)) : tf.mean(tf.square(tf.sub(x, w)));
    const second = await fit({
      loss,
      variables: [w],
      data: later,
      batchSize: 2,
      epochs: 3,
      callbacks: { onEpochEnd: (e) => void (epochSeen = e + 1) },
    }).catch((e: unknown) => e);
    expect(second).toMatchObject({ kind: 'loss', value: Infinity, epoch: 1, batch: 0, step: 2 });
  });

  it('undoes an update that overflows (finite loss and gradient, learning rate 1e39 with the fused Adam) and says so', async () => {
    const w = keep(tf.variable(tf.tensor1d([0.5, -0.25, 1])));
    const data = keep(tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [4, 3]));
    const before = Array.from(w.dataSync());
    const error = await fit({
      loss: (x) => tf.mean(tf.square(tf.sub(x, w))),
      variables: [w],
      data,
      batchSize: 2,
      learningRate: 1e39,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NonFiniteLossError', kind: 'update', epoch: 0, batch: 0, step: 0, restored: true });
    expect((error as Error).message).toMatch(/^fit: the update of epoch 0 \(0-based\), batch 0 made a variable non-finite .*undone/);
    expect(Array.from(w.dataSync())).toEqual(before);
  });

  it('visits epoch e in the order permutation(n, foldIn(seed, e)), the same for every seed user', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const seen: number[] = [];
    const loss = (x: tf.Tensor) => (seen.push(...x.dataSync()), tf.mean(tf.square(tf.sub(x, w))));
    await fit({ loss, variables: [w], data: indexRows(7), batchSize: 3, epochs: 3, seed: 11 });
    const expected = [0, 1, 2].flatMap((e) => [...permutation(7, foldIn(11, e))]);
    expect(seen).toEqual(expected);
    seen.length = 0;
    await fit({ loss, variables: [w], data: indexRows(7), batchSize: 3, epochs: 1, seed: 12 });
    expect(seen).not.toEqual(expected.slice(0, 7));
  });

  it('is repeatable for a seed (the same history and weights), and a different seed changes them', async () => {
    const x = keep(tf.randomNormal([40, 3], 1, 1, 'float32', 5));
    const run = async (seed: number) => {
      const w = keep(tf.variable(tf.zeros([1, 3])));
      const h = await fit({
        loss: (b) => tf.mean(tf.square(tf.sub(b, tf.square(w)))),
        variables: [w],
        data: x,
        epochs: 3,
        batchSize: 7,
        seed,
        learningRate: 0.05,
      });
      return { loss: h.history.loss, w: Array.from(w.dataSync()) };
    };
    const [a, b, c] = [await run(2), await run(2), await run(3)];
    expect(b).toEqual(a);
    expect(c.loss).not.toEqual(a.loss);
  });

  it('weights epoch means by the rows of array and object batches ({ x } or { images })', async () => {
    const w = keep(tf.variable(tf.scalar(0)));
    const logs: number[] = [];
    // batches of 3 rows with loss 1 and of 1 row with loss 5: the example mean is (3 + 5) / 4 = 2
    const batches = [
      { x: keep(tf.ones([3, 1])), tag: 1 },
      { x: keep(tf.ones([1, 1])), tag: 5 },
    ];
    const loss = (b: { x: tf.Tensor; tag: number }) => tf.add(tf.mul(w, 0), b.tag);
    const h = await fit({
      loss,
      variables: [w],
      data: batches,
      optimizer: keep(tf.train.sgd(0) as never) as never,
      callbacks: { onBatchEnd: (_, l) => void logs.push(l.loss!) },
    });
    expect(logs).toEqual([1, 5]);
    expectClose(h.history.loss!, [2], { rtol: 1e-7 });
    const pairs = [
      [keep(tf.ones([3, 1])), keep(tf.zeros([3]))],
      [keep(tf.ones([1, 1])), keep(tf.zeros([1]))],
    ] as tf.Tensor[][];
    const h2 = await fit({ loss: (b: tf.Tensor[]) => tf.add(tf.mul(w, 0), b[0]!.shape[0] === 3 ? 1 : 5), variables: [w], data: pairs });
    expectClose(h2.history.loss!, [2], { rtol: 1e-7 });
  });

  it('a timer-fired abort stops a long fit well before its end', async () => {
    const w = keep(tf.variable(tf.zeros([1, 4])));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 40);
    const history = await fit({
      loss: (x) => tf.mean(tf.square(tf.sub(x, w))),
      variables: [w],
      data: keep(tf.ones([64, 4])),
      batchSize: 1,
      epochs: 10_000,
      signal: controller.signal,
    });
    expect(history.aborted).toBe(true);
    expect(history.steps).toBeLessThan(64 * 10_000);
  });
});
