import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, type WasmBackendInternals } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { columnSumsWasm } from './kernels/column-sums.wasm';
import { rowSumsWasm } from './kernels/row-sums.wasm';

/**
 * `tf.sum` of float32 tensors on the wasm backend with 128-bit SIMD, for the
 * two reductions training makes (kernels/row-sums.wat, kernels/column-sums.wat):
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

/** The modules' bytes (for a shared memory or not). */
export function simdRowSumsModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(rowSumsWasm, { shared });
}

export function simdColumnSumsModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(columnSumsWasm, { shared });
}

function sumModules(memory: WebAssembly.Memory): { rowSums: SimdRowSums; columnSums: SimdColumnSums } | null {
  const rowSums = instantiateKernel<SimdRowSums>(rowSumsWasm, memory);
  const columnSums = instantiateKernel<SimdColumnSums>(columnSumsWasm, memory);
  return rowSums == null || columnSums == null ? null : { rowSums, columnSums };
}

/** Replaces the wasm backend's float32 `Sum` over leading or trailing axes with SIMD loops; false without wasm SIMD. */
export function installWasmSimdSum(): boolean {
  const installed = installWasmKernel(tf.Sum, sumModules, (args, { rowSums, columnSums }, original) => {
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
  return installed != null;
}
