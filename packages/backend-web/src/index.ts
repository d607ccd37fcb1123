/**
 * @elbo/backend-web — the browser platform adapter: picks the fastest
 * TensorFlow.js backend that works in this browser (WebGL on a GPU, else
 * WebAssembly, else plain JavaScript; WebGPU when asked), says which and why,
 * and registers tfjs' gradient functions once.
 *
 * @packageDocumentation
 */
export { selectBackend } from './select-backend';
export type { BackendAttempt, BackendSelection, SelectBackendOptions } from './select-backend';
export { WEB_BACKENDS } from './backend-names';
export type { WebBackendName } from './backend-names';
export type { WasmPaths } from './wasm-paths';
