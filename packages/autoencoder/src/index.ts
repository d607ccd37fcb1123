/**
 * @elbo/autoencoder — the deterministic autoencoder on @elbo/nn's encoder-decoder
 * base: any encoder and decoder layers, a decoder likelihood of @elbo/prob, training
 * through prob's `fit`, batched inference, save/load and TF.js Layers (Keras) exchange.
 *
 * It re-exports what its quick start uses, so one install is enough to begin:
 * `mlp`, `sequential`, `linear`, `activation` (from @elbo/nn) and the `FitOptions`,
 * `History` and `LikelihoodSpec` types (from @elbo/prob).
 *
 * @packageDocumentation
 */
export { Autoencoder } from './autoencoder';
export type { AutoencoderBatch, AutoencoderConfig, BatchOptions, Evaluation, FromLayersOptions } from './autoencoder';
export type { AutoencoderOptions } from './options';

// Re-exported for a one-install quick start (their home packages document them).
export { mlp, sequential, linear, activation, flatten, reshape, conv2d, convTranspose2d, convEncoder, convDecoder } from '@elbo/nn';
export type { FitOptions, History, LikelihoodSpec } from '@elbo/prob';
