import { parseBackendNames as parseNames } from '@elbo/backend-common';

/** Backends this adapter can select in a browser, fastest first. */
export const WEB_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** `webgpu` and `webgl` run on the GPU, `wasm` is WebAssembly (SIMD where supported), `cpu` plain JavaScript. */
export type WebBackendName = (typeof WEB_BACKENDS)[number];

/** The order tried when no `prefer` list is given: WebGPU only when asked for. */
export const DEFAULT_ORDER: readonly WebBackendName[] = ['webgl', 'wasm', 'cpu'];

/** Checks a list of browser backend names before anything is tried (see @elbo/backend-common). */
export function parseBackendNames(names: unknown, source: string): WebBackendName[] {
  return parseNames(names, WEB_BACKENDS, source);
}
