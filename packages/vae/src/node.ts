/**
 * @elbo/vae/node — what only Node offers: data-parallel training of a VAE on
 * worker threads (`workerThreads()`, for `VAE.fit({ parallel })`).
 *
 * @packageDocumentation
 */
export { workerThreads } from './node/worker-threads';
export type { WorkerThreadsOptions } from './node/worker-threads';
