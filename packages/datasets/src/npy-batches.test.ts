import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { npyBatches, npyRowBatches, writeNpy, type NpyBatchesOptions } from '@elbo/datasets/node';
import { expectNoLeaks } from '../../../tooling/testing';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'elbo-batches-'));
const ROWS = 103;
const ROW_SIZE = 6; // each row is a 3 x 2 block: value = 10 * row + position
const path = join(dir, 'rows.npy');

beforeAll(async () => {
  const data = Float32Array.from({ length: ROWS * ROW_SIZE }, (_, i) => 10 * Math.floor(i / ROW_SIZE) + (i % ROW_SIZE));
  await writeNpy(path, data, [ROWS, 3, 2]);
  await writeNpy(join(dir, 'rows-f64.npy'), Float64Array.from(data), [ROWS, 3, 2]);
  await writeNpy(
    join(dir, 'bytes.npy'),
    Uint8Array.from({ length: 20 }, (_, i) => i * 10),
    [10, 2],
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const small: NpyBatchesOptions = { batchSize: 10, chunkRows: 8, bufferChunks: 3, seed: 1 };

/** The row indices of one epoch, checking each batch's shape and that its data are its rows. */
async function epoch(iterable: AsyncIterable<{ data: Float32Array; shape: [number, number]; indices: Int32Array }>) {
  const order: number[] = [];
  const sizes: number[] = [];
  for await (const { data, shape, indices } of iterable) {
    expect(shape).toEqual([indices.length, ROW_SIZE]);
    expect(data.length).toBe(indices.length * ROW_SIZE);
    indices.forEach((row, k) => {
      for (let p = 0; p < ROW_SIZE; p++) {
        if (data[k * ROW_SIZE + p] !== 10 * row + p) throw new Error(`batch row ${k} is not file row ${row}`);
      }
    });
    order.push(...indices);
    sizes.push(indices.length);
  }
  return { order, sizes };
}

describe('npyRowBatches', () => {
  it('sees every row exactly once per epoch, in full batches but the last', async () => {
    const { order, sizes } = await epoch(npyRowBatches(path, small));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect(sizes).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3]);
    const dropped = await epoch(npyRowBatches(path, { ...small, dropLast: true }));
    expect(dropped.sizes).toEqual(new Array(10).fill(10));
    expect(new Set(dropped.order).size).toBe(100);
  });

  it('shuffles deterministically per seed, differently each epoch, across chunks', async () => {
    const a = npyRowBatches(path, small);
    const b = npyRowBatches(path, small);
    const a1 = (await epoch(a)).order;
    const a2 = (await epoch(a)).order;
    expect((await epoch(b)).order).toEqual(a1);
    expect((await epoch(b)).order).toEqual(a2);
    expect(a2).not.toEqual(a1);
    expect((await epoch(npyRowBatches(path, { ...small, seed: 2 }))).order).not.toEqual(a1);
    expect(a1).not.toEqual(Array.from({ length: ROWS }, (_, i) => i));
    // rows of different chunks of 8 meet in one batch
    const firstBatchChunks = new Set(a1.slice(0, 10).map((row) => Math.floor(row / 8)));
    expect(firstBatchChunks.size).toBeGreaterThan(1);
  });

  it('reads in file order without shuffle, and converts float64 and scaled uint8 to float32', async () => {
    const { order } = await epoch(npyRowBatches(path, { ...small, shuffle: false }));
    expect(order).toEqual(Array.from({ length: ROWS }, (_, i) => i));
    expect((await epoch(npyRowBatches(join(dir, 'rows-f64.npy'), small))).order.length).toBe(ROWS);
    const values: number[] = [];
    for await (const { data } of npyRowBatches(join(dir, 'bytes.npy'), { batchSize: 4, shuffle: false, scale: 1 / 255 })) {
      expect(data).toBeInstanceOf(Float32Array);
      values.push(...data);
    }
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => Math.fround((i * 10) / 255)));
  });

  it('closes the file when the consumer stops early', async () => {
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for await (const batch of npyRowBatches(path, small)) {
      expect(batch.indices.length).toBe(10);
      break;
    }
    expect(open()).toBe(before);
  });

  it('rejects bad options at once and bad files when iterated, naming the file', async () => {
    expect(() => npyRowBatches(path, { batchSize: 0 })).toThrow('npyBatches: batchSize must be a positive integer, got 0');
    expect(() => npyRowBatches(path, { batchSize: 2, bufferChunks: 1.5 })).toThrow(
      'npyBatches: bufferChunks must be a positive integer, got 1.5',
    );
    expect(() => npyRowBatches(path, { batchSize: 2, seed: Number.NaN })).toThrow('npyBatches: seed must be an integer, got NaN');
    const missing = join(dir, 'missing.npy');
    await expect(epoch(npyRowBatches(missing, small))).rejects.toThrow(`${missing}: ENOENT`);
    const fortran = join(fixtures, 'fortran.npy');
    await expect(epoch(npyRowBatches(fortran, small))).rejects.toThrow(`${fortran}: Fortran-order .npy arrays are not supported`);
    const scalar = join(fixtures, 'f32-scalar.npy');
    await expect(epoch(npyRowBatches(scalar, small))).rejects.toThrow(
      `${scalar}: npyBatches needs an array with a first (row) axis, got a scalar`,
    );
  });
});

describe('npyBatches', () => {
  it('yields [b, rowSize] float32 tensors the consumer owns; disposing them leaks nothing', async () => {
    const rows = await epoch(npyRowBatches(path, small));
    const seen: number[] = [];
    await expectNoLeaks(async () => {
      for await (const { images, indices } of npyBatches(path, small)) {
        expect(images.shape).toEqual([indices.length, ROW_SIZE]);
        expect(images.dtype).toBe('float32');
        expect(Array.from(images.dataSync()).slice(0, ROW_SIZE)).toEqual(Array.from({ length: ROW_SIZE }, (_, p) => 10 * indices[0]! + p));
        seen.push(...indices);
        images.dispose();
      }
    });
    expect(seen).toEqual(rows.order); // same seed, first epoch: the same order as the plain batches
  });

  it('gives each row the itemShape asked for (images for a convolutional model), checked against the file', async () => {
    await expectNoLeaks(async () => {
      for await (const { images, indices } of npyBatches(path, { ...small, itemShape: [3, 2, 1] })) {
        expect(images.shape).toEqual([indices.length, 3, 2, 1]);
        expect(Array.from(images.dataSync()).slice(0, ROW_SIZE)).toEqual(Array.from({ length: ROW_SIZE }, (_, p) => 10 * indices[0]! + p));
        images.dispose();
      }
    });
    expect(() => npyBatches(path, { ...small, itemShape: [3, 0] })).toThrow(
      "npyBatches: itemShape must list positive integers (one row's shape), got [3,0]",
    );
    const iterator = npyBatches(path, { ...small, itemShape: [28, 28, 1] })[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toThrow(
      `${path}: npyBatches itemShape [28, 28, 1] holds 784 values, but a row of the file holds 6`,
    );
  });
});
