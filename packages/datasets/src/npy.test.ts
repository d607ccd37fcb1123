import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseNpy, parseNpyHeader, toNpy } from '@elbo/datasets';

// Oracle files written by numpy.save (fixtures/make-fixtures.py) and what numpy reads back from them.
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const file = (name: string): Uint8Array => new Uint8Array(readFileSync(resolve(fixtures, `${name}.npy`)));
const expected = JSON.parse(readFileSync(resolve(fixtures, 'fixtures.json'), 'utf8')) as {
  arrays: Record<string, { shape: number[]; dtype: string; values: number[] }>;
};

describe('parseNpy', () => {
  for (const [name, want] of Object.entries(expected.arrays)) {
    it(`reads numpy's ${name}.npy`, () => {
      const array = parseNpy(file(name));
      expect(array.shape).toEqual(want.shape);
      expect(array.dtype).toBe(want.dtype);
      // float32 values were widened exactly to float64 by numpy, so equality is exact
      expect(Array.from(array.data)).toEqual(want.values);
    });
  }

  it('returns a copy, not a view of the input bytes', () => {
    const bytes = file('f32-2x3');
    const { data } = parseNpy(bytes);
    bytes.fill(0, bytes.length - 24);
    expect(data[5]).toBe(1.25);
  });

  it('refuses Fortran order, naming it', () => {
    expect(() => parseNpy(file('fortran'))).toThrow('Fortran-order .npy arrays are not supported: expected fortran_order False, got True');
  });

  it('refuses other dtypes, naming the one found and the supported ones', () => {
    expect(() => parseNpy(file('int64'))).toThrow("unsupported .npy dtype '<i8' (supported: float32 '<f4', float64 '<f8', uint8 '|u1'");
    expect(() => parseNpy(file('bool'))).toThrow("unsupported .npy dtype '|b1'");
    expect(() => parseNpy(file('structured'))).toThrow("unsupported .npy dtype [('x', '<f4'), ('y', '<f4')]");
  });

  it('refuses bad magic and unknown versions', () => {
    const bytes = file('f32-2x3');
    const png = bytes.slice();
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a], 0);
    expect(() => parseNpy(png)).toThrow('not a .npy file: expected magic bytes \\x93NUMPY, got \\x89PNG\\x0d\\x0a');
    const v4 = bytes.slice();
    v4[6] = 4;
    expect(() => parseNpy(v4)).toThrow('unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)');
  });

  it('refuses truncated files, saying how many bytes were expected and came', () => {
    const bytes = file('f32-2x3'); // 128 header bytes + 24 data bytes
    expect(() => parseNpy(bytes.subarray(0, 5))).toThrow('truncated .npy: expected at least 10 bytes of magic and header length, got 5');
    expect(() => parseNpy(bytes.subarray(0, 100))).toThrow('truncated .npy: expected a header of 128 bytes, got 100');
    expect(() => parseNpy(bytes.subarray(0, 148))).toThrow('truncated .npy: shape (2, 3) of float32 needs 24 data bytes, got 20');
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => parseNpy(longer)).toThrow('bad .npy: shape (2, 3) of float32 needs 24 data bytes, got 28 (trailing bytes)');
  });

  it('reads the header alone', () => {
    const header = parseNpyHeader(file('f64-5').subarray(0, 128));
    expect(header).toEqual({ dtype: 'float64', shape: [5], littleEndian: true, version: [1, 0], dataOffset: 128, dataBytes: 40 });
    expect(parseNpyHeader(file('f32-2x3-v2')).version).toEqual([2, 0]);
    expect(parseNpyHeader(file('f32-big-endian')).littleEndian).toBe(false);
  });
});

