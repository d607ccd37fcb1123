import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, type WasmBackendInternals } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { transposeWasm } from './kernels/transpose.wasm';

/**
 * The transpose of a batch of matrices ([..., R, C] -> [..., C, R]) on the
 * wasm backend with 128-bit SIMD (kernels/transpose.wat): 4 x 4 blocks, four rows loaded, turned by
 * eight shuffles, stored as four columns. The matMul gradients transpose an
 * activation or a gradient every product (dW = x^T g); tfjs' wasm Transpose
 * moves one element at a time (0.22 ms for 128 x 784 here, about 0.8 ms of a
 * VAE step in all). Needs R % 4 == 0 and C % 4 == 0 and 4-byte elements
 * (float32, int32); other shapes and permutations take tfjs' kernel.
 */
export type SimdTranspose = (x: number, out: number, rows: number, columns: number) => void;

/** The module's bytes (for a shared memory or not). */
export function simdTransposeModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(transposeWasm, { shared });
}

const transposeModule = (memory: WebAssembly.Memory) => instantiateKernel<SimdTranspose>(transposeWasm, memory);

/** Replaces the wasm backend's `Transpose` of the last two axes (4-byte elements, sides multiples of 4) with the SIMD one. */
export function installWasmSimdTranspose(): boolean {
  const installed = installWasmKernel(tf.Transpose, transposeModule, (args, transpose, original) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const rank = x.shape.length;
    // Only [..., R, C] -> [..., C, R]: the leading axes stay, the last two swap.
    const swapsLastTwo =
      rank >= 2 && perm.length === rank && perm.every((p, i) => p === (i < rank - 2 ? i : i === rank - 2 ? rank - 1 : rank - 2));
    const [rows, columns] = [x.shape[rank - 2]!, x.shape[rank - 1]!];
    if (!swapsLastTwo || (x.dtype !== 'float32' && x.dtype !== 'int32') || rows % 4 !== 0 || columns % 4 !== 0) return original(args);
    const b = args.backend as WasmBackendInternals;
    const out = b.makeOutput(
      perm.map((p) => x.shape[p]!),
      x.dtype,
    );
    const [pIn, pOut] = [x, out].map((t) => b.dataIdMap.get(t.dataId).memoryOffset) as [number, number];
    const matrixBytes = 4 * rows * columns;
    const matrices = tf.util.sizeFromShape(x.shape.slice(0, rank - 2));
    for (let m = 0; m < matrices; m++) transpose(pIn + m * matrixBytes, pOut + m * matrixBytes, rows, columns);
    return out;
  });
  return installed != null;
}
