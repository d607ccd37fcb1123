/** Backends this adapter can select in Node, fastest first. */
export const NODE_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** `tensorflow` is native tfjs-node (GPU build first), `wasm` WebAssembly with SIMD, `cpu` plain JavaScript. */
export type NodeBackendName = (typeof NODE_BACKENDS)[number];

/**
 * Checks a list of backend names before anything is tried, so a typo fails
 * at once with the valid names rather than after a silent fallback.
 */
export function parseBackendNames(names: unknown, source: string): NodeBackendName[] {
  if (!Array.isArray(names)) {
    const hint = typeof names === 'string' ? ` (a string; write [${JSON.stringify(names)}])` : '';
    throw new Error(`${source} must be an array of backend names (${NODE_BACKENDS.join(', ')}), got ${show(names)}${hint}`);
  }
  names.forEach((name: unknown, index) => {
    if (typeof name !== 'string' || !(NODE_BACKENDS as readonly string[]).includes(name)) {
      throw new Error(`${source} has unknown backend ${show(name)} at index ${index}: expected one of ${NODE_BACKENDS.join(', ')}`);
    }
  });
  return names as NodeBackendName[];
}

/** A value as it would be written in code, for error messages. */
export function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
