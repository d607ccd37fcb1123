import * as tf from '@tensorflow/tfjs-core';
import { wasmMemory, type WasmBackendInternals } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { adamWasm } from './kernels/adam.wasm';

/**
 * The fused Adam update as a kernel, registered for the `wasm` and `cpu`
 * backends. `@elbo/prob`'s `adam()` runs it when the active backend has it and
 * composes tfjs ops otherwise; the name and the attributes are the contract
 * between the two (prob does not depend on the backend packages).
 *
 * Inputs `w, m, v, g` (float32, one shape); attributes `beta1, beta2, epsilon`
 * and the bias-corrected `stepSize = lr / (1 - beta1^t)` and
 * `rootCorrection = 1 / sqrt(1 - beta2^t)`; outputs the new `w, m, v`, in new
 * buffers (a variable's buffer may be shared with a clone, so none is written
 * in place).
 */
export const ADAM_KERNEL = 'ElboAdamUpdate';

/**
 * The SIMD update of kernels/adam.wat: (wIn, mIn, vIn, g, wOut, mOut, vOut:
 * byte offsets; byteLength: a multiple of 16; b1, c1, b2, c2, s, r, eps).
 */
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

/** The module's bytes; `shared` must match the memory it will import (threaded builds use shared memory). */
export function simdAdamModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(adamWasm, { shared });
}

/** The SIMD Adam bound to `memory`, or null where this engine has no wasm SIMD (or refuses the module). */
export function instantiateSimdAdam(memory: WebAssembly.Memory): SimdAdam | null {
  return instantiateKernel<SimdAdam>(adamWasm, memory);
}

interface AdamAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  stepSize: number;
  rootCorrection: number;
}

/** Elements [from, n) of one update, in plain JavaScript (the cpu backend, and the wasm tail). */
function adamLoop(
  [w, m, v, g]: Float32Array[],
  [wOut, mOut, vOut]: Float32Array[],
  { beta1, beta2, epsilon, stepSize, rootCorrection }: AdamAttrs,
  from: number,
): void {
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = from; i < g!.length; i++) {
    const gi = g![i]!;
    // float32 moments, as stored (and as the .wat computes them): a square past float32 is Infinity, not 1e60
    const mi = Math.fround(beta1 * m![i]! + c1 * gi);
    const vi = Math.fround(beta2 * v![i]! + Math.fround(c2 * Math.fround(gi * gi)));
    mOut![i] = mi;
    vOut![i] = vi;
    wOut![i] = w![i]! - stepSize * (mi / (Math.sqrt(vi) * rootCorrection + epsilon)); // the ratio first, as the .wat
  }
}

function checkInputs(inputs: tf.NamedTensorInfoMap): tf.TensorInfo[] {
  const names = ['w', 'm', 'v', 'g'];
  const infos = names.map((name) => inputs[name]);
  infos.forEach((info, i) => {
    if (info == null) throw new Error(`${ADAM_KERNEL}: input ${names[i]} is missing`);
    if (info.dtype !== 'float32') throw new Error(`${ADAM_KERNEL}: input ${names[i]} must be float32, got ${info.dtype}`);
    const same = info.shape.length === infos[0]!.shape.length && info.shape.every((d, k) => d === infos[0]!.shape[k]);
    if (!same) throw new Error(`${ADAM_KERNEL}: input ${names[i]} has shape [${info.shape}], expected [${infos[0]!.shape}] like w`);
  });
  return infos as tf.TensorInfo[];
}

function wasmAdam({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const b = backend as WasmBackendInternals;
  const a = attrs as unknown as AdamAttrs;
  const ins = checkInputs(inputs);
  // Allocate first: an allocation can grow (and so replace) the heap's buffer.
  const outs = [0, 1, 2].map(() => b.makeOutput(ins[0]!.shape, 'float32'));
  const offsets = [...ins, ...outs].map((t) => b.dataIdMap.get(t.dataId).memoryOffset);
  const n = tf.util.sizeFromShape(ins[0]!.shape);
  const memory = wasmMemory(b);
  const simd = memory == null ? null : instantiateSimdAdam(memory);
  const vector = simd == null ? 0 : n - (n % 4);
  if (simd != null && vector > 0) {
    const [wIn, mIn, vIn, g, wOut, mOut, vOut] = offsets as [number, number, number, number, number, number, number];
    simd(
      wIn,
      mIn,
      vIn,
      g,
      wOut,
      mOut,
      vOut,
      4 * vector,
      a.beta1,
      1 - a.beta1,
      a.beta2,
      1 - a.beta2,
      a.stepSize,
      a.rootCorrection,
      a.epsilon,
    );
  }
  if (vector < n) {
    const heap = b.wasm.HEAPF32;
    const views = offsets.map((offset) => new Float32Array(heap.buffer, offset, n));
    adamLoop(views.slice(0, 4), views.slice(4), a, vector);
  }
  return outs;
}

interface CpuBackendInternals {
  readSync(dataId: tf.DataId): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function cpuAdam({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: unknown }): tf.TensorInfo[] {
  const b = backend as CpuBackendInternals;
  const ins = checkInputs(inputs);
  const values = ins.map((t) => b.readSync(t.dataId) as Float32Array);
  const outs = [0, 1, 2].map(() => new Float32Array(values[0]!.length));
  adamLoop(values, outs, attrs as unknown as AdamAttrs, 0);
  return outs.map((out) => b.makeTensorInfo(ins[0]!.shape, 'float32', out));
}

/** Registers the fused Adam kernel for `wasm` and `cpu` (once; later calls do nothing). */
export function registerAdamKernels(): void {
  for (const [backendName, kernelFunc] of [
    ['wasm', wasmAdam],
    ['cpu', cpuAdam],
  ] as const) {
    if (tf.getKernel(ADAM_KERNEL, backendName) == null) {
      tf.registerKernel({ kernelName: ADAM_KERNEL, backendName, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
    }
  }
}
