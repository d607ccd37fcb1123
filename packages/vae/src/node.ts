/**
 * @elbo/vae/node — what only Node offers: data-parallel training of a VAE on
 * worker threads (`workerThreads()`, for `VAE.fit({ parallel })`), each worker
 * set up by the application (`setup`: the module that selects its backend).
 *
 * @packageDocumentation
 */
export { workerThreads } from './node/worker-threads';
export type { WorkerThreadsOptions } from './node/worker-threads';
export { WorkerSetupError } from './node/worker-setup';
export type { WorkerSetup } from './node/worker-setup';
