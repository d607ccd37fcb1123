import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { describeValue, toFloatTensor } from './convert';

describe('describeValue', () => {
  it('says what came, for every kind of value', () => {
    const t = tf.zeros([2, 3], 'int32');
    expect(describeValue(t)).toBe('a int32 tensor of shape [2, 3]');
    t.dispose();
    expect(describeValue(t)).toBe('a disposed tensor');
    expect(describeValue([1, 2])).toBe('an array of length 2');
    expect(describeValue(new Float32Array(9))).toBe('a Float32Array of length 9');
    expect(describeValue(Number.NaN)).toBe('number NaN');
    expect(describeValue('relu ')).toBe('string "relu "');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(() => 1)).toBe('a function');
  });
});

describe('toFloatTensor', () => {
  it('returns a float32 tensor as is and converts the rest', () => {
    const x = tf.ones([2, 2]);
    expect(toFloatTensor(x, 'x', 'f')).toBe(x);
    const before = tf.memory().numTensors;
    const y = toFloatTensor([[1, 2]], 'x', 'f', { rank: 2, lastDim: 2 });
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([1, 2]);
    y.dispose();
    const ints = tf.tensor1d([1, 2], 'int32');
    const i = toFloatTensor(ints, 'x', 'f');
    expect(i.dtype).toBe('float32');
    tf.dispose([i, ints]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('names the argument, the caller, what was expected and what came; leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => toFloatTensor([1, 2, 3], 'x', 'VAE.encode', { rank: 2 })).toThrow('VAE.encode: x must have rank 2, got shape [3]');
    expect(() => toFloatTensor([[1, 2]], 'x', 'f', { lastDim: 3 })).toThrow('f: x must have 3 values on its last axis, got shape [1, 2]');
    expect(() => toFloatTensor([[1, 2]], 'x', 'f', { itemShape: [2, 1] })).toThrow('f: x must have shape [n, 2, 1], got [1, 2]');
    expect(() => toFloatTensor([[1, 2]], 'x', 'f', { minRows: 2 })).toThrow('f: x must have at least 2 rows, got shape [1, 2]');
    expect(() =>
      toFloatTensor(
        [
          [1, 2],
          [3, Number.NaN],
        ],
        'data',
        'fit',
        { finite: true },
      ),
    ).toThrow('fit: data must be finite, got NaN at index [1, 1]');
    expect(() => toFloatTensor('abc' as never, 'x', 'f')).toThrow(
      'f: x must be a tensor, a number or a (nested) array of numbers, got string "abc"',
    );
    const rows = toFloatTensor([Float64Array.of(1, 2, 3), Float32Array.of(4, 5, 6)], 'x', 'f', { rank: 2 });
    expect(rows.shape).toEqual([2, 3]); // tfjs alone reads Float64Array rows as a flat [2]
    expect(Array.from(rows.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    rows.dispose();
    const strings = tf.tensor(['a', 'b']);
    expect(() => toFloatTensor(strings, 'x', 'f')).toThrow('f: x must be a numeric tensor, got a string tensor of shape [2]');
    strings.dispose();
    const disposed = tf.ones([1]);
    disposed.dispose();
    expect(() => toFloatTensor(disposed, 'x', 'f')).toThrow('f: x is a disposed tensor');
    expect(tf.memory().numTensors).toBe(before);
  });
});
