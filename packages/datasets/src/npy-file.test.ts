import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { toNpy } from '@elbo/datasets';
import { createNpyWriter, readNpy, readNpyHeader, writeNpy } from '@elbo/datasets/node';

const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'elbo-npy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readNpy / writeNpy', () => {
  it("reads numpy's files", async () => {
    const { data, shape, dtype } = await readNpy(join(fixtures, 'f32-2x3.npy'));
    expect(shape).toEqual([2, 3]);
    expect(dtype).toBe('float32');
    expect(Array.from(data)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
  });

  it('writes the bytes numpy.save writes, leaving no temporary file', async () => {
    const path = join(dir, 'u8.npy');
    await writeNpy(path, new Uint8Array([0, 1, 2, 127, 128, 200, 254, 255]), [2, 2, 2]);
    expect(readFileSync(path).equals(readFileSync(join(fixtures, 'u8-2x2x2.npy')))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces an existing file and round-trips float64', async () => {
    const path = join(dir, 'f64.npy');
    await writeNpy(path, new Float64Array([1, 2]));
    await writeNpy(path, new Float64Array([Math.PI, -1e300, 5e-324]), [3, 1]);
    const back = await readNpy(path);
    expect(back.shape).toEqual([3, 1]);
    expect(Array.from(back.data)).toEqual([Math.PI, -1e300, 5e-324]);
  });

  it('names the file in errors: missing, truncated, bad shape', async () => {
    await expect(readNpy(join(dir, 'missing.npy'))).rejects.toThrow(`${join(dir, 'missing.npy')}: ENOENT`);
    const truncated = join(dir, 'truncated.npy');
    writeFileSync(truncated, readFileSync(join(fixtures, 'f32-2x3.npy')).subarray(0, 140));
    await expect(readNpy(truncated)).rejects.toThrow(`${truncated}: truncated .npy: shape (2, 3) of float32 needs 24 data bytes, got 12`);
    await expect(readNpyHeader(truncated)).rejects.toThrow(
      `${truncated}: truncated .npy: shape (2, 3) of float32 needs 24 data bytes, got 12`,
    );
    await expect(writeNpy(join(dir, 'x.npy'), new Float32Array(3), [2, 2])).rejects.toThrow(
      'toNpy: shape (2, 2) holds 4 elements, got data of length 3',
    );
  });

  it('reads only the header of a file', async () => {
    const header = await readNpyHeader(join(fixtures, 'f64-5.npy'));
    expect(header.shape).toEqual([5]);
    expect(header.dataOffset).toBe(128);
  });
});

describe('createNpyWriter', () => {
  it('writes in pieces exactly what toNpy writes at once', async () => {
    const path = join(dir, 'pieces.npy');
    const all = Float32Array.from({ length: 5 * 3 }, (_, i) => i / 7);
    const writer = await createNpyWriter(path, { dtype: 'float32', shape: [5, 3] });
    expect(readdirSync(dir)).not.toContain('pieces.npy'); // not visible until closed
    await writer.write(all.subarray(0, 4)); // pieces need not be whole rows
    await writer.write(all.subarray(4, 12));
    await writer.write(all.subarray(12));
    await writer.close();
    expect(readFileSync(path).equals(Buffer.from(toNpy(all, [5, 3])))).toBe(true);
  });

  it('refuses too few or too many elements and the wrong dtype, writing nothing', async () => {
    const path = join(dir, 'short.npy');
    const writer = await createNpyWriter(path, { dtype: 'float32', shape: [2, 2] });
    await expect(writer.write(new Float64Array(2))).rejects.toThrow(`${path}: write expected float32 data, got float64`);
    await expect(writer.write(new Float32Array(5))).rejects.toThrow(`${path}: write of 5 elements overflows shape (2, 2): 0 of 4 written`);
    await writer.write(new Float32Array(3));
    await expect(writer.close()).rejects.toThrow(`${path}: expected 4 elements for shape (2, 2), got 3; file not written`);
    expect(readdirSync(dir).filter((f) => f.startsWith('short.npy'))).toEqual([]);
    await expect(createNpyWriter(path, { dtype: 'int8' as 'uint8', shape: [1] })).rejects.toThrow(
      `createNpyWriter: dtype must be 'float32', 'float64' or 'uint8', got "int8"`,
    );
  });

  it('abort() removes the unfinished file', async () => {
    const writer = await createNpyWriter(join(dir, 'aborted.npy'), { dtype: 'uint8', shape: [4] });
    await writer.write(new Uint8Array(2));
    await writer.abort();
    expect(readdirSync(dir).filter((f) => f.startsWith('aborted.npy'))).toEqual([]);
  });
});
