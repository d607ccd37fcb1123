/**
 * @elbo/datasets/node — files: read and write `.npy` on disk, write a large
 * `lines` dataset in pieces, and stream shuffled batches from a file larger
 * than memory; folders of PNG and JPEG images as batches (with the optional
 * package sharp).
 *
 * @packageDocumentation
 */
export { createNpyWriter, readNpy, readNpyHeader, writeNpy } from './npy-file';
export { npyBatches, npyRowBatches } from './npy-batches';
export { writeLinesNpy } from './write-lines-npy';
export type { NpyWriter } from './npy-file';
export type { NpyBatch, NpyBatchesOptions, NpyRowBatch, NpyTensorBatchesOptions } from './npy-batches';
export type { WriteLinesNpyOptions, WriteLinesNpyResult } from './write-lines-npy';
export { decodeImageFile } from './image-decode';
export { ImageFileError } from './image-file-error';
export { imageFolder } from './image-folder';
export { imageFolderToNpy } from './image-folder-npy';
export { readImageFolder } from './read-image-folder';
export type { ImageBatch, ImageFolder, ImageFolderOptions } from './image-folder';
export type { ImageFolderToNpyOptions, ImageFolderToNpyResult, ImageLabelsFile } from './image-folder-npy';
export type { ImageFit, ImageOptions } from './image-options';
export type { SkipBadOptions, SkippedImage } from './image-skip';
export type { ImageFolderData } from './read-image-folder';
