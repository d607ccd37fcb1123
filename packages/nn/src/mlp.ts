import { checkKnownKeys, foldIn } from '@elbo/prob';
import { checkActivation } from './activations';
import type { ActivationName } from './activations';
import { Linear } from './linear';
import type { LinearInit } from './linear';
import { Sequential } from './sequential';
import type { SequentialConfig } from './sequential';

/**
 * Options of {@link mlp}.
 * @example
 * ```ts
 * const options: MlpOptions = { activation: 'tanh', outputActivation: 'linear', seed: 3 };
 * ```
 */
export interface MlpOptions {
  /** Nonlinearity after every hidden layer. Default `'relu'`. */
  activation?: ActivationName;
  /** Nonlinearity after the last layer. Default `'linear'` (logits / unconstrained outputs). */
  outputActivation?: ActivationName;
  /** Seed of the initializers; layer i is seeded with `foldIn(seed, i)`. Default 0. */
  seed?: number;
  /** Initializer of every {@link Linear}: `'pytorch'` (default, nn.Linear's), `'glorot'` or `'zeros'`. */
  init?: LinearInit;
  /** Whether the layers have biases. Default true. */
  bias?: boolean;
}

/**
 * The config an MLP was stored with before layers became values (`Mlp.getConfig()` of
 * @elbo/autoencoder): still read by {@link loadModelRecord}, converted with {@link mlpConfigToSequential}.
 * @example
 * ```ts
 * const old: MlpConfig = { sizes: [784, 400, 20], activation: 'relu', outputActivation: 'linear', seed: 0, init: 'pytorch', bias: true };
 * ```
 */
export interface MlpConfig {
  sizes: number[];
  activation: ActivationName;
  outputActivation: ActivationName;
  seed: number;
  init: LinearInit;
  bias: boolean;
}

const OPTIONS = ['activation', 'outputActivation', 'seed', 'init', 'bias'];

/**
 * A multilayer perceptron: sugar for a {@link Sequential} of {@link Linear}
 * layers with fused activations.
 *
 * ```
 * h_0 = x,  h_i = act(h_{i-1} W_i + b_i)  (i < L),  y = outAct(h_{L-1} W_L + b_L)
 * ```
 *
 * Weights are named `layer<i>/kernel` ([sizes[i], sizes[i+1]]) and `layer<i>/bias`.
 * @param sizes - layer widths, input first: `[784, 400, 20]` is 784 -> 400 -> 20 (two layers).
 * @param options - see {@link MlpOptions}.
 * @returns a Sequential that owns its variables (call `dispose()` when done).
 * @example
 * ```ts
 * const encoder = mlp([784, 400, 20], { activation: 'relu', seed: 0 });
 * const z = encoder.apply(tf.zeros([8, 784])); // [8, 20]
 * ```
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Sequential {
  const caller = 'mlp';
  checkKnownKeys(options, OPTIONS, caller);
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new Error(`${caller}: sizes must list at least 2 widths (input and output), got ${JSON.stringify(sizes) ?? String(sizes)}`);
  }
  const bad = sizes.findIndex((s) => !Number.isInteger(s) || s < 1);
  if (bad >= 0) throw new Error(`${caller}: sizes must be positive integers, got ${sizes[bad]} at index ${bad}`);
  const activation = checkActivation(options.activation ?? 'relu', 'activation', caller);
  const outputActivation = checkActivation(options.outputActivation ?? 'linear', 'outputActivation', caller);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`${caller}: seed must be a finite number, got ${String(seed)}`);
  const init = options.init ?? 'pytorch';
  if (init !== 'pytorch' && init !== 'glorot' && init !== 'zeros')
    throw new Error(`${caller}: init must be 'pytorch', 'glorot' or 'zeros', got ${String(init)}`);
  const bias = options.bias ?? true;
  if (typeof bias !== 'boolean') throw new Error(`${caller}: bias must be a boolean, got ${String(bias)}`);
  const last = sizes.length - 2;
  const layers: Linear[] = [];
  try {
    for (let i = 0; i <= last; i++) {
      const act = i === last ? outputActivation : activation;
      layers.push(
        new Linear({
          inputDim: sizes[i]!,
          outputDim: sizes[i + 1]!,
          bias,
          init,
          seed: foldIn(seed, i),
          activation: act,
          name: `mlp_layer${i}`,
        }),
      );
    }
  } catch (error) {
    layers.forEach((l) => l.dispose());
    throw error;
  }
  return new Sequential(layers);
}

/**
 * The {@link SequentialConfig} of an MLP stored in the old {@link MlpConfig} form:
 * Linear layers with fused activations, so the stored `layer<i>/kernel` and
 * `layer<i>/bias` weights fit it as they are.
 * @example
 * ```ts
 * const net = layerFromConfig(mlpConfigToSequential(old));
 * ```
 */
export function mlpConfigToSequential(config: MlpConfig): SequentialConfig {
  const { sizes, activation, outputActivation, seed, init, bias } = config;
  if (!Array.isArray(sizes) || sizes.length < 2)
    throw new Error(`mlpConfigToSequential: sizes must list at least 2 widths, got ${JSON.stringify(sizes)}`);
  const last = sizes.length - 2;
  return {
    kind: 'Sequential',
    inputShape: [sizes[0]!],
    layers: sizes.slice(1).map((outputDim, i) => ({
      kind: 'Linear',
      inputDim: sizes[i]!,
      outputDim,
      bias: bias ?? true,
      init: init ?? 'pytorch',
      seed: foldIn(seed ?? 0, i),
      activation: i === last ? (outputActivation ?? 'linear') : (activation ?? 'relu'),
      name: `mlp_layer${i}`,
    })),
  };
}

/**
 * Whether a config is an old-style {@link MlpConfig} (`sizes` and no `kind`).
 * @example
 * ```ts
 * isMlpConfig({ sizes: [2, 1], activation: 'relu', outputActivation: 'linear', seed: 0, init: 'pytorch', bias: true }); // true
 * ```
 */
export function isMlpConfig(config: unknown): config is MlpConfig {
  return config != null && typeof config === 'object' && !('kind' in config) && Array.isArray((config as { sizes?: unknown }).sizes);
}
