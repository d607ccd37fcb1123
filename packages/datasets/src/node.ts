/**
 * @elbo/datasets/node — files: read and write `.npy` on disk and stream
 * shuffled batches from a file larger than memory.
 *
 * @packageDocumentation
 */
export { createNpyWriter, readNpy, readNpyHeader, writeNpy } from './npy-file';
export type { NpyWriter } from './npy-file';
