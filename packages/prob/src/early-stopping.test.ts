import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fit } from './index';
import { expectNoLeaks } from '../../../tooling/testing';
import { testTensors } from './testing/tensors';

const { keep, indexRows } = testTensors();

describe('fit earlyStopping.monitor', () => {
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
    return { w, calls, loss: lossFn, callbacks: { onBatchEnd }, variables: [w], data: indexRows(8), batchSize: 4 };
  };

  it('a monitor the logs cannot hold without validation data throws before the loss runs', async () => {
    const { w, calls, ...options } = setup();
    const before = tf.memory().numTensors;
    await expect(fit({ ...options, earlyStopping: { monitor: 'valLoss' } })).rejects.toThrow(
      `fit: earlyStopping.monitor must be 'loss' or a metric when there is no validationData (val<Name> logs come from it), got "valLoss"`,
    );
    await expect(fit({ ...options, earlyStopping: { monitor: 5 as never } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be a non-empty string, got number',
    );
    await expect(fit({ ...options, earlyStopping: { monitor: '' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be a non-empty string, got an empty string',
    );
    expect(calls.loss).toBe(0);
    expect(w.dataSync()[0]).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a misspelled metric throws on the first batch, before any update, listing the logs', async () => {
    const { w, calls, ...options } = setup();
    const before = tf.memory().numTensors;
    await expect(fit({ ...options, validationData: indexRows(4), earlyStopping: { monitor: 'valPenalti' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be one of the epoch logs loss, fit, penalty, valLoss, valFit, valPenalty, got "valPenalti"',
    );
    // Keras spells it val_loss; a schedule adds learningRate to the logs
    await expect(
      fit({ ...options, validationData: indexRows(4), learningRate: () => 0.1, earlyStopping: { monitor: 'val_loss' } }),
    ).rejects.toThrow('must be one of the epoch logs loss, fit, penalty, learningRate, valLoss, valFit, valPenalty, got "val_loss"');
    await expect(fit({ ...options, earlyStopping: { monitor: 'learningRate' } })).rejects.toThrow(
      'must be one of the epoch logs loss, fit, penalty, got "learningRate"',
    );
    expect(calls).toEqual({ loss: 3, batchEnd: 0 });
    expect(w.dataSync()[0]).toBe(5);
    expect(tf.memory().numTensors).toBe(before + 2); // the two validation tensors made above
  });

  it('a metric monitor drives early stopping', async () => {
    const { w, calls, ...options } = setup();
    // penalty = w^2 / 2 falls while w moves towards the data; "still" is constant, so it stops improving after epoch 0
    const lossFn = (x: tf.Tensor) => {
      const out = options.loss(x);
      return { loss: out.loss, metrics: { ...out.metrics, still: tf.scalar(1) } };
    };
    const byPenalty = await fit({ ...options, loss: lossFn, epochs: 4, learningRate: 0.1, earlyStopping: { monitor: 'penalty' } });
    expect(byPenalty.epoch).toEqual([0, 1, 2, 3]);
    expect(byPenalty.stoppedEarly).toBe(false);
    const byStill = await fit({ ...options, loss: lossFn, epochs: 4, earlyStopping: { monitor: 'still' } });
    expect(byStill.epoch).toEqual([0, 1]);
    expect(byStill.stoppedEarly).toBe(true);
    expect(byStill.bestEpoch).toBe(0);
    expect(calls.loss).toBe(12);
    expect(w.dataSync()[0]).not.toBe(5);
  });

  it('checks a val<Metric> of a separate validationLoss on the first batch too, and leaks nothing', async () => {
    const { w, calls, ...options } = setup();
    const lossFn = (x: tf.Tensor) => tf.mean(tf.square(tf.sub(x, w))) as tf.Scalar; // no metrics
    const validationLoss = (x: tf.Tensor) => ({
      loss: tf.mean(tf.square(tf.sub(x, w))),
      metrics: { mse: tf.mean(tf.square(tf.sub(x, w))) },
    });
    const validationData = indexRows(4);
    const before = tf.memory().numTensors;
    await expect(fit({ ...options, loss: lossFn, validationLoss, validationData, earlyStopping: { monitor: 'valMsee' } })).rejects.toThrow(
      'fit: earlyStopping.monitor must be one of the epoch logs loss, valLoss, valMse, got "valMsee"',
    );
    expect(w.dataSync()[0]).toBe(5);
    expect(calls.batchEnd).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const history = await expectNoLeaks(() =>
      fit({ ...options, loss: lossFn, validationLoss, validationData, epochs: 2, earlyStopping: { monitor: 'valMse', patience: 5 } }),
    );
    expect(history.epoch).toEqual([0, 1]);
    expect(history.bestEpoch).toBe(1);
    expect(history.history.valMse).toHaveLength(2);
  });
});
