/**
 * @elbo/vae — the variational autoencoder on TensorFlow.js: a Gaussian
 * encoder q(z|x), reparameterized z, the ELBO, sampling, interpolation and
 * the importance-weighted estimate of log p(x).
 *
 * @packageDocumentation
 */
export { VAE } from './vae';
export type { VAEOptions, EncoderScale, OutputMode } from './vae';
export { Posterior } from './posterior';
export { saveVAE, loadVAE, exportVAELayers, vaeFromLayers, vaeConfig, VAE_FORMAT } from './io';
export type { VAEConfig } from './io';
export { fitVAE } from './fit';
export type { VAEFitOptions, VAEHistory } from './fit';
export { combineShards, localRows } from './parallel';
export type { DataParallel, ShardResult, ShardSettings } from './parallel';
export { linearWarmup, cyclicalAnnealing } from './schedules';
export type { BetaSchedule, LinearWarmupOptions, CyclicalAnnealingOptions } from './schedules';
export { logStandardNormal, logDiagNormal } from './diag-gaussian';
export { Likelihood } from './likelihood';
export type { LikelihoodName, LikelihoodSpec, LikelihoodConfig, GaussianLikelihoodOptions } from './likelihood';
export { elboTerms, trainingLoss } from './elbo';
export type { ElboTerms, ElboTermOptions, KLEstimator, TrainingLoss, TrainingLossOptions } from './elbo';
export { importanceWeightedLogLikelihood } from './log-likelihood';
export type { LogLikelihoodOptions, LogLikelihoodResult } from './log-likelihood';
export { normalQuantile, latentPath, latentGridPoints } from './latent';
export type { VaeParts } from './parts';
