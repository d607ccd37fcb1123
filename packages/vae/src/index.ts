/**
 * @elbo/vae — the variational autoencoder on TensorFlow.js: a Gaussian
 * encoder q(z|x), reparameterized z, the ELBO, sampling, interpolation and
 * the importance-weighted estimate of log p(x). A sibling of the autoencoder
 * on @elbo/nn's `EncoderDecoderModel`, trained by @elbo/prob's `fit`.
 *
 * @packageDocumentation
 */
export { VAE, VAE_FORMAT } from './vae';
export type { VAEOptions, OutputMode, VAEFitData } from './vae';
export type { EncoderScale, KLEstimator, VAESettings } from './settings';
export { Posterior } from './posterior';
export type { VAEFitOptions, VAEHistory } from './fit';
export { combineShards, localRows } from './parallel';
export type { DataParallel, ShardResult, ShardSettings } from './parallel';
export { linearWarmup, cyclicalAnnealing } from './schedules';
export type { BetaSchedule, LinearWarmupOptions, CyclicalAnnealingOptions } from './schedules';
export { logStandardNormal, logDiagNormal } from './diag-gaussian';
export { elboTerms, trainingLoss } from './elbo';
export type { ElboTerms, ElboTermOptions, TrainingLoss, TrainingLossOptions } from './elbo';
export { importanceWeightedLogLikelihood } from './log-likelihood';
export type { LogLikelihoodOptions, LogLikelihoodResult } from './log-likelihood';
export { imageStatistics, IMAGE_STATISTICS, STATISTICS_CHUNK } from './image-statistics';
export type { ImageStatistics, ImageStatisticName, ImageStatisticsOptions } from './image-statistics';
export { OutlierScore, OUTLIER_METHODS, MIN_FIT_IMAGES } from './outlier-score';
export type { OutlierMethod, OutlierScoreOptions, OutlierScoreJSON } from './outlier-score';
export { normalQuantile, latentPath, latentGridPoints } from './latent';
export type { VaeParts } from './parts';
export {
  linearGaussianPosterior,
  klToLinearGaussianPosterior,
  linearGaussianLogLikelihood,
  linearGaussianElbo,
  NotLinearGaussianError,
} from './linear-gaussian';
export type { LinearGaussianPosterior, LinearGaussianVAE } from './linear-gaussian';

// Re-exported so that the quick start needs one install (plus a backend):
// the layers come from @elbo/nn, the likelihood and the training types from @elbo/prob.
export { mlp, sequential, linear, activation, flatten, reshape, conv2d, convTranspose2d, convEncoder, convDecoder } from '@elbo/nn';
export type { Layer, Sequential, LayersExportUrls, ConvEncoderOptions, ConvDecoderOptions } from '@elbo/nn';
export { Likelihood, auroc, rocCurve, thresholdAtFalsePositiveRate } from '@elbo/prob';
export type {
  LikelihoodSpec,
  LikelihoodName,
  FitOptions,
  FitCallbacks,
  History,
  Logs,
  RocCurve,
  ScoreInput,
  ScoreThreshold,
} from '@elbo/prob';
