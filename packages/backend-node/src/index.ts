/**
 * @elbo/backend-node — the Node platform adapter: picks the fastest
 * TensorFlow.js backend that works here (native tfjs-node, else WebAssembly,
 * else plain JavaScript), says which and why, registers tfjs' gradient
 * functions once, and serves `file://` model URLs.
 *
 * @packageDocumentation
 */
export { selectBackend } from './select-backend';
export type { BackendAttempt, BackendSelection, SelectBackendOptions } from './select-backend';
export { NODE_BACKENDS } from './backend-names';
export type { NodeBackendName } from './backend-names';
export { fileSystem, registerFileSystemRouter } from './file-system-io';
