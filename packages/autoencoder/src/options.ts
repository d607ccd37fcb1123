import * as tf from '@tensorflow/tfjs-core';
import { Sequential } from '@elbo/nn';
import type { EncoderDecoderParts } from '@elbo/nn';
import { checkKnownKeys, describeValue } from '@elbo/prob';

/**
 * Constructor options of `Autoencoder`: the encoder and decoder layers of @elbo/nn
 * and the likelihood spec of @elbo/prob.
 * @example
 * ```ts
 * const options: AutoencoderOptions = { encoder: mlp([784, 32]), decoder: mlp([32, 784]), likelihood: { name: 'gaussian', sigma: 0.1 } };
 * ```
 */
export interface AutoencoderOptions extends EncoderDecoderParts {
  /**
   * The 'gaussian' likelihood's standard deviation, the form before @elbo/prob's likelihood specs:
   * `{ likelihood: 'gaussian', scale: s }` means `{ likelihood: { name: 'gaussian', sigma: s } }`.
   * @deprecated pass `likelihood: { name: 'gaussian', sigma }`.
   */
  scale?: number;
}

const KEYS = ['encoder', 'decoder', 'likelihood', 'scale'];

/**
 * Checks the options that the base does not, and maps the deprecated `scale` onto the
 * likelihood spec. Throws before anything is made, so the caller's layers stay the caller's.
 */
export function toParts(options: AutoencoderOptions): EncoderDecoderParts {
  const caller = 'Autoencoder';
  if (options == null || typeof options !== 'object')
    throw new TypeError(`${caller}: options must be an object with encoder and decoder, got ${describeValue(options)}`);
  checkKnownKeys(options, KEYS, caller);
  const { encoder, decoder, scale } = options;
  let likelihood = options.likelihood;
  if (scale !== undefined) {
    if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0)
      throw new Error(`${caller}: scale must be a finite number > 0, got ${describeValue(scale)}`);
    if (likelihood !== 'gaussian') {
      throw new Error(
        `${caller}: scale is the sigma of likelihood 'gaussian' (deprecated: pass likelihood: { name: 'gaussian', sigma }), got it with likelihood ${describeValue(likelihood)}`,
      );
    }
    likelihood = { name: 'gaussian', sigma: scale };
  }
  if (
    encoder instanceof Sequential &&
    decoder instanceof Sequential &&
    !tf.util.arraysEqual([...encoder.finalShape], [...decoder.inputShape])
  ) {
    throw new Error(
      `${caller}: the decoder must take the encoder's output shape [${encoder.finalShape.join(', ')}], but its input shape is [${decoder.inputShape.join(', ')}]`,
    );
  }
  return likelihood === undefined ? { encoder, decoder } : { encoder, decoder, likelihood };
}
