import { parseBackendNames as parseNames } from '@elbo/backend-common';

/** Backends this adapter can select in Node, fastest first. */
export const NODE_BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;

/** `tensorflow` is native tfjs-node (GPU build first), `wasm` WebAssembly with SIMD, `cpu` plain JavaScript. */
export type NodeBackendName = (typeof NODE_BACKENDS)[number];

/** Checks a list of Node backend names before anything is tried (see @elbo/backend-common). */
export function parseBackendNames(names: unknown, source: string): NodeBackendName[] {
  return parseNames(names, NODE_BACKENDS, source);
}
