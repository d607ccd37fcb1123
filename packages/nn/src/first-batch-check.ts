import * as tf from '@tensorflow/tfjs-core';
import type { FitData } from '@elbo/prob';

/**
 * Streamed training data (an iterable, an async iterable or a function of the epoch) with the
 * first batch of every epoch passed to `check` before the loop sees it. A stream cannot be
 * read ahead without consuming it, so this is where a wrong item shape or, say, uint8 pixels
 * handed to a Bernoulli likelihood are caught: before the first step of the epoch changes any
 * weight, and at the cost of one check per epoch. The rejected batch is disposed (the loop
 * owns streamed batches and never receives it). Tensors and arrays come back as they are:
 * they are checked whole before training.
 */
export function checkingFirstBatch<B>(data: FitData<B>, check: (batch: B, name: string) => void, name: string): FitData<B> {
  if (data instanceof tf.Tensor || Array.isArray(data)) return data;
  if (typeof data === 'function') return (epoch: number) => checkedEpoch(data(epoch), check, `${name} (first batch of epoch ${epoch})`);
  if (data == null || typeof data !== 'object') return data;
  let epoch = 0;
  return { [Symbol.asyncIterator]: () => checkedEpoch(data, check, `${name} (first batch of epoch ${epoch++})`)[Symbol.asyncIterator]() };
}

async function* checkedEpoch<B>(batches: Iterable<B> | AsyncIterable<B>, check: (batch: B, name: string) => void, name: string) {
  let first = true;
  for await (const batch of batches) {
    if (first) {
      first = false;
      try {
        check(batch, name);
      } catch (error) {
        tf.dispose(batch as tf.TensorContainer);
        throw error;
      }
    }
    yield batch;
  }
}
