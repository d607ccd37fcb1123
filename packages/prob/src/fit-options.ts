import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './convert';
import { checkFitData } from './fit-data';
import type { FitArgs, FitOptions } from './fit-types';
import { checkKnownKeys } from './known-keys';

/**
 * The names of {@link FitOptions}, the one options shape of every model's `fit`: a model
 * checks its options against these (plus its own) before anything trains.
 * @example
 * ```ts
 * checkKnownKeys(options, [...FIT_OPTION_NAMES, 'beta'], 'VAE.fit');
 * ```
 */
export const FIT_OPTION_NAMES = [
  'epochs',
  'batchSize',
  'seed',
  'shuffle',
  'validationData',
  'callbacks',
  'earlyStopping',
  'signal',
  'learningRate',
  'optimizer',
] as const satisfies readonly (keyof FitOptions)[];

const FIT_KEYS = ['loss', 'variables', 'data', 'validationLoss', ...FIT_OPTION_NAMES] as const;

/** fit's options with their defaults filled in. */
export interface CheckedFitOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  shuffle: boolean;
  learningRate: number | ((epoch: number) => number);
}

const fail = (name: string, expected: string, got: unknown): never => {
  throw new TypeError(`fit: ${name} must be ${expected}, got ${describeValue(got)}`);
};
const isPositiveInteger = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 1;

/** Checks every option of `fit` before anything is trained; each error names the option, the expectation and what came. */
export function checkFitOptions<B>(args: FitArgs<B>): CheckedFitOptions {
  checkKnownKeys(args, FIT_KEYS, 'fit');
  const { epochs = 1, batchSize = 128, seed = 0, shuffle = true, learningRate = 1e-3 } = args;
  if (typeof args.loss !== 'function') fail('loss', 'a function batch => loss', args.loss);
  if (args.validationLoss != null && typeof args.validationLoss !== 'function')
    fail('validationLoss', 'a function batch => loss', args.validationLoss);
  if (!Array.isArray(args.variables)) fail('variables', 'an array of tf.Variable', args.variables);
  args.variables.forEach((v, i) => {
    if (!(v instanceof tf.Variable)) fail(`variables[${i}]`, 'a tf.Variable', v);
  });
  checkFitData(args.data, 'fit: data');
  if (args.validationData != null) checkFitData(args.validationData, 'fit: validationData');
  if (!isPositiveInteger(epochs)) fail('epochs', 'an integer >= 1', epochs);
  if (!isPositiveInteger(batchSize)) fail('batchSize', 'an integer >= 1', batchSize);
  if (!Number.isInteger(seed)) fail('seed', 'an integer', seed);
  if (typeof shuffle !== 'boolean') fail('shuffle', 'a boolean', shuffle);
  const rateOk =
    typeof learningRate === 'function' || (typeof learningRate === 'number' && Number.isFinite(learningRate) && learningRate > 0);
  if (!rateOk) fail('learningRate', 'a finite number > 0 or a function epoch => rate', learningRate);
  if (args.optimizer != null && !(args.optimizer instanceof tf.Optimizer)) fail('optimizer', 'a tf.Optimizer', args.optimizer);
  if (args.signal != null && typeof (args.signal as { aborted?: unknown }).aborted !== 'boolean')
    fail('signal', 'an AbortSignal', args.signal);
  if (args.callbacks != null) checkCallbacks(args.callbacks);
  return { epochs, batchSize, seed, shuffle, learningRate };
}

function checkCallbacks(callbacks: unknown): void {
  checkKnownKeys(callbacks, ['onBatchEnd', 'onEpochEnd'], 'fit: callbacks');
  for (const [name, f] of Object.entries(callbacks as Record<string, unknown>)) {
    if (f != null && typeof f !== 'function') fail(`callbacks.${name}`, 'a function', f);
  }
}

/** Sets the optimizer's learning rate for an epoch of a schedule, checking the rate the schedule gave. */
export function setLearningRate(optimizer: tf.Optimizer, value: number, epoch: number): void {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
    throw new Error(`fit: learningRate(${epoch}) must be a finite number > 0, got ${describeValue(value)}`);
  }
  const o = optimizer as unknown as { learningRate?: unknown; setLearningRate?: (rate: number) => void };
  if (typeof o.learningRate !== 'number') {
    throw new Error('fit: a learningRate schedule needs an optimizer with a numeric learningRate field (adam, sgd, rmsprop, ...)');
  }
  // SGD (and momentum) cache -rate in a tensor and offer setLearningRate; the others read the field per step.
  if (typeof o.setLearningRate === 'function') o.setLearningRate(value);
  else o.learningRate = value;
}
