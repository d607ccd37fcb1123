/** Backends this adapter can select in Node, fastest first. */
export const NODE_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** `tensorflow` is native tfjs-node (GPU build first), `wasm` WebAssembly with SIMD, `cpu` plain JavaScript. */
export type NodeBackendName = (typeof NODE_BACKENDS)[number];

/**
 * Checks a list of backend names before anything is tried, so a typo fails
 * at once with the valid names rather than after a silent fallback.
 */
export function parseBackendNames(names: readonly string[], source: string): NodeBackendName[] {
  names.forEach((name, index) => {
    if (!(NODE_BACKENDS as readonly string[]).includes(name)) {
      throw new Error(
        `${source} has unknown backend "${name}" at index ${index}: expected one of ${NODE_BACKENDS.join(', ')}`,
      );
    }
  });
  return names as NodeBackendName[];
}
