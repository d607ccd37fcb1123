/**
 * elbo's wasm kernels as modules: each is written as WebAssembly text in
 * `src/kernels/*.wat`, assembled at build time by wabt (`pnpm --filter
 * @elbo/backend-common generate`) into the committed `src/kernels/*.wasm.ts`,
 * which hold its bytes (base64) per variant. A variant is a set of flags:
 * `shared` (it imports a shared memory, as threaded builds of tfjs' wasm
 * backend have) and, for matMul, `relaxed` (fused multiply-adds, relaxed SIMD).
 *
 * Every module is instantiated here, on the memory of the wasm backend that
 * runs it, and cached per memory and variant.
 */
export interface KernelModule {
  /** The .wat file it is generated from. */
  source: string;
  /** The one function it exports. */
  exportName: string;
  /** The flags its variants differ by. */
  flags: readonly string[];
  /** Bytes (base64) by variant: its flags joined by '+', or 'base'. */
  variants: Readonly<Record<string, string>>;
}

/** The bytes of one variant; flags the module does not have are ignored. */
export function kernelBytes(module: KernelModule, flags: { shared?: boolean; relaxed?: boolean }): Uint8Array<ArrayBuffer> {
  const on = module.flags.filter((flag) => flags[flag as keyof typeof flags] === true);
  const key = on.length === 0 ? 'base' : on.join('+');
  const base64 = module.variants[key];
  if (base64 == null)
    throw new Error(`${module.source} has no variant ${key}: regenerate it (pnpm --filter @elbo/backend-common generate)`);
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const instances = new WeakMap<WebAssembly.Memory, Map<string, unknown>>();

/**
 * The module's function bound to `memory` (so it reads and writes tensors in
 * place), cached per memory and variant; null where the engine refuses the
 * module (no wasm SIMD, or no relaxed SIMD for a `relaxed` variant).
 */
export function instantiateKernel<F>(module: KernelModule, memory: WebAssembly.Memory, { relaxed = false } = {}): F | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  let cache = instances.get(memory);
  if (cache == null) instances.set(memory, (cache = new Map()));
  const key = `${module.source}|${relaxed}`;
  if (!cache.has(key)) cache.set(key, compile<F>(module, kernelBytes(module, { shared, relaxed }), memory));
  return cache.get(key) as F | null;
}

function compile<F>(module: KernelModule, bytes: Uint8Array<ArrayBuffer>, memory: WebAssembly.Memory): F | null {
  if (!WebAssembly.validate(bytes)) return null;
  try {
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports[module.exportName] as F;
  } catch {
    return null;
  }
}
