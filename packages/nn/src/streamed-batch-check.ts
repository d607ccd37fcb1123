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
  if (!isStream(data)) return data; // a tensor, an array, or something fit refuses by name
  if (typeof data === 'function') return (epoch: number) => checkedEpoch(data(epoch), check, name, epoch);
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

/**
 * A streamed validation set is first read after an epoch has trained; a wrong shape found then has
 * changed the weights already. This reads its first batch now (epoch 0's), checks it, and gives the
 * data back with that batch put in front again, so nothing is read twice or lost. `release` frees the
 * batch and closes the stream if training never got to it. Tensors and arrays come back as they are.
 */
export async function checkingFirstBatchNow<B>(
  data: FitData<B>,
  check: (batch: B, name: string) => void,
  name: string,
): Promise<{ data: FitData<B>; release: () => Promise<void> }> {
  if (!isStream(data)) return { data, release: async () => {} };
  const source = typeof data === 'function' ? data(0) : data;
  const iterator = iteratorOf(source);
  const first = await iterator.next();
  if (first.done !== true) {
    try {
      check(first.value, `${name} (batch 0 of epoch 0)`);
    } catch (error) {
      tf.dispose(first.value as tf.TensorContainer);
      await iterator.return?.();
      throw error;
    }
  }
  let handedOut = false;
  const epochZero = (): AsyncIterator<B> => {
    handedOut = true;
    return (async function* () {
      if (first.done === true) return;
      yield first.value;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
    })();
  };
  const rest: FitData<B> =
    typeof data === 'function'
      ? (epoch: number) => (epoch === 0 && !handedOut ? { [Symbol.asyncIterator]: epochZero } : data(epoch))
      : {
          [Symbol.asyncIterator]: () =>
            handedOut
              ? (async function* () {
                  yield* data;
                })()
              : epochZero(),
        };
  return {
    data: rest,
    release: async () => {
      if (handedOut) return;
      handedOut = true;
      if (first.done !== true) tf.dispose(first.value as tf.TensorContainer);
      await iterator.return?.();
    },
  };
}

function iteratorOf<B>(source: Iterable<B> | AsyncIterable<B>): Iterator<B> | AsyncIterator<B> {
  const asyncIterator = (source as AsyncIterable<B>)[Symbol.asyncIterator];
  return typeof asyncIterator === 'function' ? asyncIterator.call(source) : (source as Iterable<B>)[Symbol.iterator]();
}

/** A function of the epoch, or an (async) iterable that is not an array. */
export function isStream<B>(data: unknown): data is Exclude<FitData<B>, tf.Tensor> {
  if (typeof data === 'function') return true;
  if (data == null || typeof data !== 'object' || data instanceof tf.Tensor || Array.isArray(data)) return false;
  const d = data as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof d[Symbol.iterator] === 'function' || typeof d[Symbol.asyncIterator] === 'function';
}
