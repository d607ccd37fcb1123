import * as tf from '@tensorflow/tfjs-core';

/** What elbo's wasm kernels use of the wasm backend object (tfjs-backend-wasm 4.x). */
export interface WasmBackendInternals {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  incRef(dataId: tf.DataId): void;
  readSync(dataId: tf.DataId): tf.TypedArray;
  wasm: {
    asm?: { memory?: WebAssembly.Memory };
    HEAPF32: Float32Array;
    /** Emscripten's allocator on the heap (scratch buffers; may grow the memory, so views are taken after it). */
    _malloc(bytes: number): number;
    _free(pointer: number): void;
  };
}

/** A kernel's arguments, as tfjs passes them. */
export type WasmKernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };
export type KernelResult = tf.TensorInfo | tf.TensorInfo[];

/** The memory (heap) of a wasm backend object; undefined before it is initialized. */
export function wasmMemory(backend: unknown): WebAssembly.Memory | undefined {
  return (backend as WasmBackendInternals | null | undefined)?.wasm?.asm?.memory;
}

/**
 * What elbo installed in this process, on `globalThis` as tfjs keeps its
 * registries: @elbo/backend-node and @elbo/backend-web each bundle this
 * package, and two loaded copies must still install each thing once.
 */
const INSTALLED = Symbol.for('@elbo/backend-common:installed');

/** Runs `install` the first time `key` is asked for in this process; later calls get its first answer. */
export function installOnce<T>(key: string, install: () => T): T {
  const registry = ((globalThis as { [INSTALLED]?: Map<string, unknown> })[INSTALLED] ??= new Map());
  if (!registry.has(key)) registry.set(key, install());
  return registry.get(key) as T;
}

/** For kernels that run no module of their own (they copy on the heap). */
export const NO_MODULES = (): Record<string, never> => ({});

/**
 * Replaces the wasm backend's kernel `kernelName`, once per process: the one
 * way every elbo wasm kernel is installed.
 *
 * `modules` instantiates the kernel modules the replacement runs on a given
 * memory (through `instantiateKernel`, so they are compiled once per memory),
 * or answers null where the engine refuses them (no wasm SIMD): tfjs' kernel
 * then stays. `kernelFunc` receives them for the backend that runs it, and
 * tfjs' original kernel for the cases it does not take.
 *
 * @returns the modules on the current wasm backend, or null where tfjs' kernel stays.
 */
export function installWasmKernel<M>(
  kernelName: string,
  modules: (memory: WebAssembly.Memory) => M | null,
  kernelFunc: (args: WasmKernelArgs, modules: M, original: (args: WasmKernelArgs) => KernelResult) => KernelResult,
): M | null {
  return install(kernelName, modules, kernelFunc, false);
}

/**
 * Registers `kernelName` on the wasm backend where tfjs has none (e.g.
 * `Conv2DBackpropFilter` in tfjs-backend-wasm 4.22), once per process; where
 * a later tfjs registers its own, replaces it as `installWasmKernel` does.
 * `original` then throws for the cases `kernelFunc` does not take, unless
 * tfjs had a kernel. Without the modules (no wasm SIMD) nothing is
 * registered, and tfjs' "not registered" error stays.
 */
export function registerWasmKernel<M>(
  kernelName: string,
  modules: (memory: WebAssembly.Memory) => M | null,
  kernelFunc: (args: WasmKernelArgs, modules: M, original: (args: WasmKernelArgs) => KernelResult) => KernelResult,
): M | null {
  return install(kernelName, modules, kernelFunc, true);
}

function install<M>(
  kernelName: string,
  modules: (memory: WebAssembly.Memory) => M | null,
  kernelFunc: (args: WasmKernelArgs, modules: M, original: (args: WasmKernelArgs) => KernelResult) => KernelResult,
  mayBeMissing: boolean,
): M | null {
  const memory = wasmMemory(tf.findBackend('wasm'));
  if (memory == null)
    throw new Error(`elbo's wasm ${kernelName} kernel is installed once the wasm backend is initialized (after tf.setBackend('wasm'))`);
  return installOnce(`wasm kernel ${kernelName}`, () => {
    const found = modules(memory);
    if (found == null) return null;
    const config = tf.getKernel(kernelName, 'wasm');
    if (config == null && !mayBeMissing)
      throw new Error(`the wasm backend has no ${kernelName} kernel registered: import @tensorflow/tfjs-backend-wasm first`);
    const original = (args: WasmKernelArgs): KernelResult => {
      if (config == null) throw new Error(`tfjs' wasm backend has no ${kernelName} kernel for the cases elbo's does not take`);
      return config.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]) as KernelResult;
    };
    if (config != null) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: (args) => {
        const own = modules(wasmMemory(args.backend)!);
        return own == null ? original(args as unknown as WasmKernelArgs) : kernelFunc(args as unknown as WasmKernelArgs, own, original);
      },
    });
    return found;
  });
}
