import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, type WasmBackendInternals } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { softplusWasm } from './kernels/softplus.wasm';

/**
 * softplus(x) = log(1 + e^x) on the wasm backend with 128-bit SIMD
 * (kernels/softplus.wat), as
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

/** The module's bytes (for a shared memory or not). */
export function simdSoftplusModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(softplusWasm, { shared });
}

const softplusModule = (memory: WebAssembly.Memory) => instantiateKernel<SimdSoftplus>(softplusWasm, memory);

/** Replaces the wasm backend's `Softplus` (float32) with the SIMD one; false where the engine has no wasm SIMD. */
export function installWasmSimdSoftplus(): boolean {
  const installed = installWasmKernel(tf.Softplus, softplusModule, (args, softplus, original) => {
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
  return installed != null;
}
