import { I32, V128, instantiateKernel, moduleBytes, op, uleb } from './wasm-assembler';

/**
 * C = act(A B + bias) for row-major float32 A [M, K], B [K, N], C [M, N] in
 * the wasm backend's memory, with 128-bit SIMD: tiles of 4 rows by 8 columns
 * held in 8 accumulators, B read in place (no packing, so a weight matrix
 * that changes every step costs nothing extra; XNNPACK repacks it), and,
 * where the engine has relaxed SIMD, fused multiply-adds.
 *
 * Needs M % 4 == 0 and N % 8 == 0 (callers check; others go to tfjs' kernel).
 * `flags`: bit 0 ReLU, bit 1 add `bias` [N].
 */
export type SimdMatMul = (a: number, b: number, c: number, bias: number, m: number, n: number, k: number, flags: number) => void;

const [A, B, C, BIAS, M, N, K, FLAGS] = [0, 1, 2, 3, 4, 5, 6, 7];
const [JB, N4, K4, I, A0, BP, KB, CP] = [8, 9, 10, 11, 12, 16, 17, 18];
const ACC = 20; // 8 accumulators: row r, half q at ACC + 2r + q
const [B0, B1, S, ZERO] = [28, 29, 30, 31];

const IF = [0x04, 0x40];
const load32Splat = (offset = 0) => [0xfd, 0x09, 2, ...uleb(offset)];
const relaxedMadd = [0xfd, 0x85, 0x02]; // f32x4.relaxed_madd(a, b, c) = a b + c
const i32And = [0x71];

function body(fused: boolean): number[] {
  const g = op.get;
  const s = op.set;
  const rowPointers = [
    ...g(A), ...g(I), ...g(K4), ...op.i32Mul, ...op.i32Add, ...s(A0),
    ...[1, 2, 3].flatMap((r) => [...g(A0 + r - 1), ...g(K4), ...op.i32Add, ...s(A0 + r)]),
  ];
  const zeroAccumulators = Array.from({ length: 8 }, (_, k) => [...g(ZERO), ...s(ACC + k)]).flat();
  const multiplyAdd = (acc: number, b: number): number[] =>
    fused ? [...g(S), ...g(b), ...g(acc), ...relaxedMadd, ...s(acc)] : [...g(acc), ...g(S), ...g(b), ...op.f32x4Mul, ...op.f32x4Add, ...s(acc)];
  const kStep = [
    ...g(BP), ...op.v128Load(0), ...s(B0),
    ...g(BP), ...op.v128Load(16), ...s(B1),
    ...[0, 1, 2, 3].flatMap((r) => [
      ...g(A0 + r), ...g(KB), ...op.i32Add, ...load32Splat(0), ...s(S),
      ...multiplyAdd(ACC + 2 * r, B0),
      ...multiplyAdd(ACC + 2 * r + 1, B1),
    ]),
    ...g(BP), ...g(N4), ...op.i32Add, ...s(BP),
    ...g(KB), ...op.i32(4), ...op.i32Add, ...s(KB),
  ];
  const epilogue = [
    ...g(C), ...g(I), ...g(N4), ...op.i32Mul, ...op.i32Add, ...g(JB), ...op.i32Add, ...s(CP),
    ...g(FLAGS), ...op.i32(2), ...i32And, ...IF,
    ...g(BIAS), ...g(JB), ...op.i32Add, ...op.v128Load(0), ...s(B0),
    ...g(BIAS), ...g(JB), ...op.i32Add, ...op.v128Load(16), ...s(B1),
    ...[0, 1, 2, 3].flatMap((r) => [0, 1].flatMap((q) => [...g(ACC + 2 * r + q), ...g(q === 0 ? B0 : B1), ...op.f32x4Add, ...s(ACC + 2 * r + q)])),
    ...op.end,
    ...g(FLAGS), ...op.i32(1), ...i32And, ...IF,
    ...Array.from({ length: 8 }, (_, k) => [...g(ACC + k), ...g(ZERO), ...op.f32x4Max, ...s(ACC + k)]).flat(),
    ...op.end,
    ...[0, 1, 2, 3].flatMap((r) => [
      ...g(CP), ...g(ACC + 2 * r), ...op.v128Store(0),
      ...g(CP), ...g(ACC + 2 * r + 1), ...op.v128Store(16),
      ...g(CP), ...g(N4), ...op.i32Add, ...s(CP),
    ]),
  ];
  return [
    ...op.v128Zero, ...s(ZERO),
    ...g(N), ...op.i32(4), ...op.i32Mul, ...s(N4),
    ...g(K), ...op.i32(4), ...op.i32Mul, ...s(K4),
    ...op.i32(0), ...s(JB),
    ...op.block, ...op.loop, // columns, 8 at a time
    ...g(JB), ...g(N4), ...op.i32GeU, ...op.brIf(1),
    ...op.i32(0), ...s(I),
    ...op.block, ...op.loop, // rows, 4 at a time
    ...g(I), ...g(M), ...op.i32GeU, ...op.brIf(1),
    ...rowPointers,
    ...g(B), ...g(JB), ...op.i32Add, ...s(BP),
    ...zeroAccumulators,
    ...op.i32(0), ...s(KB),
    ...op.block, ...op.loop, // the shared dimension
    ...g(KB), ...g(K4), ...op.i32GeU, ...op.brIf(1),
    ...kStep,
    ...op.br(0),
    ...op.end, ...op.end,
    ...epilogue,
    ...g(I), ...op.i32(4), ...op.i32Add, ...s(I),
    ...op.br(0),
    ...op.end, ...op.end,
    ...g(JB), ...op.i32(32), ...op.i32Add, ...s(JB),
    ...op.br(0),
    ...op.end, ...op.end,
  ];
}

export function simdMatMulModuleBytes(fused: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes('matmul', [I32, I32, I32, I32, I32, I32, I32, I32], [[12, I32], [12, V128]], body(fused), shared);
}

/** The kernel on `memory`: with fused multiply-adds where relaxed SIMD is available, plain SIMD otherwise, else null. */
export function instantiateSimdMatMul(memory: WebAssembly.Memory): { matmul: SimdMatMul; fused: boolean } | null {
  for (const fused of [true, false]) {
    const matmul = instantiateKernel<SimdMatMul>('matmul', (shared) => simdMatMulModuleBytes(fused, shared), memory);
    if (matmul != null) return { matmul, fused };
  }
  return null;
}
