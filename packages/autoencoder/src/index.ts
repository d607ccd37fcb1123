/**
 * @elbo/autoencoder — the deep autoencoder: MLPs of `Linear` layers, a
 * reusable training loop built on `minimize` from @elbo/prob, and models
 * saved, reloaded and exchanged with TF.js Layers / Keras.
 *
 * @packageDocumentation
 */
export { mlp, Mlp } from './mlp';
export type { MlpConfig, MlpOptions, Module } from './mlp';
export { ACTIVATIONS } from './affine';
export type { Activation } from './affine';
