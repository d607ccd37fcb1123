/**
 * @elbo/prob — probability and information on TensorFlow.js: distributions
 * with reparameterized sampling, a KL registry, information theory on plain
 * probability vectors, Bayes' rule, stable numerics and the one optimization
 * loop of elbo (`minimize`).
 *
 * @packageDocumentation
 */

// Distributions
export { Distribution } from './distribution';
export type { DistributionOptions, SampleOptions } from './distribution';
export { constraints, setValidateArgs, getValidateArgs } from './constraints';
export type { Constraint } from './constraints';
export { Normal } from './normal';
export type { NormalParams } from './normal';
export { Independent } from './independent';
export { Bernoulli } from './bernoulli';
export type { BernoulliParams } from './bernoulli';
export type { LogitsOrProbs } from './logits';
export { Categorical } from './categorical';
export type { CategoricalParams } from './categorical';
export { ContinuousBernoulli } from './continuous-bernoulli';
export type { ContinuousBernoulliParams } from './continuous-bernoulli';
// Decoder likelihoods
export { Likelihood } from './likelihood';
export type { LikelihoodName, LikelihoodSpec, LikelihoodConfig, LikelihoodOptions } from './likelihood-config';
export { continuousBernoulliLogNormalizer, continuousBernoulliMean, continuousBernoulliIcdf } from './continuous-bernoulli-logits';
export { Uniform } from './uniform';
export type { UniformParams } from './uniform';
export { Laplace } from './laplace';
export type { LaplaceParams } from './laplace';

// KL divergence, entropy and information
export { klDivergence, entropy, crossEntropy } from './divergences';
export { registerKL } from './kl';
export type { KLFunction, DistributionClass, MonteCarloKL, MonteCarloKLOptions } from './kl';
export { klNormalStandard } from './kl-normal-standard';
export type { KLNormalStandardOptions } from './kl-normal-standard';
export { information, jsDivergence, mutualInformation } from './information';

// Telling inliers from outliers by a score
export { auroc, rocCurve, thresholdAtFalsePositiveRate } from './roc';
export type { RocCurve, ScoreInput, ScoreThreshold } from './roc';
export type { InformationOptions, ProbabilityInput } from './vectors';
export { bayes } from './bayes';
export type { BayesInput, BayesResult } from './bayes';

// Numerics and training
export { logSumExp, softplus, logSigmoid, log1mExp } from './numerics';
export { minimize } from './minimize';
export { NonFiniteLossError } from './errors';
export { fit } from './fit';
export { FIT_OPTION_NAMES } from './fit-options';
export type { FitArgs, FitOptions, FitCallbacks, History, Logs } from './fit-types';
export type { FitData } from './fit-data';
export type { EarlyStoppingOptions } from './early-stopping';
export { meanLoss } from './loss-output';
export type { BatchLoss, LossOutput } from './loss-output';
export { inBatches } from './in-batches';
export { checkKnownKeys } from './known-keys';
export { adam, FusedAdamOptimizer, ADAM_KERNEL } from './adam';
export { BERNOULLI_LOG_LIKELIHOOD_KERNEL, BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL } from './logits';
export { tfjsSeed } from './random-seed';
export type { MinimizeOptions, MinimizeResult, StepInfo, LossFunction } from './minimize';
export { assertBackend, assertGradientsRegistered, MISSING_BACKEND_MESSAGE, MISSING_GRADIENTS_MESSAGE } from './gradients';
export type { GradientLookup } from './gradients';
export { toFloatTensor, describeValue } from './convert';
export { Yielder, macrotask } from './yield';
export type { TensorInput, TensorExpectation } from './convert';

// Seeded randomness
export { foldIn, mulberry32, permutation, shuffleInPlace, checkSeed } from './random';
export type { Random } from './random';
