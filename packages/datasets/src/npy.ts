// The NPY format (numpy.lib.format), versions 1.0, 2.0 and 3.0:
//
//   magic "\x93NUMPY" | major | minor | header length (uint16 LE in 1.0, uint32 LE in 2.0/3.0)
//   | header: a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
//     padded with spaces and a final "\n" so the data starts at a multiple of 64 bytes
//   | data: the array's bytes in C (row-major) order.

import { describeValue } from '@elbo/prob';

/** Element types this package reads and writes. */
export type NpyDtype = 'float32' | 'float64' | 'uint8';

/** The typed array of each element type. */
export type NpyData = Float32Array | Float64Array | Uint8Array;

/** A parsed `.npy` array. */
export interface NpyArray {
  /** The elements in C order, `shape.reduce(*)` of them (a copy, never a view of the input bytes). */
  data: NpyData;
  /** The array's shape; `[]` for a scalar. */
  shape: number[];
  dtype: NpyDtype;
}

/** What a `.npy` header says. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  /** Byte order of the stored elements (always true for uint8). */
  littleEndian: boolean;
  /** Format version, e.g. `[1, 0]`. */
  version: [number, number];
  /** Bytes before the data: magic, lengths and header text. */
  dataOffset: number;
  /** Bytes of data the shape and dtype call for. */
  dataBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/** numpy leaves room in the header for the first axis to grow to 21 digits. */
const GROWTH_AXIS_MAX_DIGITS = 21;
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1 };
const DESCR: Record<NpyDtype, string> = { float32: '<f4', float64: '<f8', uint8: '|u1' };
const SUPPORTED = "float32 '<f4', float64 '<f8', uint8 '|u1' (either byte order)";

/** Item size in bytes of a dtype. */
export function npyItemSize(dtype: NpyDtype): number {
  return ITEM_SIZE[dtype];
}

