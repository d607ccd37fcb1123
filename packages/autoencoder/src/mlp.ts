import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@elbo/linear';
import type { LinearInit } from '@elbo/linear';
import { ACTIVATIONS, affine } from './affine';
import type { Activation } from './affine';

/**
 * Options of {@link mlp}.
 * @example
 * ```ts
 * const options: MlpOptions = { activation: 'tanh', outputActivation: 'linear', seed: 3 };
 * ```
 */
export interface MlpOptions {
  /** Nonlinearity after every hidden layer. Default `'relu'`. */
  activation?: Activation;
  /** Nonlinearity after the last layer. Default `'linear'` (logits / unconstrained outputs). */
  outputActivation?: Activation;
  /** Seed of the initializer; layer i is seeded with `seed + 7919 * i`. Default 0. */
  seed?: number;
  /** Initializer of every {@link Linear}: `'pytorch'` (default, nn.Linear's), `'glorot'` or `'zeros'`. */
  init?: LinearInit;
  /** Whether the layers have biases. Default true. */
  bias?: boolean;
}

/**
 * Everything needed to rebuild an {@link Mlp} (fresh weights): {@link Mlp.getConfig}'s result.
 * @example
 * ```ts
 * const twin = new Mlp(net.getConfig()); // same architecture and initial weights
 * ```
 */
export interface MlpConfig {
  sizes: number[];
  activation: Activation;
  outputActivation: Activation;
  seed: number;
  init: LinearInit;
  bias: boolean;
}

/**
 * What a model part must offer to be trained by {@link fitModel} or used in an {@link Autoencoder}.
 * @example
 * ```ts
 * const identity: Module = { apply: (x) => tf.clone(x), trainableVariables: [], dispose: () => {} };
 * ```
 */
export interface Module {
  /** Maps a [batch, inputDim] tensor to a [batch, outputDim] tensor. */
  apply(x: tf.Tensor): tf.Tensor;
  /** The variables an optimizer updates. */
  readonly trainableVariables: tf.Variable[];
  /** Frees the variables. */
  dispose(): void;
}

/**
 * Builds a multilayer perceptron: a stack of {@link Linear} layers with a
 * nonlinearity between them.
 *
 * ```
 * h_0 = x,  h_i = act(h_{i-1} W_i + b_i)  (i < L),  y = outAct(h_{L-1} W_L + b_L)
 * ```
 *
 * @param sizes - layer widths, input first: `[784, 400, 20]` is 784 -> 400 -> 20 (two layers).
 * @param options - see {@link MlpOptions}.
 * @returns an {@link Mlp} that owns its variables (call `dispose()` when done).
 * @example
 * ```ts
 * const encoder = mlp([784, 400, 20], { activation: 'relu', seed: 0 });
 * const z = encoder.apply(tf.zeros([8, 784])); // [8, 20]
 * ```
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Mlp {
  return new Mlp({
    sizes: [...sizes],
    activation: options.activation ?? 'relu',
    outputActivation: options.outputActivation ?? 'linear',
    seed: options.seed ?? 0,
    init: options.init ?? 'pytorch',
    bias: options.bias ?? true,
  });
}

/**
 * A multilayer perceptron of {@link Linear} layers; made by {@link mlp}.
 *
 * Weights are named `layer<i>/kernel` ([sizes[i], sizes[i+1]]) and `layer<i>/bias`.
 * @example
 * ```ts
 * const net = mlp([4, 8, 2], { seed: 1 });
 * const y = net.apply(tf.ones([3, 4])); // [3, 2]
 * ```
 */
export class Mlp implements Module {
  /** The layers, input side first. */
  readonly layers: readonly Linear[];
  private readonly config: MlpConfig;

  /** Builds the network from a full config (see {@link mlp} for the friendly form). */
  constructor(config: MlpConfig) {
    checkConfig(config);
    this.config = { ...config, sizes: [...config.sizes] };
    const { sizes, seed, init, bias } = this.config;
    this.layers = sizes.slice(1).map(
      (outputDim, i) => new Linear({ inputDim: sizes[i]!, outputDim, bias, init, seed: seed + 7919 * i, name: `mlp_layer${i}` }),
    );
  }

  /** Width of the input. */
  get inputDim(): number {
    return this.config.sizes[0]!;
  }

  /** Width of the output. */
  get outputDim(): number {
    return this.config.sizes[this.config.sizes.length - 1]!;
  }

