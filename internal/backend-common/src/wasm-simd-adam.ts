/**
 * A tiny WebAssembly module, assembled here byte by byte, that runs one Adam
 * update with 128-bit SIMD directly on the wasm backend's own memory (it
 * imports that `WebAssembly.Memory`), so no tensor is copied in or out.
 *
 * tfjs' Adam is ~14 elementwise kernels per variable; this is one pass:
 *
 *   m' = b1 m + (1 - b1) g
 *   v' = b2 v + (1 - b2) g^2
 *   w' = w - s m' / (sqrt(v') r + eps)      with s = lr / (1 - b1^t), r = 1 / sqrt(1 - b2^t)
 *
 * It handles whole groups of 4 floats; the caller finishes the tail.
 */
import { F32, I32, V128, instantiateKernel, moduleBytes, op } from './wasm-assembler';

/** (wIn, mIn, vIn, g, wOut, mOut, vOut: byte offsets; byteLength: multiple of 16; b1, c1, b2, c2, s, r, eps) */
export type SimdAdam = (
  wIn: number,
  mIn: number,
  vIn: number,
  g: number,
  wOut: number,
  mOut: number,
  vOut: number,
  byteLength: number,
  b1: number,
  c1: number,
  b2: number,
  c2: number,
  s: number,
  r: number,
  eps: number,
) => void;

const { get, set, i32Add } = op;
const load = op.v128Load(0);
const store = op.v128Store(0);
const splat = op.f32x4Splat;
const [sqrt, add, sub, mul, div] = [op.f32x4Sqrt, op.f32x4Add, op.f32x4Sub, op.f32x4Mul, op.f32x4Div];

// Parameters 0..6 are byte offsets, 7 the byte length, 8..14 the f32 constants.
const [W_IN, M_IN, V_IN, G, W_OUT, M_OUT, V_OUT, BYTES] = [0, 1, 2, 3, 4, 5, 6, 7];
const CONSTANTS = 8; // b1, c1, b2, c2, s, r, eps
const I = 15; // loop counter
const SPLATS = 16; // the 7 constants as f32x4, in the same order
const [GV, MV, VV] = [23, 24, 25];
const [B1, C1, B2, C2, S, R, EPS] = [0, 1, 2, 3, 4, 5, 6].map((k) => SPLATS + k) as [number, number, number, number, number, number, number];

const at = (base: number) => [...get(base), ...get(I), ...i32Add];

function body(): number[] {
  const code = [
    ...[0, 1, 2, 3, 4, 5, 6].flatMap((k) => [...get(CONSTANTS + k), ...splat, ...set(SPLATS + k)]),
    ...op.block,
    ...op.loop,
    ...get(I), ...get(BYTES), ...op.i32GeU, ...op.brIf(1), // i >= byteLength: done
    ...at(G), ...load, ...set(GV),
    ...get(B1), ...at(M_IN), ...load, ...mul, ...get(C1), ...get(GV), ...mul, ...add, ...set(MV),
    ...get(B2), ...at(V_IN), ...load, ...mul, ...get(C2), ...get(GV), ...get(GV), ...mul, ...mul, ...add, ...set(VV),
    ...at(M_OUT), ...get(MV), ...store,
    ...at(V_OUT), ...get(VV), ...store,
    ...at(W_OUT),
    ...at(W_IN), ...load,
    ...get(S), ...get(MV), ...mul,
    ...get(VV), ...sqrt, ...get(R), ...mul, ...get(EPS), ...add,
    ...div, ...sub,
    ...store,
    ...get(I), ...op.i32(16), ...i32Add, ...set(I), // i += 16
    ...op.br(0),
    ...op.end, // loop
    ...op.end, // block
  ];
  return code;
}

/** The module's bytes; `shared` must match the memory it will import (threaded builds use shared memory). */
export function simdAdamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const params = [...Array<number>(8).fill(I32), ...Array<number>(7).fill(F32)];
  return moduleBytes('adam', params, [[1, I32], [10, V128]], body(), shared);
}

/** The SIMD Adam bound to `memory`, or null where this engine has no wasm SIMD (or refuses the module). */
export function instantiateSimdAdam(memory: WebAssembly.Memory): SimdAdam | null {
  return instantiateKernel<SimdAdam>('adam', simdAdamModuleBytes, memory);
}