describe('parseNpy and parseNpyHeader inputs', () => {
  const values = (name: string): number[] => expected.arrays[name]!.values;

  it('reads an ArrayBuffer, as fetch().arrayBuffer() gives', () => {
    const buffer = file('f32-2x3').slice().buffer;
    const array = parseNpy(buffer);
    expect(array.shape).toEqual([2, 3]);
    expect(Array.from(array.data)).toEqual(values('f32-2x3'));
    expect(parseNpyHeader(file('f64-5').slice().buffer).shape).toEqual([5]);
  });

  it('reads a SharedArrayBuffer', () => {
    const bytes = file('f64-5');
    const shared = new SharedArrayBuffer(bytes.length);
    new Uint8Array(shared).set(bytes);
    expect(Array.from(parseNpy(shared).data)).toEqual(values('f64-5'));
  });

  it("reads a Node Buffer at an odd offset of a shared pool, byte-swapping a copy and leaving the caller's bytes alone", () => {
    const bytes = file('f32-big-endian');
    const pool = Buffer.alloc(bytes.length + 3, 0xee);
    pool.set(bytes, 3);
    const buffer = pool.subarray(3); // byteOffset 3: a Float32Array cannot view it in place
    const before = Buffer.from(buffer);
    const array = parseNpy(buffer);
    expect(Array.from(array.data)).toEqual(values('f32-big-endian'));
    expect(array.data.buffer).not.toBe(pool.buffer);
    expect(buffer.equals(before)).toBe(true);
    expect(pool[0]).toBe(0xee);
    expect(parseNpyHeader(buffer).littleEndian).toBe(false);
  });

  it('returns a copy of a Buffer, not a view of it', () => {
    const buffer = Buffer.from(file('f32-2x3'));
    const { data } = parseNpy(buffer);
    buffer.fill(0, buffer.length - 24);
    expect(data[5]).toBe(1.25);
  });

  it('reads other ArrayBufferViews (DataView, typed arrays) by their bytes, from their own offset', () => {
    const bytes = file('f32-2x3');
    const padded = new Uint8Array(bytes.length + 8);
    padded.set(bytes, 8);
    expect(Array.from(parseNpy(new DataView(padded.buffer, 8)).data)).toEqual(values('f32-2x3'));
    const words = new Uint32Array(bytes.slice().buffer); // 152 bytes, 38 words
    expect(Array.from(parseNpy(words).data)).toEqual(values('f32-2x3'));
  });

  it('rejects anything that is not bytes, naming bytes, what it expects and what came', () => {
    const expects = 'bytes must be an ArrayBuffer or an ArrayBufferView such as Uint8Array or Buffer, got';
    expect(() => parseNpy('\x93NUMPY' as never)).toThrow(`parseNpy: ${expects} string ${JSON.stringify('\x93NUMPY')}`);
    expect(() => parseNpy([0x93, 0x4e] as never)).toThrow(`parseNpy: ${expects} an array of length 2`);
    expect(() => parseNpy(undefined as never)).toThrow(`parseNpy: ${expects} undefined`);
    expect(() => parseNpy(null as never)).toThrow(`parseNpy: ${expects} null`);
    expect(() => parseNpy(42 as never)).toThrow(`parseNpy: ${expects} number 42`);
    expect(() => parseNpy({ length: 10 } as never)).toThrow(`parseNpy: ${expects} an object`);
    expect(() => parseNpy(Object.create(null) as never)).toThrow(`parseNpy: ${expects} an object`);
    expect(() => parseNpy(new Blob([file('f32-2x3').slice().buffer]) as never)).toThrow(
      `parseNpy: ${expects} a Blob (call its arrayBuffer() method first and pass the result)`,
    );
    expect(() => parseNpyHeader('x' as never)).toThrow(`parseNpyHeader: ${expects} string "x"`);
  });
});

describe('toNpy', () => {
  it('writes the same bytes as numpy.save', () => {
    const cases: [string, Float32Array | Float64Array | Uint8Array][] = [
      ['f32-2x3', new Float32Array(expected.arrays['f32-2x3']!.values)],
      ['f64-5', new Float64Array(expected.arrays['f64-5']!.values)],
      ['u8-2x2x2', new Uint8Array(expected.arrays['u8-2x2x2']!.values)],
      ['f32-scalar', new Float32Array([3.5])],
      ['f32-0x3', new Float32Array(0)],
    ];
    for (const [name, data] of cases) {
      const bytes = toNpy(data, expected.arrays[name]!.shape);
      expect(Buffer.from(bytes).equals(Buffer.from(file(name))), name).toBe(true);
    }
  });

  it('round-trips non-finite values and -0 bit for bit', () => {
    const data = new Float64Array([Number.NaN, Infinity, -Infinity, -0, Number.MIN_VALUE]);
    const back = parseNpy(toNpy(data)).data;
    expect(Buffer.from(back.buffer).equals(Buffer.from(data.buffer))).toBe(true);
  });

  it('switches to format 2.0 when the header does not fit in 65,535 bytes', () => {
    const shape = new Array<number>(25_000).fill(1);
    const bytes = toNpy(new Float32Array([2.5]), shape);
    expect(bytes[6]).toBe(2);
    expect(bytes.length % 64).toBe(4); // the data (4 bytes) starts at a multiple of 64
    const back = parseNpy(bytes);
    expect(back.shape).toEqual(shape);
    expect(Array.from(back.data)).toEqual([2.5]);
  });

  it('writes a subarray view from its own offset', () => {
    const whole = new Float32Array([9, 1, 2, 9]);
    expect(Array.from(parseNpy(toNpy(whole.subarray(1, 3))).data)).toEqual([1, 2]);
  });

  it('rejects a shape that does not fit the data and unsupported arrays', () => {
    expect(() => toNpy(new Float32Array(6), [4, 2])).toThrow('toNpy: shape (4, 2) holds 8 elements, got data of length 6');
    expect(() => toNpy(new Float32Array(6), [2, -3])).toThrow('toNpy: shape must be non-negative integers, got -3 at index 1');
    expect(() => toNpy(new Int32Array(3) as unknown as Float32Array)).toThrow(
      'toNpy: data must be a Float32Array, Float64Array or Uint8Array, got Int32Array',
    );
  });
});
