import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, type KernelResult, type WasmBackendInternals, type WasmKernelArgs } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { matmulWasm } from './kernels/matmul.wasm';

/**
 * Runs the wasm backend's `BatchMatMul` and `_FusedMatMul` (bias, ReLU or
 * none) on elbo's own SIMD matMul (kernels/matmul.wat) where the shapes suit
 * it (no transpose flags, M % 4 == 0, N % 8 == 0, float32), and on tfjs'
 * kernels otherwise.
 *
 * Why: tfjs' kernels go through XNNPACK, which packs the right operand into
 * an operator cached by tensor; in training the weights are a new tensor
 * every step, so every product paid for a repack (about 1 ms of a 3 ms
 * product here). Ours reads B in place, and where the engine has relaxed
 * SIMD (Chromium, Node >= 22, Node 20 with --experimental-wasm-relaxed-simd)
 * it uses fused multiply-adds: about 35-39 GFLOP/s on one core here, against
 * XNNPACK's 27.
 */

/**
 * C = act(A B + bias) for row-major float32 A [M, K], B [K, N], C [M, N] at
 * byte offsets in the backend's memory; M % 4 == 0 and N % 8 == 0.
 * `flags`: bit 0 ReLU, bit 1 add `bias` [N].
 */
export type SimdMatMul = (a: number, b: number, c: number, bias: number, m: number, n: number, k: number, flags: number) => void;

/** The module's bytes: with fused multiply-adds (relaxed SIMD) or not, for a shared memory or not. */
export function simdMatMulModuleBytes(fused: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(matmulWasm, { relaxed: fused, shared });
}

export interface WasmSimdMatMulInfo {
  /** True when the kernels use fused multiply-adds (relaxed SIMD). */
  fused: boolean;
}

const RELU = 1;
const BIAS = 2;

/** The kernel on `memory`: with fused multiply-adds where relaxed SIMD is available, plain SIMD otherwise, else null. */
function matMulModule(memory: WebAssembly.Memory): { matmul: SimdMatMul; fused: boolean } | null {
  for (const fused of [true, false]) {
    const matmul = instantiateKernel<SimdMatMul>(matmulWasm, memory, { relaxed: fused });
    if (matmul != null) return { matmul, fused };
  }
  return null;
}

/**
 * Installs the kernels once the wasm backend is initialized (its memory must
 * exist); returns whether they use fused multiply-adds, or null where this
 * engine has no wasm SIMD (tfjs' kernels then stay).
 */
export function installWasmSimdMatMul(): WasmSimdMatMulInfo | null {
  installWasmKernel(tf.BatchMatMul, matMulModule, (args, { matmul }, original) => run(args, original, matmul, false));
  const kernel = installWasmKernel(tf._FusedMatMul, matMulModule, (args, { matmul }, original) => run(args, original, matmul, true));
  return kernel == null ? null : { fused: kernel.fused };
}

function run(args: WasmKernelArgs, original: (args: WasmKernelArgs) => KernelResult, matmul: SimdMatMul, fusedOp: boolean): KernelResult {
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  const activation = fusedOp ? (attrs.activation ?? 'linear') : 'linear';
  const [batchA, m, k] = a.shape as [number, number, number];
  const [batchB, kb, n] = b.shape as [number, number, number];
  const suits =
    a.shape.length === 3 &&
    b.shape.length === 3 &&
    attrs.transposeA !== true &&
    attrs.transposeB !== true &&
    a.dtype === 'float32' &&
    b.dtype === 'float32' &&
    k === kb &&
    m % 4 === 0 &&
    n % 8 === 0 &&
    (batchA === batchB || batchA === 1 || batchB === 1) &&
    (activation === 'linear' || activation === 'relu') &&
    args.inputs['preluActivationWeights'] == null &&
    (bias == null || (bias.dtype === 'float32' && tf.util.sizeFromShape(bias.shape) === n && bias.shape[bias.shape.length - 1] === n));
  if (!suits) return original(args);
  const backend = args.backend as WasmBackendInternals;
  const batch = Math.max(batchA, batchB);
  const out = backend.makeOutput([batch, m, n], 'float32');
  const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [pa, pb, pc] = [offset(a), offset(b), offset(out)];
  const pBias = bias == null ? 0 : offset(bias);
  const flags = (activation === 'relu' ? RELU : 0) | (bias == null ? 0 : BIAS);
  for (let i = 0; i < batch; i++) {
    const aAt = pa + (batchA === 1 ? 0 : 4 * i * m * k);
    const bAt = pb + (batchB === 1 ? 0 : 4 * i * k * n);
    matmul(aAt, bAt, pc + 4 * i * m * n, pBias, m, n, k, flags);
  }
  return out;
}
