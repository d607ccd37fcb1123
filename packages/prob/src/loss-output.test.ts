import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { checkKnownKeys, inBatches, meanLoss } from './index';
import { editDistance } from './known-keys';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { testTensors } from './testing/tensors';

const { keep, indexRows } = testTensors();

describe('meanLoss', () => {
  it('weights each batch by its rows, so the result is the mean over all examples, and leaks nothing', async () => {
    const x = indexRows(7);
    const sizes: number[] = [];
    const loss = (b: tf.Tensor) => {
      sizes.push(b.shape[0]!);
      return { loss: tf.mean(b), metrics: { square: tf.mean(tf.square(b)) } };
    };
    // batches [0 1 2] [3 4 5] [6]: an unweighted mean of the batch means would be (1 + 4 + 6) / 3
    const means = await expectNoLeaks(() => meanLoss(loss, x, { batchSize: 3 }));
    expect(sizes).toEqual([3, 3, 1]);
    expectClose(means.loss!, 3, { rtol: 1e-6 });
    expectClose(means.square!, 91 / 7, { rtol: 1e-6 });
    expectClose((await meanLoss((b: tf.Tensor) => tf.mean(b), indexRows(4))).loss!, 1.5, { rtol: 1e-6 });
  });

  it('rejects a malformed loss, data or options before reading any batch', async () => {
    const x = indexRows(4);
    let calls = 0;
    const loss = (b: tf.Tensor) => (calls++, tf.mean(b));
    const before = tf.memory().numTensors;
    // batchSize 0 would cut the tensor into empty slices forever
    await expect(meanLoss(loss, x, { batchSize: 0 })).rejects.toThrow('meanLoss: batchSize must be an integer >= 1, got number 0');
    await expect(meanLoss(loss, x, { batchSize: 2.5 })).rejects.toThrow('meanLoss: batchSize must be an integer >= 1, got number 2.5');
    await expect(meanLoss(loss, x, { batchsize: 2 } as never)).rejects.toThrow(
      'meanLoss: unknown option "batchsize"; did you mean "batchSize"?',
    );
    await expect(meanLoss(loss, x, null as never)).rejects.toThrow('meanLoss: options must be an object, got null');
    await expect(meanLoss(5 as never, x)).rejects.toThrow('meanLoss: loss must be a function, got number 5');
    await expect(meanLoss(loss, 5 as never)).rejects.toThrow('meanLoss: data must be a tensor, an (async) iterable');
    await expect(meanLoss(loss, keep(tf.zeros([0, 1])))).rejects.toThrow(
      'meanLoss: data must have at least one row, got a float32 tensor of shape [0, 1]',
    );
    await expect(meanLoss(() => ({ loss: tf.scalar(1), metrics: { m: tf.ones([2]) } }), x)).rejects.toThrow(
      'meanLoss: metric "m" must be a scalar tensor, got a float32 tensor of shape [2]',
    );
    expect(calls).toBe(0);
    expect(tf.memory().numTensors).toBe(before + 1); // the empty tensor made above
    expect(x.isDisposed).toBe(false);
  });
});

describe('inBatches', () => {
  it('equals fn on the whole input for a row-wise fn, for any rank, and leaks nothing but its result', async () => {
    const x = keep(tf.randomNormal([10, 2, 3], 0, 1, 'float32', 4));
    const fn = (b: tf.Tensor) => tf.sum(tf.square(b), [1, 2]);
    const whole = keep(fn(x));
    const blocks: number[] = [];
    const out = keep(await expectNoLeaks(() => inBatches(x, 4, (b) => (blocks.push(b.shape[0]!), fn(b)))));
    expect(blocks).toEqual([4, 4, 2]);
    expectClose(out, whole.dataSync() as Float32Array, { rtol: 1e-6 });
    expect(keep(inBatches([[1], [2]], 8, (b) => tf.mul(b, 2))).dataSync()).toEqual(Float32Array.of(2, 4));
  });

  it('names the caller and the argument in errors', () => {
    const before = tf.memory().numTensors;
    expect(() => inBatches(keep(tf.zeros([0, 2])), 4, (b) => b, 'VAE.encode')).toThrow(
      'VAE.encode: x must have at least 1 rows, got shape [0, 2]',
    );
    expect(() => inBatches([[1]], 0, (b) => b, 'VAE.encode')).toThrow('VAE.encode: batchSize must be an integer >= 1, got number 0');
    expect(() => inBatches([[1]], 2, 3 as never)).toThrow('inBatches: fn must be a function, got number 3');
    expect(tf.memory().numTensors).toBe(before + 1); // the zeros above, owned by the test
  });
});

describe('checkKnownKeys', () => {
  it('names the caller, the unknown key and the closest known one when it is a likely typo', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('epochs', 'epochs')).toBe(0);
    expect(editDistance('bacthSize', 'batchSize')).toBe(1); // a swap of neighbours is one edit
    expect(() => checkKnownKeys({ epochs: 1, batchSize: 2 }, ['epochs', 'batchSize'], 'fit')).not.toThrow();
    expect(() => checkKnownKeys({ bachSize: 2 }, ['epochs', 'batchSize'], 'Autoencoder.fit')).toThrow(
      'Autoencoder.fit: unknown option "bachSize"; did you mean "batchSize"? (known: epochs, batchSize)',
    );
    expect(() => checkKnownKeys({ BATCHSIZE: 2 }, ['epochs', 'batchSize'], 'fit')).toThrow(
      'fit: unknown option "BATCHSIZE"; did you mean "batchSize"?',
    );
    expect(() => checkKnownKeys({ sede: 1 }, ['seed', 'init'], 'mlp')).toThrow(
      'mlp: unknown option "sede"; did you mean "seed"? (known: seed, init)',
    );
    // too far from every known key to be a typo: no suggestion
    expect(() => checkKnownKeys({ learningRate: 1 }, ['seed', 'init'], 'Linear')).toThrow(
      /^Linear: unknown option "learningRate" \(known: seed, init\)$/,
    );
  });

  it('throws on options that are not an object, describing what came', () => {
    expect(() => checkKnownKeys([1], ['a'], 'fit')).toThrow('fit: options must be an object, got an array of length 1');
    expect(() => checkKnownKeys(3, ['seed'], 'f')).toThrow('f: options must be an object, got number 3');
    expect(() => checkKnownKeys(null, ['seed'], 'f')).toThrow('f: options must be an object, got null');
    expect(() => checkKnownKeys(undefined, ['seed'], 'f')).toThrow('f: options must be an object, got undefined');
  });
});
