import * as tf from '@tensorflow/tfjs-core';
import { I32, V128, moduleBytes, op } from './wasm-assembler';
import { instantiateOnWasmBackend, overrideWasmKernel, type WasmBackendInternals } from './wasm-kernel-override';

/**
 * softplus(x) = log(1 + e^x) on the wasm backend with 128-bit SIMD, as
 *
 *   softplus(x) = max(x, 0) + log1p(e),   e = exp(-|x|) in (0, 1], 0 below float32's normal range
 *   exp(y)      = 2^n p(r),  n = round(y / ln 2),  r = y - n ln 2 (two-part ln 2),  p: degree-7 Taylor
 *   log1p(e)    = 2 e Q(s^2) / (1 + u),  u = 1 + e,  s = (u - 1) / (1 + u),  Q(t) = sum_k t^k / (2k + 1)
 *
 * The last line is log(u) = 2 atanh(s) times e / (u - 1), Goldberg's
 * correction for the rounding of u, so it stays exact in relative terms
 * when e is far below float32's epsilon. tfjs' own wasm Softplus calls
 * scalar libm exp and log1p (about 18 ns per element here); the Bernoulli
 * loss of a VAE step applies it to every pixel of the batch.
 */
export type SimdSoftplus = (x: number, out: number, byteLength: number) => void;

const [X, OUT, BYTES, I] = [0, 1, 2, 3];
const [V, Y, N, R, E, U, S, T, NEG_ABS] = [4, 5, 6, 7, 8, 9, 10, 11, 12];

const f32Const = (value: number): number[] => [0xfd, 0x0c, ...new Uint8Array(new Float32Array([value, value, value, value]).buffer)];
const { get, set } = op;
const [mul, add, sub, div, max] = [op.f32x4Mul, op.f32x4Add, op.f32x4Sub, op.f32x4Div, op.f32x4Max];
const abs = [0xfd, 0xe0, 0x01];
const neg = [0xfd, 0xe1, 0x01];
const nearest = [0xfd, 0x6a];
const truncSat = [0xfd, 0xf8, 0x01]; // i32x4.trunc_sat_f32x4_s
const i32x4Add = [0xfd, 0xae, 0x01];
const i32x4Shl = [0xfd, 0xab, 0x01];
const i32x4Splat = [0xfd, 0x11];
const f32x4Ge = [0xfd, 0x46];
const v128And = [0xfd, 0x4e];

/** Horner: c[0] + t (c[1] + t (c[2] + ...)) with t in local `t`. */
const horner = (coefficients: number[], t: number): number[] => {
  const out = f32Const(coefficients.at(-1)!);
  for (let k = coefficients.length - 2; k >= 0; k--) out.push(...get(t), ...mul, ...f32Const(coefficients[k]!), ...add);
  return out;
};

const LN2_HI = 0.693145751953125; // the first 16 bits of ln 2: n * LN2_HI is exact for |n| <= 126
const LN2_LO = 1.428606765330187e-6;

function body(): number[] {
  const factorial = [1, 1, 2, 6, 24, 120, 720, 5040];
  return [
    ...op.block,
    ...op.loop,
    ...get(I), ...get(BYTES), ...op.i32GeU, ...op.brIf(1),
    ...get(X), ...get(I), ...op.i32Add, ...op.v128Load(0), ...set(V),
    // y = max(-|x|, -87.3): below that e^y is not a normal float32 (and 2^n needs n >= -126); e is 0 there
    ...get(V), ...abs, ...neg, ...set(NEG_ABS),
    ...get(NEG_ABS), ...f32Const(-87.3), ...max, ...set(Y),
    ...get(Y), ...f32Const(Math.LOG2E), ...mul, ...nearest, ...set(N),
    ...get(Y), ...get(N), ...f32Const(LN2_HI), ...mul, ...sub, ...get(N), ...f32Const(LN2_LO), ...mul, ...sub, ...set(R),
    // e = p(r) * 2^n, 2^n built from its exponent bits
    ...horner(factorial.map((f) => 1 / f), R),
    ...get(N), ...truncSat, ...op.i32(127), ...i32x4Splat, ...i32x4Add, ...op.i32(23), ...i32x4Shl,
    ...mul, ...get(NEG_ABS), ...f32Const(-87.3), ...f32x4Ge, ...v128And, ...set(E),
    // u = 1 + e; s = (u - 1) / (1 + u); t = s^2
    ...get(E), ...f32Const(1), ...add, ...set(U),
    ...get(U), ...f32Const(1), ...sub, ...get(U), ...f32Const(1), ...add, ...div, ...set(S),
    ...get(S), ...get(S), ...mul, ...set(T),
    // out = max(x, 0) + 2 e Q(t) / (1 + u)
    ...get(OUT), ...get(I), ...op.i32Add,
    ...get(V), ...f32Const(0), ...max,
    ...f32Const(2), ...get(E), ...mul, ...horner([1, 1 / 3, 1 / 5, 1 / 7, 1 / 9, 1 / 11, 1 / 13], T), ...mul,
    ...get(U), ...f32Const(1), ...add, ...div,
    ...add,
    ...op.v128Store(0),
    ...get(I), ...op.i32(16), ...op.i32Add, ...set(I),
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
}

export function simdSoftplusModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return moduleBytes('softplus', [I32, I32, I32], [[1, I32], [9, V128]], body(), shared);
}

let installed: boolean | undefined;

/** Replaces the wasm backend's `Softplus` (float32) with the SIMD one; false where the engine has no wasm SIMD. */
export function installWasmSimdSoftplus(): boolean {
  if (installed !== undefined) return installed;
  const softplus = instantiateOnWasmBackend<SimdSoftplus>('softplus', simdSoftplusModuleBytes);
  if (softplus == null) return (installed = false);
  overrideWasmKernel(tf.Softplus, (args, original) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    if (x.dtype !== 'float32') return original(args);
    const b = args.backend as WasmBackendInternals;
    const out = b.makeOutput(x.shape, 'float32');
    const [pIn, pOut] = [x, out].map((t) => b.dataIdMap.get(t.dataId).memoryOffset) as [number, number];
    const n = tf.util.sizeFromShape(x.shape);
    const vector = n - (n % 4);
    if (vector > 0) softplus(pIn, pOut, 4 * vector);
    if (vector < n) {
      const heap = b.wasm.HEAPF32;
      for (let i = vector; i < n; i++) {
        const v = heap[pIn / 4 + i]!;
        heap[pOut / 4 + i] = Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
      }
    }
    return out;
  });
  return (installed = true);
}
