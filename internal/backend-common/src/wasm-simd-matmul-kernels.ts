import * as tf from '@tensorflow/tfjs-core';
import { overrideWasmKernel, type WasmBackendInternals, type WasmKernelArgs } from './wasm-kernel-override';
import { instantiateSimdMatMul, type SimdMatMul } from './wasm-simd-matmul';

/**
 * Runs the wasm backend's `BatchMatMul` and `_FusedMatMul` (bias, ReLU or
 * none) on elbo's own SIMD matMul where the shapes suit it (no transpose
 * flags, M % 4 == 0, N % 8 == 0, float32), and on tfjs' kernels otherwise.
 *
 * Why: tfjs' kernels go through XNNPACK, which packs the right operand into
 * an operator cached by tensor; in training the weights are a new tensor
 * every step, so every product paid for a repack (about 1 ms of a 3 ms
 * product here). Ours reads B in place, and where the engine has relaxed
 * SIMD (Chromium, Node >= 22, Node 20 with --experimental-wasm-relaxed-simd)
 * it uses fused multiply-adds: about 35-39 GFLOP/s on one core here, against
 * XNNPACK's 27.
 */
export interface WasmSimdMatMulInfo {
  /** True when the kernels use fused multiply-adds (relaxed SIMD). */
  fused: boolean;
}

const RELU = 1;
const BIAS = 2;
let installed: WasmSimdMatMulInfo | null | undefined;

/**
 * Installs the kernels once the wasm backend is initialized (its memory must
 * exist); returns whether they use fused multiply-adds, or null where this
 * engine has no wasm SIMD (tfjs' kernels then stay).
 */
export function installWasmSimdMatMul(): WasmSimdMatMulInfo | null {
  if (installed !== undefined) return installed;
  const backend = tf.findBackend('wasm') as unknown as WasmBackendInternals | null;
  const memory = backend?.wasm.asm?.memory;
  const kernel = memory == null ? null : instantiateSimdMatMul(memory);
  if (kernel == null) return (installed = null);
  overrideWasmKernel(tf.BatchMatMul, (args, original) => run(args, original, kernel.matmul, false));
  overrideWasmKernel(tf._FusedMatMul, (args, original) => run(args, original, kernel.matmul, true));
  return (installed = { fused: kernel.fused });
}

function run(args: WasmKernelArgs, original: (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[], matmul: SimdMatMul, fusedOp: boolean): tf.TensorInfo | tf.TensorInfo[] {
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
    (args.inputs['preluActivationWeights'] == null) &&
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