  /** All variables, layer by layer: `[W_1, b_1, W_2, b_2, ...]`. */
  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainableVariables);
  }

  /**
   * Runs the network.
   * @param x - shape [batch, inputDim] (or [inputDim] for one example).
   * @returns shape [batch, outputDim] (or [outputDim]).
   */
  apply(x: tf.Tensor | number[] | number[][]): tf.Tensor {
    return tf.tidy(() => {
      const t = x instanceof tf.Tensor ? x : tf.tensor(x as number[]);
      if ((t.rank !== 1 && t.rank !== 2) || t.shape[t.rank - 1] !== this.inputDim) {
        throw new Error(`Mlp.apply: x must have shape [batch, ${this.inputDim}] or [${this.inputDim}], got [${t.shape.join(', ')}]`);
      }
      let h = (t.rank === 1 ? tf.reshape(t, [1, this.inputDim]) : t) as tf.Tensor2D;
      if (h.dtype !== 'float32') h = tf.cast(h, 'float32');
      const last = this.layers.length - 1;
      this.layers.forEach((layer, i) => {
        const act = i === last ? this.config.outputActivation : this.config.activation;
        h = affine(h, layer.kernel as tf.Tensor2D, layer.bias as tf.Tensor1D | null, act);
      });
      return t.rank === 1 ? tf.reshape(h, [this.outputDim]) : h;
    });
  }

  /** The config (a copy): `new Mlp(net.getConfig())` rebuilds the architecture with fresh weights. */
  getConfig(): MlpConfig {
    return { ...this.config, sizes: [...this.config.sizes] };
  }

  /** Name and shape of every weight, in {@link Mlp.trainableVariables} order. */
  weightSpecs(): { name: string; shape: number[] }[] {
    return this.layers.flatMap((l, i) => [
      { name: `layer${i}/kernel`, shape: [l.inputDim, l.outputDim] },
      ...(l.bias == null ? [] : [{ name: `layer${i}/bias`, shape: [l.outputDim] }]),
    ]);
  }

  /** Copies of the weights by name (`layer0/kernel`, `layer0/bias`, ...); the caller disposes them. */
  getWeights(): tf.NamedTensorMap {
    const vars = this.trainableVariables;
    return Object.fromEntries(this.weightSpecs().map((spec, i) => [spec.name, tf.clone(vars[i]!)]));
  }

  /**
   * Overwrites every weight from a name -> tensor map (as {@link Mlp.getWeights} gives).
   * Names, shapes and finiteness are all checked before any weight changes.
   */
  setWeights(weights: tf.NamedTensorMap): void {
    const specs = this.weightSpecs();
    const expected = new Set(specs.map((s) => s.name));
    const extra = Object.keys(weights).filter((name) => !expected.has(name));
    if (extra.length > 0) throw new Error(`Mlp.setWeights: unexpected weight(s) ${extra.join(', ')}; expected ${[...expected].join(', ')}`);
    for (const { name, shape } of specs) {
      const w = weights[name];
      if (w == null) throw new Error(`Mlp.setWeights: weight ${name} is missing (expected shape [${shape.join(', ')}])`);
      if (!tf.util.arraysEqual(w.shape, shape)) {
        throw new Error(`Mlp.setWeights: weight ${name} must have shape [${shape.join(', ')}], got [${w.shape.join(', ')}]`);
      }
    }
    const finite = tf.tidy(() => specs.map(({ name }) => tf.all(tf.isFinite(weights[name]!)).dataSync()[0] === 1));
    const bad = finite.indexOf(false);
    if (bad >= 0) throw new Error(`Mlp.setWeights: weight ${specs[bad]!.name} must be finite, got a NaN or infinite value`);
    const vars = this.trainableVariables;
    tf.tidy(() => specs.forEach(({ name }, i) => vars[i]!.assign(tf.cast(weights[name]!, 'float32'))));
  }

  /** Frees every layer's variables. */
  dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}

function checkConfig(config: MlpConfig): void {
  const { sizes, activation, outputActivation, seed } = config;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new Error(`mlp: sizes must list at least 2 widths (input and output), got ${JSON.stringify(sizes)}`);
  }
  const bad = sizes.findIndex((s) => !Number.isInteger(s) || s < 1);
  if (bad >= 0) throw new Error(`mlp: sizes must be positive integers, got ${sizes[bad]} at index ${bad}`);
  for (const [name, a] of [['activation', activation], ['outputActivation', outputActivation]] as const) {
    if (!ACTIVATIONS.includes(a)) throw new Error(`mlp: ${name} must be one of ${ACTIVATIONS.join(', ')}, got ${String(a)}`);
  }
  if (!Number.isFinite(seed)) throw new Error(`mlp: seed must be a finite number, got ${seed}`);
}
