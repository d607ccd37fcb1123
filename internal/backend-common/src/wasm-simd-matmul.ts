import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, type KernelResult, type WasmBackendInternals, type WasmKernelArgs } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { callerRows, threadHelpers } from './thread-helpers';
import { matmulWasm } from './kernels/matmul.wasm';

/**
 * Runs the wasm backend's `BatchMatMul` and `_FusedMatMul` (bias, ReLU or
 * none) on elbo's own SIMD matMul (kernels/matmul.wat) where the shapes suit
 * it (rank 2 or 3, no transpose flags, M % 4 == 0, N % 8 == 0, float32),
 * and on tfjs' kernels otherwise.
 *
 * Why: tfjs' kernels go through XNNPACK, which packs the right operand into
 * an operator cached by tensor; in training the weights are a new tensor
 * every step, so every product paid for a repack (about 1 ms of a 3 ms
 * product here). Ours reads B in place, and where the engine has relaxed
 * SIMD (Chromium, Node >= 22, Node 20 with --experimental-wasm-relaxed-simd)
 * it uses fused multiply-adds: about 35-39 GFLOP/s on one core here, against
 * XNNPACK's 27. Large products are shared with helper threads where
 * @elbo/backend-node started them (see thread-helpers.ts).
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
function matMulModule(memory: WebAssembly.Memory): { matmul: SimdMatMul; fused: boolean; memory: WebAssembly.Memory } | null {
  for (const fused of [true, false]) {
    const matmul = instantiateKernel<SimdMatMul>(matmulWasm, memory, { relaxed: fused });
    if (matmul != null) return { matmul, fused, memory };
  }
  return null;
}

/**
 * Installs the kernels once the wasm backend is initialized (its memory must
 * exist); returns whether they use fused multiply-adds, or null where this
 * engine has no wasm SIMD (tfjs' kernels then stay).
 */
export function installWasmSimdMatMul(): WasmSimdMatMulInfo | null {
  installWasmKernel(tf.BatchMatMul, matMulModule, (args, { matmul, memory }, original) => run(args, original, matmul, memory, false));
  const kernel = installWasmKernel(tf._FusedMatMul, matMulModule, (args, { matmul, memory }, original) =>
    run(args, original, matmul, memory, true),
  );
  return kernel == null ? null : { fused: kernel.fused };
}

function run(
  args: WasmKernelArgs,
  original: (args: WasmKernelArgs) => KernelResult,
  matmul: SimdMatMul,
  memory: WebAssembly.Memory,
  fusedOp: boolean,
): KernelResult {
  const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
  const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean; activation?: string };
  const activation = fusedOp ? (attrs.activation ?? 'linear') : 'linear';
  // A matrix (rank 2, as tf.matMul passes them) is a batch of 1; rank 3 as tf.fused.matMul and the layers pass it.
  const asBatch = (shape: number[]): number[] => (shape.length === 2 ? [1, ...shape] : shape);
  const [batchA, m, k] = asBatch(a.shape) as [number, number, number];
  const [batchB, kb, n] = asBatch(b.shape) as [number, number, number];
  const rank = Math.max(a.shape.length, b.shape.length);
  const suits =
    [2, 3].includes(a.shape.length) &&
    [2, 3].includes(b.shape.length) &&
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
  const out = backend.makeOutput(rank === 2 ? [m, n] : [batch, m, n], 'float32');
  const offset = (t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;
  const [pa, pb, pc] = [offset(a), offset(b), offset(out)];
  const pBias = bias == null ? 0 : offset(bias);
  const flags = (activation === 'relu' ? RELU : 0) | (bias == null ? 0 : BIAS);
  const block = matMulRowBlock(m, k);
  const rows = (aAt: number, bAt: number, cAt: number, from: number, to: number): void => {
    for (let row = from; row < to; row += block) {
      matmul(aAt + 4 * row * k, bAt, cAt + 4 * row * n, pBias, Math.min(block, to - row), n, k, flags);
    }
  };
  const helpers = threadHelpers();
  const own = helpers == null ? m : callerRows(m, n, k, helpers.count);
  for (let i = 0; i < batch; i++) {
    const aAt = pa + (batchA === 1 ? 0 : 4 * i * m * k);
    const bAt = pb + (batchB === 1 ? 0 : 4 * i * k * n);
    const cAt = pc + 4 * i * m * n;
    const finish = own < m ? helpers!.startProduct({ memory, a: aAt, b: bAt, c: cAt, bias: pBias, m, n, k, flags }, own) : null;
    rows(aAt, bAt, cAt, 0, own);
    if (finish != null && !finish()) rows(aAt, bAt, cAt, own, m);
  }
  return out;
}

/**
 * Bytes of A one kernel call reads. The kernel walks every column tile over
 * all of its rows of A, so A is read once per 8 columns: past the cache
 * (log p(x)'s 10,000-row chunks: 16 MB) that was a pass through memory per
 * tile, and a [10000, 400] x [400, 784] product ran at 14.6 GFLOP/s against
 * 26 for the same product in cache-sized row blocks (64 KB, measured here
 * between 16 KB and 256 KB; L1d is 32 KB, L2 1 MB per core).
 */
const A_BLOCK_BYTES = 65536;

/** Rows of A per kernel call: a multiple of 4 (the kernel's row tile) whose rows fit in A_BLOCK_BYTES. */
export function matMulRowBlock(m: number, k: number): number {
  return Math.min(m, Math.max(4, 4 * Math.floor(A_BLOCK_BYTES / (16 * k))));
}
