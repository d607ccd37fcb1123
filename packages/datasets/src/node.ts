/**
 * @elbo/datasets/node — files: read and write `.npy` on disk, write a large
 * `lines` dataset in pieces, and stream shuffled batches from a file larger
 * than memory.
 *
 * @packageDocumentation
 */
export { createNpyWriter, readNpy, readNpyHeader, writeNpy } from './npy-file';
export { npyBatches, npyRowBatches } from './npy-batches';
export { writeLinesNpy } from './write-lines-npy';
export type { NpyWriter } from './npy-file';
export type { NpyBatch, NpyBatchesOptions, NpyRowBatch, NpyTensorBatchesOptions } from './npy-batches';
export type { WriteLinesNpyOptions, WriteLinesNpyResult } from './write-lines-npy';
