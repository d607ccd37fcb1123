import * as tf from '@tensorflow/tfjs-core';
import type { FitData } from '@elbo/prob';

/**
 * Streamed training data (an iterable, an async iterable or a function of the epoch) with every
 * batch passed to `check` before the loop sees it. A stream cannot be read ahead without
 * consuming it, so this is where a wrong item shape, a NaN, or uint8 pixels handed to a
 * Bernoulli likelihood are caught: before the step that would train on them. The cost is one
 * reduction and one read per batch, beside the step's own read of its loss. A rejected batch is
 * disposed (the loop owns streamed batches and never receives it). Tensors and arrays come back
 * as they are: they are checked whole before training.
 */
export function checkingStreamedBatches<B>(data: FitData<B>, check: (batch: B, name: string) => void, name: string): FitData<B> {
  if (data instanceof tf.Tensor || Array.isArray(data)) return data;
  if (typeof data === 'function') return (epoch: number) => checkedEpoch(data(epoch), check, name, epoch);
  if (data == null || typeof data !== 'object') return data;
  let epoch = 0;
  return { [Symbol.asyncIterator]: () => checkedEpoch(data, check, name, epoch++)[Symbol.asyncIterator]() };
}

async function* checkedEpoch<B>(
  batches: Iterable<B> | AsyncIterable<B>,
  check: (batch: B, name: string) => void,
  name: string,
  epoch: number,
) {
  let index = 0;
  for await (const batch of batches) {
    try {
      check(batch, `${name} (batch ${index++} of epoch ${epoch})`);
    } catch (error) {
      tf.dispose(batch as tf.TensorContainer);
      throw error;
    }
    yield batch;
  }
}
