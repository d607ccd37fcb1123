import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { selectBackend } from './index';

/** Row-major values 0, 1, 2, ... (distinct, so a wrong row or offset shows). */
const counting = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor =>
  tf.tensor(
    Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => (dtype === 'int32' ? i - 7 : i * 0.5 - 3.25)),
    shape,
    dtype,
  );

/** The gather of rows written out by hand: out[i, ...] = x[indices[i], ...]. */
function expectedRows(x: tf.Tensor, indices: number[]): number[] {
  const rowLength = tf.util.sizeFromShape(x.shape.slice(1));
  const values = Array.from(x.dataSync());
  return indices.flatMap((r) => values.slice(r * rowLength, (r + 1) * rowLength));
}

describe('the block-copying gather on wasm', () => {
  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.name).toBe('wasm');
  });

  it('copies the rows of 2-D and 3-D float32 and int32 tensors, repeats and all, and leaks nothing', async () => {
    for (const [shape, dtype] of [
      [[9, 5], 'float32'],
      [[6, 3, 4], 'float32'],
      [[7, 2], 'int32'],
    ] as const) {
      const x = counting([...shape], dtype);
      const picked = [4, 0, 4, shape[0] - 1, 2];
      const out = await expectNoLeaks(() => tf.tidy(() => tf.gather(x, tf.tensor1d(picked, 'int32'))));
      expect(out.shape).toEqual([picked.length, ...shape.slice(1)]);
      expect(out.dtype).toBe(dtype);
      expect(Array.from(out.dataSync())).toEqual(expectedRows(x, picked));
      tf.dispose([x, out]);
    }
  });

  it('gives 2-D indices the shape indices.shape + x.shape[1:], and an empty index list an empty tensor', () => {
    const x = counting([5, 3]);
    const grid = tf.tidy(() =>
      tf.gather(
        x,
        tf.tensor2d(
          [
            [1, 3],
            [0, 1],
          ],
          [2, 2],
          'int32',
        ),
      ),
    );
    expect(grid.shape).toEqual([2, 2, 3]);
    expect(Array.from(grid.dataSync())).toEqual(expectedRows(x, [1, 3, 0, 1]));
    const none = tf.tidy(() => tf.gather(x, tf.tensor1d([], 'int32')));
    expect(none.shape).toEqual([0, 3]);
    tf.dispose([x, grid, none]);
  });

  it("throws tfjs' error on an out-of-range index, leaking nothing", async () => {
    const x = counting([4, 2]);
    const indices = tf.tensor1d([1, 4], 'int32');
    const before = tf.memory().numTensors;
    expect(() => tf.gather(x, indices)).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    expect(() => tf.gather(x, tf.tensor1d([-1], 'int32'))).toThrow('GatherV2: the index value -1 is not in [0, 3]');
    expect(tf.memory().numTensors).toBe(before + 1); // the second call's own indices only
    tf.dispose([x, indices]);
  });

  it('gathers along inner axes and with batchDims as TensorFlow defines them', async () => {
    const x = counting([2, 3, 4]);
    const values = x.arraySync() as number[][][];
    const cases: [tf.Tensor, number, number, unknown][] = [
      // out[a, i, c] = x[a, idx[i], c]
      [tf.tensor1d([2, 0, 2], 'int32'), 1, 0, values.map((plane) => [plane[2], plane[0], plane[2]])],
      // out[a, b, i] = x[a, b, idx[i]]: slices of one element
      [tf.tensor1d([3, 1], 'int32'), -1, 0, values.map((plane) => plane.map((row) => [row[3], row[1]]))],
      // batchDims 1: out[a, i, c] = x[a, idx[a, i], c]
      [
        tf.tensor2d(
          [
            [1, 1],
            [0, 2],
          ],
          [2, 2],
          'int32',
        ),
        1,
        1,
        [
          [values[0]![1], values[0]![1]],
          [values[1]![0], values[1]![2]],
        ],
      ],
      // batchDims 2: out[a, b, i] = x[a, b, idx[a, b, i]], tfjs 4.22's wasm kernel read the wrong memory here
      [
        tf.tensor3d(
          [
            [[3], [0], [1]],
            [[2], [2], [0]],
          ],
          [2, 3, 1],
          'int32',
        ),
        2,
        2,
        values.map((plane, a) =>
          plane.map((row, r) => [
            row[
              [
                [3, 0, 1],
                [2, 2, 0],
              ][a]![r]!
            ],
          ]),
        ),
      ],
    ];
    for (const [indices, axis, batchDims, expected] of cases) {
      const out = await expectNoLeaks(() => tf.gather(x, indices, axis, batchDims));
      expect(out.arraySync()).toEqual(expected);
      tf.dispose([indices, out]);
    }
    x.dispose();
  });

  it('copies bool tensors (1 byte per element)', () => {
    const flags = tf.tensor2d(
      [
        [true, false],
        [false, false],
        [true, true],
      ],
      [3, 2],
      'bool',
    );
    const picked = tf.tidy(() => tf.gather(flags, tf.tensor1d([2, 0, 2], 'int32')));
    expect(picked.dtype).toBe('bool');
    expect(picked.arraySync()).toEqual([
      [1, 1],
      [1, 0],
      [1, 1],
    ]);
    const columns = tf.tidy(() => tf.gather(flags, tf.tensor1d([1], 'int32'), 1));
    expect(columns.arraySync()).toEqual([[0], [0], [1]]);
    tf.dispose([flags, picked, columns]);
  });
});
