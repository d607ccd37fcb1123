import * as tf from '@tensorflow/tfjs-core';
import { I32, V128, moduleBytes, op } from './wasm-assembler';
import { instantiateOnWasmBackend, overrideWasmKernel, type WasmBackendInternals } from './wasm-kernel-override';

/**
 * `tf.sum` of float32 tensors on the wasm backend with 128-bit SIMD, for the
 * two reductions training makes:
 *
 *   over trailing axes (a loss summed over pixels, a whole gradient summed for
 *   minimize's finiteness check): out[r] = sum_j x[r, j], 16 lanes at a time;
 *   over leading axes (a bias gradient summed over the batch): out[j] = sum_r x[r, j],
 *   a row of 4 lanes at a time, without the transpose tfjs' kernel makes first.
 *
 * tfjs' wasm Sum adds one element at a time after transposing the reduced axes
 * last (0.29 ms for the batch sum of a 128 x 784 gradient, 0.23 ms for a
 * 784 x 400 one; about 1 ms of a VAE step in all). The other cases (axes in
 * the middle, widths not a multiple of 4, other dtypes) take tfjs' kernel.
 * The lanes change the order of the additions, not their accuracy: each
 * partial sum adds len / 16 of the elements.
 */
export type SimdRowSums = (x: number, out: number, rows: number, rowBytes: number) => void;
export type SimdColumnSums = SimdRowSums;

const { get, set } = op;
const f32x4ExtractLane = (lane: number) => [0xfd, 0x1f, lane];
const f32Add = [0x92];
const f32Store = [0x38, 2, 0];

/** out[r] = sum of row r (rowBytes a multiple of 16): four accumulators over 64 bytes, then 16-byte steps. */
function rowSumsBody(): number[] {
  const [X, OUT, ROWS, ROW_BYTES, R, J, END, END64, A0, A1, A2, A3] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const load = (offset: number) => [...get(X), ...get(J), ...op.i32Add, ...op.v128Load(offset)];
  const accumulate = (acc: number, offset: number) => [...get(acc), ...load(offset), ...op.f32x4Add, ...set(acc)];
  const lane = (l: number) => [...get(A0), ...f32x4ExtractLane(l)];
  return [
    ...op.block, ...op.loop,
    ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...op.v128Zero, ...set(A0), ...op.v128Zero, ...set(A1), ...op.v128Zero, ...set(A2), ...op.v128Zero, ...set(A3),
    ...get(R), ...get(ROW_BYTES), ...op.i32Mul, ...op.tee(J),
    ...get(ROW_BYTES), ...op.i32Add, ...set(END),
    // END64: the row's end rounded down to whole 64-byte groups
    ...get(END), ...get(ROW_BYTES), ...op.i32(63), ...[0x71], ...op.i32Sub, ...set(END64), // i32.and
    ...op.block, ...op.loop,
    ...get(J), ...get(END64), ...op.i32GeU, ...op.brIf(1),
    ...accumulate(A0, 0), ...accumulate(A1, 16), ...accumulate(A2, 32), ...accumulate(A3, 48),
    ...get(J), ...op.i32(64), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
    ...op.block, ...op.loop,
    ...get(J), ...get(END), ...op.i32GeU, ...op.brIf(1),
    ...accumulate(A0, 0),
    ...get(J), ...op.i32(16), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(A0), ...get(A1), ...op.f32x4Add, ...get(A2), ...get(A3), ...op.f32x4Add, ...op.f32x4Add, ...set(A0),
    ...get(OUT), ...get(R), ...op.i32(4), ...op.i32Mul, ...op.i32Add,
    ...lane(0), ...lane(1), ...f32Add, ...lane(2), ...lane(3), ...f32Add, ...f32Add,
    ...f32Store,
    ...get(R), ...op.i32(1), ...op.i32Add, ...set(R),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

/** out[j] += x[r, j] for every row r (out zeroed by the caller; rowBytes a multiple of 16). */
function columnSumsBody(): number[] {
  const [X, OUT, ROWS, ROW_BYTES, R, J] = [0, 1, 2, 3, 4, 5];
  return [
    ...op.block, ...op.loop,
    ...get(R), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...op.i32(0), ...set(J),
    ...op.block, ...op.loop,
    ...get(J), ...get(ROW_BYTES), ...op.i32GeU, ...op.brIf(1),
    ...get(OUT), ...get(J), ...op.i32Add,
    ...get(OUT), ...get(J), ...op.i32Add, ...op.v128Load(0),
    ...get(X), ...get(J), ...op.i32Add, ...op.v128Load(0),
    ...op.f32x4Add,
    ...op.v128Store(0),
    ...get(J), ...op.i32(16), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(X), ...get(ROW_BYTES), ...op.i32Add, ...set(X),
    ...get(R), ...op.i32(1), ...op.i32Add, ...set(R),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export function simdRowSumsModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes('rowSums', [I32, I32, I32, I32], [[4, I32], [4, V128]], rowSumsBody(), shared);
}

export function simdColumnSumsModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes('columnSums', [I32, I32, I32, I32], [[2, I32]], columnSumsBody(), shared);
}

let installed: boolean | undefined;

/** Replaces the wasm backend's float32 `Sum` over leading or trailing axes with SIMD loops; false without wasm SIMD. */
export function installWasmSimdSum(): boolean {
  if (installed !== undefined) return installed;
  const rowSums = instantiateOnWasmBackend<SimdRowSums>('rowSums', simdRowSumsModuleBytes);
  const columnSums = instantiateOnWasmBackend<SimdColumnSums>('columnSums', simdColumnSumsModuleBytes);
  if (rowSums == null || columnSums == null) return (installed = false);
  overrideWasmKernel(tf.Sum, (args, original) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const rank = x.shape.length;
    if (x.dtype !== 'float32' || rank === 0 || tf.util.sizeFromShape(x.shape) === 0) return original(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const trailing = axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i);
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    const reduced = tf.util.sizeFromShape(axes.map((a) => x.shape[a]!));
    const keptSize = tf.util.sizeFromShape(x.shape.filter((_, i) => !axes.includes(i)));
    // Trailing first: reducing every axis is a single row.
    const kind = trailing && reduced % 4 === 0 ? 'rows' : leading && keptSize % 4 === 0 ? 'columns' : null;
    if (kind == null) return original(args);
    const b = args.backend as WasmBackendInternals;
    const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = b.makeOutput(outShape, 'float32');
    const [pIn, pOut] = [x, out].map((t) => b.dataIdMap.get(t.dataId).memoryOffset) as [number, number];
    if (kind === 'rows') rowSums(pIn, pOut, keptSize, 4 * reduced);
    else {
      b.wasm.HEAPF32.fill(0, pOut / 4, pOut / 4 + keptSize);
      columnSums(pIn, pOut, reduced, 4 * keptSize);
    }
    return out;
  });
  return (installed = true);
}
