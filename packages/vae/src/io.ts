import * as tf from '@tensorflow/tfjs-core';
import { Mlp, exportLayersModel, importLayersModel, loadEncoderDecoder, prefixWeights, saveModelRecord } from '@elbo/autoencoder';
import type { MlpConfig } from '@elbo/autoencoder';
import type { KLEstimator } from './elbo';
import type { LikelihoodConfig, LikelihoodSpec } from './likelihood';
import { VAE } from './vae';
import type { EncoderScale } from './vae';

/** The artifact format written by {@link saveVAE}. */
export const VAE_FORMAT = 'elbo/vae';

/** What a saved VAE stores besides the weights. */
export interface VAEConfig {
  encoder: MlpConfig;
  decoder: MlpConfig;
  latentDim: number;
  likelihood: LikelihoodConfig;
  beta: number;
  freeBits: number;
  kl: KLEstimator;
  encoderScale: EncoderScale;
}

/** Encoder and decoder as {@link Mlp}s, or an error naming the method. */
function mlps(vae: VAE, where: string): { encoder: Mlp; decoder: Mlp } {
  if (!(vae.encoder instanceof Mlp) || !(vae.decoder instanceof Mlp)) {
    throw new Error(`VAE.${where}: needs an encoder and a decoder made by mlp() from @elbo/autoencoder (custom modules cannot be serialized)`);
  }
  return { encoder: vae.encoder, decoder: vae.decoder };
}

/** The config {@link saveVAE} stores. */
export function vaeConfig(vae: VAE): VAEConfig {
  const { encoder, decoder } = mlps(vae, 'getConfig');
  return {
    encoder: encoder.getConfig(),
    decoder: decoder.getConfig(),
    latentDim: vae.latentDim,
    likelihood: vae.likelihood.getConfig(),
    beta: vae.beta,
    freeBits: vae.freeBits,
    kl: vae.kl,
    encoderScale: vae.encoderScale,
  };
}

/**
 * Saves the whole VAE (both networks, the likelihood with a learned sigma, the
 * training settings) through a tfjs IO handler, with the autoencoder's record
 * format machinery (`saveModelRecord`).
 */
export async function saveVAE(vae: VAE, url: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  const { encoder, decoder } = mlps(vae, 'save');
  const parts = [encoder.getWeights(), decoder.getWeights()] as const;
  const logSigma = vae.likelihood.logSigma == null ? null : tf.clone(vae.likelihood.logSigma);
  try {
    const weights: tf.NamedTensorMap = { ...prefixWeights(parts[0], 'encoder'), ...prefixWeights(parts[1], 'decoder') };
    if (logSigma != null) weights['likelihood/logSigma'] = logSigma;
    return await saveModelRecord(url, VAE_FORMAT, { config: vaeConfig(vae), weights });
  } finally {
    tf.dispose([...Object.values(parts[0]), ...Object.values(parts[1]), ...(logSigma == null ? [] : [logSigma])]);
  }
}

/** Loads what {@link saveVAE} wrote; a truncated, mismatched or foreign file throws and loads nothing. */
export async function loadVAE(url: string | tf.io.IOHandler): Promise<VAE> {
  return loadEncoderDecoder<VAEConfig, VAE>(url, VAE_FORMAT, 'VAE.load', ({ encoder, decoder }, { config, weights }) => {
    const lik = config.likelihood;
    const logSigma = weights['likelihood/logSigma'];
    if (lik.learnSigma === true && logSigma == null) throw new Error('the learned likelihood sigma (likelihood/logSigma) is missing');
    const sigma = logSigma == null ? lik.sigma : Math.exp(logSigma.dataSync()[0]!);
    const likelihood: LikelihoodSpec = lik.name === 'gaussian' ? { name: 'gaussian', sigma: sigma ?? 1, learnSigma: lik.learnSigma === true } : lik.name;
    return new VAE({ encoder, decoder, likelihood, latentDim: config.latentDim, beta: config.beta, freeBits: config.freeBits, kl: config.kl, encoderScale: config.encoderScale });
  });
}

/**
 * Saves encoder and decoder as two TF.js Layers models (Sequential of Dense),
 * for tfjs-layers and Keras. The encoder's output is [mean, log-variance]
 * (or softplus scale, per `encoderScale`); the decoder's is logits (Bernoulli
 * kinds) or the mean (Gaussian).
 */
export async function exportVAELayers(vae: VAE, urls: { encoder: string | tf.io.IOHandler; decoder: string | tf.io.IOHandler }): Promise<void> {
  const { encoder, decoder } = mlps(vae, 'exportLayers');
  await exportLayersModel(encoder, urls.encoder, 'vae_encoder');
  await exportLayersModel(decoder, urls.decoder, 'vae_decoder');
}

/** Builds a VAE from two TF.js Layers models (as {@link exportVAELayers} writes, or trained in Keras). */
export async function vaeFromLayers(
  urls: { encoder: string | tf.io.IOHandler; decoder: string | tf.io.IOHandler },
  options: { latentDim: number; likelihood?: LikelihoodSpec; beta?: number; freeBits?: number; kl?: KLEstimator; encoderScale?: EncoderScale },
): Promise<VAE> {
  const encoder = await importLayersModel(urls.encoder);
  let decoder: Mlp | null = null;
  try {
    decoder = await importLayersModel(urls.decoder);
    return new VAE({ encoder, decoder, ...options });
  } catch (error) {
    encoder.dispose();
    decoder?.dispose();
    throw error;
  }
}
