// Internal: the logits-xor-probs parameterization shared by Bernoulli, Categorical, ContinuousBernoulli.
import * as tf from '@tensorflow/tfjs-core';
import { describe } from './convert';
import { log1p } from './numerics';

/** Which of `logits` / `probs` was given; throws unless exactly one, showing what came. */
export function oneOf(where: string, params: { logits?: unknown; probs?: unknown }): 'logits' | 'probs' {
  if (params == null || typeof params !== 'object') {
    throw new TypeError(`${where}: expected { logits } or { probs }, got ${describe(params)}`);
  }
  const hasLogits = params.logits !== undefined;
  const hasProbs = params.probs !== undefined;
  if (hasLogits === hasProbs) {
    const got = hasLogits ? `both (logits: ${show(params.logits)}, probs: ${show(params.probs)})` : 'neither';
    throw new Error(`${where}: give exactly one of logits or probs, got ${got}`);
  }
  return hasLogits ? 'logits' : 'probs';
}

function show(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x) && x.length <= 6) return JSON.stringify(x);
  return describe(x);
}

/** log(p) - log(1 - p) with p clamped to [eps, 1 - eps], so logits stay finite. */
export function logitsFromProbs(probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = tf.backend().epsilon();
    const p = tf.clipByValue(probs, eps, 1 - eps);
    return tf.sub(tf.log(p), log1p(tf.neg(p)));
  });
}
