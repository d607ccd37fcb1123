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
export { fitModel } from './fit-model';
export type { FitCallbacks, FitModelOptions, History, Logs, TrainOptions } from './fit-model';
export type { EarlyStoppingOptions } from './early-stopping';
export { meanLoss } from './loss-output';
export type { BatchLoss, LossOutput } from './loss-output';
export { seededPermutation } from './batches';
export type { BatchingOptions, FitData } from './batches';
export { Autoencoder } from './autoencoder';
export type { AutoencoderBatch, AutoencoderConfig, AutoencoderOptions, BatchOptions, Evaluation } from './autoencoder';
export { LIKELIHOODS, checkDataInSupport, checkDecoderOutput, decoderDistribution, likelihoodMean, negLogLikelihood } from './likelihood';
export type { Likelihood } from './likelihood';
export { loadModelRecord, saveModelRecord, pickWeights, prefixWeights, loadEncoderDecoder } from './serialization';
export type { ModelRecord } from './serialization';
export { exportLayersModel, importLayersModel, toLayersArtifacts } from './layers-model';
