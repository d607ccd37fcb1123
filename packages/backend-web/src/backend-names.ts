/** Backends this adapter can select in a browser, fastest first. */
export const WEB_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** `webgpu` and `webgl` run on the GPU, `wasm` is WebAssembly (SIMD where supported), `cpu` plain JavaScript. */
export type WebBackendName = (typeof WEB_BACKENDS)[number];

/** The order tried when no `prefer` list is given: WebGPU only when asked for. */
export const DEFAULT_ORDER: readonly WebBackendName[] = ['webgl', 'wasm', 'cpu'];

/**
 * Checks a list of backend names before anything is tried, so a typo fails
 * at once with the valid names rather than after a silent fallback.
 */
export function parseBackendNames(names: unknown, source: string): WebBackendName[] {
  if (!Array.isArray(names)) {
    throw new Error(`${source} must be an array of backend names (${WEB_BACKENDS.join(', ')}), got ${JSON.stringify(names)}`);
  }
  names.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !(WEB_BACKENDS as readonly string[]).includes(name)) {
      throw new Error(
        `${source} has unknown backend ${JSON.stringify(name)} at index ${index}: expected one of ${WEB_BACKENDS.join(', ')}`,
      );
    }
  });
  return names as WebBackendName[];
}
