import * as tf from '@tensorflow/tfjs-core';
import { I32, V128, moduleBytes, op } from './wasm-assembler';
import { instantiateOnWasmBackend, overrideWasmKernel, type WasmBackendInternals } from './wasm-kernel-override';

/**
 * The transpose of a batch of matrices ([..., R, C] -> [..., C, R]) on the
 * wasm backend with 128-bit SIMD: 4 x 4 blocks, four rows loaded, turned by
 * eight shuffles, stored as four columns. The matMul gradients transpose an
 * activation or a gradient every product (dW = x^T g); tfjs' wasm Transpose
 * moves one element at a time (0.22 ms for 128 x 784 here, about 0.8 ms of a
 * VAE step in all). Needs R % 4 == 0 and C % 4 == 0 and 4-byte elements
 * (float32, int32); other shapes and permutations take tfjs' kernel.
 */
export type SimdTranspose = (x: number, out: number, rows: number, columns: number) => void;

const { get, set } = op;
/** i8x16.shuffle picking float lanes (0-3 from the first operand, 4-7 from the second). */
const shuffle = (lanes: [number, number, number, number]) => [0xfd, 0x0d, ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];

function body(): number[] {
  const [X, OUT, ROWS, COLUMNS, I, J, ROW_BYTES, COLUMN_BYTES, SRC, DST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [R0, R1, R2, R3, T0, T1, T2, T3] = [10, 11, 12, 13, 14, 15, 16, 17];
  const rows = [R0, R1, R2, R3];
  const loadRow = (r: number) => [...get(SRC), ...(r === 0 ? [] : [...get(ROW_BYTES), ...op.i32(r), ...op.i32Mul, ...op.i32Add]), ...op.v128Load(0), ...set(rows[r]!)];
  const pair = (a: number, b: number, lanes: [number, number, number, number], to: number) => [...get(a), ...get(b), ...shuffle(lanes), ...set(to)];
  const storeColumn = (c: number, a: number, b: number, lanes: [number, number, number, number]) => [
    ...get(DST), ...(c === 0 ? [] : [...get(COLUMN_BYTES), ...op.i32(c), ...op.i32Mul, ...op.i32Add]),
    ...get(a), ...get(b), ...shuffle(lanes),
    ...op.v128Store(0),
  ];
  return [
    ...get(COLUMNS), ...op.i32(4), ...op.i32Mul, ...set(ROW_BYTES), // bytes per input row
    ...get(ROWS), ...op.i32(4), ...op.i32Mul, ...set(COLUMN_BYTES), // bytes per output row
    ...op.block, ...op.loop, // input rows, 4 at a time
    ...get(I), ...get(ROWS), ...op.i32GeU, ...op.brIf(1),
    ...op.i32(0), ...set(J),
    ...op.block, ...op.loop, // input columns, 4 at a time
    ...get(J), ...get(COLUMNS), ...op.i32GeU, ...op.brIf(1),
    // SRC = x + (I * C + J) * 4, DST = out + (J * R + I) * 4
    ...get(X), ...get(I), ...get(ROW_BYTES), ...op.i32Mul, ...op.i32Add, ...get(J), ...op.i32(4), ...op.i32Mul, ...op.i32Add, ...set(SRC),
    ...get(OUT), ...get(J), ...get(COLUMN_BYTES), ...op.i32Mul, ...op.i32Add, ...get(I), ...op.i32(4), ...op.i32Mul, ...op.i32Add, ...set(DST),
    ...loadRow(0), ...loadRow(1), ...loadRow(2), ...loadRow(3),
    ...pair(R0, R1, [0, 4, 1, 5], T0), // a0 b0 a1 b1
    ...pair(R0, R1, [2, 6, 3, 7], T1), // a2 b2 a3 b3
    ...pair(R2, R3, [0, 4, 1, 5], T2), // c0 d0 c1 d1
    ...pair(R2, R3, [2, 6, 3, 7], T3), // c2 d2 c3 d3
    ...storeColumn(0, T0, T2, [0, 1, 4, 5]), // a0 b0 c0 d0
    ...storeColumn(1, T0, T2, [2, 3, 6, 7]), // a1 b1 c1 d1
    ...storeColumn(2, T1, T3, [0, 1, 4, 5]),
    ...storeColumn(3, T1, T3, [2, 3, 6, 7]),
    ...get(J), ...op.i32(4), ...op.i32Add, ...set(J),
    ...op.br(0),
    ...op.end, ...op.end,
    ...get(I), ...op.i32(4), ...op.i32Add, ...set(I),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export function simdTransposeModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes('transpose', [I32, I32, I32, I32], [[6, I32], [8, V128]], body(), shared);
}

let installed: boolean | undefined;

/** Replaces the wasm backend's `Transpose` of the last two axes (4-byte elements, sides multiples of 4) with the SIMD one. */
export function installWasmSimdTranspose(): boolean {
  if (installed !== undefined) return installed;
  const transpose = instantiateOnWasmBackend<SimdTranspose>('transpose', simdTransposeModuleBytes);
  if (transpose == null) return (installed = false);
  overrideWasmKernel(tf.Transpose, (args, original) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const rank = x.shape.length;
    // Only [..., R, C] -> [..., C, R]: the leading axes stay, the last two swap.
    const swapsLastTwo = rank >= 2 && perm.length === rank && perm.every((p, i) => p === (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
    const [rows, columns] = [x.shape[rank - 2]!, x.shape[rank - 1]!];
    if (!swapsLastTwo || (x.dtype !== 'float32' && x.dtype !== 'int32') || rows % 4 !== 0 || columns % 4 !== 0) return original(args);
    const b = args.backend as WasmBackendInternals;
    const out = b.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
    const [pIn, pOut] = [x, out].map((t) => b.dataIdMap.get(t.dataId).memoryOffset) as [number, number];
    const matrixBytes = 4 * rows * columns;
    const matrices = tf.util.sizeFromShape(x.shape.slice(0, rank - 2));
    for (let m = 0; m < matrices; m++) transpose(pIn + m * matrixBytes, pOut + m * matrixBytes, rows, columns);
    return out;
  });
  return (installed = true);
}