function describe(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/**
 * Total bytes before the data (the data offset), read from the first 12
 * bytes of a `.npy` file; checks the magic and version.
 */
export function npyHeaderLength(prefix: Uint8Array): number {
  if (prefix.length < 10) {
    throw new Error(`truncated .npy: expected at least 10 bytes of magic and header length, got ${prefix.length}`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (prefix[i] !== MAGIC[i]) {
      throw new Error(`not a .npy file: expected magic bytes \\x93NUMPY, got ${describe(prefix.subarray(0, 6))}`);
    }
  }
  const major = prefix[6]!;
  const minor = prefix[7]!;
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  if (major === 1 && minor === 0) return 10 + view.getUint16(8, true);
  if ((major === 2 || major === 3) && minor === 0) {
    if (prefix.length < 12) throw new Error(`truncated .npy: expected 12 bytes of magic and header length, got ${prefix.length}`);
    return 12 + view.getUint32(8, true);
  }
  throw new Error(`unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
}

function parseDescr(descr: string): { dtype: NpyDtype; littleEndian: boolean } {
  const m = /^([<>|=]?)([fu])(\d+)$/.exec(descr);
  const order = m?.[1] ?? '';
  const kind = `${m?.[2] ?? ''}${m?.[3] ?? ''}`;
  const littleEndian = order === '<' || order === '|' || (order === '=' && HOST_LITTLE_ENDIAN) || order === '';
  if (kind === 'f4' && order !== '|') return { dtype: 'float32', littleEndian };
  if (kind === 'f8' && order !== '|') return { dtype: 'float64', littleEndian };
  if (kind === 'u1') return { dtype: 'uint8', littleEndian: true };
  throw new Error(`unsupported .npy dtype '${descr}' (supported: ${SUPPORTED})`);
}

/** The bytes of a `.npy` file as given by a caller. */
export type NpyBytes = ArrayBuffer | SharedArrayBuffer | ArrayBufferView;

/**
 * `bytes` as a Uint8Array over the same memory (no copy): an ArrayBuffer (as
 * from `fetch().arrayBuffer()`), a SharedArrayBuffer or any ArrayBufferView
 * (Uint8Array, Buffer, DataView, ...); anything else throws naming `bytes`.
 */
export function npyBytes(bytes: unknown, where: string): Uint8Array {
  // a plain Uint8Array as is; a subclass (Node's Buffer, whose slice() is a view, not a copy) as a plain view
  if (bytes instanceof Uint8Array && Object.getPrototypeOf(bytes) === Uint8Array.prototype) return bytes;
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // by tag rather than instanceof, so buffers from another realm (a worker, a vm context) pass too
  const tag = Object.prototype.toString.call(bytes);
  if (tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]') return new Uint8Array(bytes as ArrayBuffer);
  const readFirst = typeof (bytes as { arrayBuffer?: unknown } | null)?.arrayBuffer === 'function';
  const hint = readFirst ? ' (call its arrayBuffer() method first and pass the result)' : '';
  throw new Error(
    `${where}: bytes must be an ArrayBuffer or an ArrayBufferView such as Uint8Array or Buffer, got ${describeValue(bytes)}${hint}`,
  );
}

/**
 * Parses the header of a `.npy` file (the first `npyHeaderLength` bytes or more).
 *
 * @param bytes - the file's bytes, or at least its header: an ArrayBuffer or
 *   any ArrayBufferView (Uint8Array, Buffer).
 * @returns dtype, shape, byte order, version, data offset and data size.
 * @example
 * ```ts
 * const { shape, dtype, dataOffset } = parseNpyHeader(bytes);
 * ```
 */
export function parseNpyHeader(input: NpyBytes): NpyHeader {
  const bytes = npyBytes(input, 'parseNpyHeader');
  const dataOffset = npyHeaderLength(bytes);
  if (bytes.length < dataOffset) {
    throw new Error(`truncated .npy: expected a header of ${dataOffset} bytes, got ${bytes.length}`);
  }
  const major = bytes[6]!;
  const start = major === 1 ? 10 : 12;
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, dataOffset));
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (descr == null) {
    const raw = /['"]descr['"]\s*:\s*(.*?),\s*['"](?:fortran_order|shape)/.exec(text)?.[1] ?? 'nothing';
    throw new Error(`unsupported .npy dtype ${raw} (supported: ${SUPPORTED})`);
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (fortran == null) throw new Error(`bad .npy header: expected 'fortran_order': True or False, got ${text.trim()}`);
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (shapeText == null) throw new Error(`bad .npy header: expected 'shape': (...), got ${text.trim()}`);
  const { dtype, littleEndian } = parseDescr(descr[1]!);
  if (fortran[1] === 'True') {
    throw new Error(
      'Fortran-order .npy arrays are not supported: expected fortran_order False, got True; save a C-order array (numpy.ascontiguousarray)',
    );
  }
  const shape = shapeText[1]!
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+$/.test(s)) throw new Error(`bad .npy header: expected a shape of non-negative integers, got (${shapeText[1]})`);
      return Number(s);
    });
  const count = shape.reduce((a, b) => a * b, 1);
  return { dtype, shape, littleEndian, version: [major, 0], dataOffset, dataBytes: count * ITEM_SIZE[dtype] };
}

/** Reverses the bytes of each `itemSize`-byte element in place. */
export function swapBytes(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1) return;
  for (let i = 0; i < bytes.length; i += itemSize) bytes.subarray(i, i + itemSize).reverse();
}

/** Copies `bytes` (whole elements of `dtype`, in the given byte order) into a new typed array. */
export function bytesToTyped(bytes: Uint8Array, dtype: NpyDtype, littleEndian: boolean): NpyData {
  const copy = new Uint8Array(bytes); // a copy whatever the subclass (Buffer's slice() would be a view)
  if (littleEndian !== HOST_LITTLE_ENDIAN) swapBytes(copy, ITEM_SIZE[dtype]);
  if (dtype === 'float32') return new Float32Array(copy.buffer, 0, copy.length / 4);
  if (dtype === 'float64') return new Float64Array(copy.buffer, 0, copy.length / 8);
  return copy;
}

/**
 * Parses a `.npy` file held in memory.
 *
 * @param bytes - the whole file: an ArrayBuffer (e.g. from `fetch().arrayBuffer()`)
 *   or any ArrayBufferView (Uint8Array, Node's Buffer).
 * @returns `data` (a copy, C order), `shape` and `dtype`.
 * @throws on input that is not bytes, bad magic, unsupported versions or
 *   dtypes, Fortran order, and truncated headers or data, naming what was
 *   expected and what came.
 * @example
 * ```ts
 * const { data, shape } = parseNpy(toNpy(new Float32Array([1, 2, 3, 4]), [2, 2]));
 * const fetched = parseNpy(await (await fetch(url)).arrayBuffer());
 * ```
 */
export function parseNpy(input: NpyBytes): NpyArray {
  const bytes = npyBytes(input, 'parseNpy');
  const header = parseNpyHeader(bytes);
  const { dataOffset, dataBytes, dtype, shape } = header;
  const got = bytes.length - dataOffset;
  if (got !== dataBytes) {
    const what = got < dataBytes ? 'truncated .npy' : 'bad .npy';
    throw new Error(
      `${what}: shape (${shape.join(', ')}) of ${dtype} needs ${dataBytes} data bytes, got ${got}${got > dataBytes ? ' (trailing bytes)' : ''}`,
    );
  }
  const data = bytesToTyped(bytes.subarray(dataOffset), dtype, header.littleEndian);
  return { data, shape, dtype };
}

/** The dtype of a typed array this package can write. */
export function dtypeOf(data: unknown, where: string): NpyDtype {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Uint8Array) return 'uint8';
  const name = (data as object | null)?.constructor?.name ?? String(data);
  throw new Error(`${where}: data must be a Float32Array, Float64Array or Uint8Array, got ${name}`);
}

/** Throws unless `shape` is non-negative integers; returns their product. */
export function checkShape(shape: readonly number[], where: string): number {
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) throw new Error(`${where}: shape must be non-negative integers, got ${d} at index ${i}`);
  });
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The header bytes numpy writes for an array of `dtype` and `shape`
 * (version 1.0, or 2.0 when the header does not fit in 65,535 bytes).
 */
export function npyHeaderBytes(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  checkShape(shape, 'npyHeaderBytes');
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  for (const [major, lengthBytes] of [
    [1, 2],
    [2, 4],
  ] as const) {
    const unpadded = MAGIC.length + 2 + lengthBytes + dict.length + 1;
    const padded = dict + ' '.repeat(ALIGN - (unpadded % ALIGN)) + '\n';
    if (major === 1 && padded.length > 0xffff) continue;
    const out = new Uint8Array(MAGIC.length + 2 + lengthBytes + padded.length);
    out.set(MAGIC, 0);
    out[6] = major;
    out[7] = 0;
    const view = new DataView(out.buffer);
    if (lengthBytes === 2) view.setUint16(8, padded.length, true);
    else view.setUint32(8, padded.length, true);
    for (let i = 0; i < padded.length; i++) out[MAGIC.length + 2 + lengthBytes + i] = padded.charCodeAt(i);
    return out;
  }
  throw new Error('unreachable: a .npy 2.0 header always fits');
}

/** The little-endian bytes of `data`'s elements. */
export function typedToBytes(data: NpyData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (HOST_LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, data.BYTES_PER_ELEMENT);
  return copy;
}

/**
 * Serializes an array as a `.npy` file, byte for byte what `numpy.save` writes.
 *
 * @param data - the elements in C order: Float32Array, Float64Array or Uint8Array.
 * @param shape - the array's shape; default `[data.length]`. Its product must equal `data.length`.
 * @returns the file's bytes.
 * @example
 * ```ts
 * const bytes = toNpy(new Float32Array([0, 0.5, 1, 1]), [2, 2]);
 * ```
 */
export function toNpy(data: NpyData, shape: readonly number[] = [data.length]): Uint8Array {
  const dtype = dtypeOf(data, 'toNpy');
  const count = checkShape(shape, 'toNpy');
  if (count !== data.length) {
    throw new Error(`toNpy: shape (${shape.join(', ')}) holds ${count} elements, got data of length ${data.length}`);
  }
  const header = npyHeaderBytes(dtype, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(typedToBytes(data), header.length);
  return out;
}
