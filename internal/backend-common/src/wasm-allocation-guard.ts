import * as tf from '@tensorflow/tfjs-core';
import type { WasmBackendInternals } from './install-wasm-kernel';

const GUARDED = Symbol.for('@elbo/backend-common:guarded-malloc');
const MAX_BYTES = 2 ** 32;

/** A wasm backend's heap could not hold a tensor: the request was refused, the backend keeps working. */
export class WasmOutOfMemoryError extends RangeError {
  constructor(
    readonly bytes: number,
    readonly heapBytes: number,
  ) {
    super(
      `wasm backend: out of memory allocating ${formatBytes(bytes)} for a tensor (the heap has grown to ${formatBytes(heapBytes)}, ` +
        `${formatBytes(tf.memory().numBytes)} of it live tensors, and WebAssembly memory ends at 4 GiB). ` +
        'Nothing was allocated and the backend still works: ask for fewer rows at a time (sample, encode or score in batches).',
    );
    this.name = 'WasmOutOfMemoryError';
  }
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Makes a failed allocation on the wasm backend an error instead of a broken backend. Emscripten's
 * `malloc` answers 0 when the heap cannot grow (WebAssembly memory ends at 4 GiB); tfjs-backend-wasm
 * 4.x registers the tensor at address 0 all the same, the next kernel writes over the start of the
 * heap, and every op after it fails with "memory access out of bounds". With the guard, the request
 * throws a {@link WasmOutOfMemoryError} before tfjs records anything, and the process goes on.
 * Idempotent; installed by both backends' `selectBackend`, also with `kernels: 'stock'`.
 */
export function guardWasmAllocations(backend: unknown): void {
  const module = (backend as Partial<WasmBackendInternals> | null)?.wasm as
    (WasmBackendInternals['wasm'] & { [GUARDED]?: true }) | undefined;
  if (module == null || typeof module._malloc !== 'function' || module[GUARDED] === true) return;
  // Emscripten's `_malloc` starts as a stub that, on its first call, puts the raw export in its own
  // place (and so would remove a wrapper around it): wrap the raw export itself.
  const raw = (module as { asm?: { malloc?: (bytes: number) => number } }).asm?.malloc;
  const malloc = raw ?? module._malloc.bind(module);
  module._malloc = (bytes: number): number => {
    // A wasm32 size is an i32: 2^32 bytes or more would wrap around to a small allocation.
    if (bytes >= MAX_BYTES) throw new WasmOutOfMemoryError(bytes, module.HEAPF32.byteLength);
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) throw new WasmOutOfMemoryError(bytes, module.HEAPF32.byteLength);
    return pointer;
  };
  module[GUARDED] = true;
}
