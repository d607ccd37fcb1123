import * as tf from '@tensorflow/tfjs-core';
import { instantiateKernel } from './wasm-assembler';

/** What elbo's wasm kernels use of the wasm backend object (tfjs-backend-wasm 4.x). */
export interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  incRef(dataId: tf.DataId): void;
  readSync(dataId: tf.DataId): tf.TypedArray;
  wasm: { asm?: { memory?: WebAssembly.Memory }; HEAPF32: Float32Array };
}

/** A kernel's arguments, as tfjs passes them. */
export type WasmKernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
type KernelResult = tf.TensorInfo | tf.TensorInfo[];

/**
 * Replaces the wasm backend's kernel `kernelName` with `kernelFunc`, which
 * receives tfjs' original to hand over the cases it does not take.
 */
export function overrideWasmKernel(
  kernelName: string,
  kernelFunc: (args: WasmKernelArgs, original: (args: WasmKernelArgs) => KernelResult) => KernelResult,
): void {
  const config = tf.getKernel(kernelName, 'wasm');
  if (config == null) throw new Error(`the wasm backend has no ${kernelName} kernel registered: import @tensorflow/tfjs-backend-wasm first`);
  const original = (args: WasmKernelArgs): KernelResult => config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as KernelResult;
  tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: (args) => kernelFunc(args as unknown as WasmKernelArgs, original) });
}

/**
 * Instantiates an assembled kernel module on the wasm backend's memory, so it
 * reads and writes tensors in place; null before that backend is initialized
 * or where the engine refuses the module (no wasm SIMD).
 */
export function instantiateOnWasmBackend<F>(name: string, bytes: (shared: boolean) => Uint8Array<ArrayBuffer>): F | null {
  const memory = (tf.findBackend('wasm') as unknown as WasmBackendInternals | null)?.wasm.asm?.memory;
  return memory == null ? null : instantiateKernel<F>(name, bytes, memory);
}
