import * as tf from '@tensorflow/tfjs-core';
import { assertBackend, checkKnownKeys, foldIn, tfjsSeed } from '@elbo/prob';
import { checkActivation } from './activations';
import type { ActivationName } from './activations';
import { dense } from './dense';
import { Layer, LayerShapeError, uniqueVariablePrefix } from './layer';
import type { LayerConfig, WeightSpec } from './layer';
import { registerLayer } from './registry';

/**
 * How a {@link Linear} layer draws its initial weights.
 * @example
 * ```ts
 * const init: LinearInit = 'glorot';
 * ```
 */
export type LinearInit = 'pytorch' | 'glorot' | 'zeros';

/**
 * Options of {@link linear} / `new Linear(...)`.
 * @example
 * ```ts
 * const options: LinearOptions = { inputDim: 784, outputDim: 400, activation: 'relu', seed: 1 };
 * ```
 */
export interface LinearOptions {
  /** Number of input features (fan-in), a positive integer. */
  inputDim: number;
  /** Number of output features (fan-out), a positive integer. */
  outputDim: number;
  /** Whether the layer adds a bias `b`. Default true. */
  bias?: boolean;
  /**
   * Initializer. `'pytorch'` (default) is `nn.Linear`'s: W and b uniform in
   * ±1/sqrt(inputDim). `'glorot'` is Glorot/Xavier uniform for W
   * (±sqrt(6 / (inputDim + outputDim))) with b = 0. `'zeros'` sets everything to 0.
   */
  init?: LinearInit;
  /** Seed of the initializer; same seed, same weights. Default 0. */
  seed?: number;
  /** Activation applied to `x W + b`, as Keras' Dense `activation`. Default `'linear'` (none). */
  activation?: ActivationName;
  /** Name prefix of the variables (tfjs wants unique variable names; a counter is appended). Default `'linear'`. */
  name?: string;
}

/**
 * {@link Linear.getConfig}'s result.
 * @example
 * ```ts
 * const config: LinearConfig = linear({ inputDim: 2, outputDim: 1 }).getConfig(); // kind 'Linear'
 * ```
 */
export interface LinearConfig extends LayerConfig, Required<LinearOptions> {
  kind: 'Linear';
}

/**
 * The weights of a {@link Linear} layer as plain arrays (row-major `W`, shape [inputDim, outputDim]).
 * @example
 * ```ts
 * const w: LinearWeights = { kernel: [1, 2, 3, 4], bias: null }; // a 2 x 2 W, no bias
 * ```
 */
export interface LinearWeights {
  kernel: number[];
  bias: number[] | null;
}

const OPTIONS = ['inputDim', 'outputDim', 'bias', 'init', 'seed', 'activation', 'name', 'kind'];

/**
 * The affine layer `y = act(x W + b)`, owning its `tf.Variable`s.
 *
 * ```
 * y[n, j] = act( sum_i x[n, i] W[i, j] + b[j] )      W: [inputDim, outputDim], b: [outputDim]
 * ```
 *
 * The default initializer matches PyTorch's `nn.Linear` (uniform ±1/sqrt(fan_in)
 * for W and b), drawn from a seeded generator so the same seed gives the same layer.
 * Weights are named `kernel` and `bias`, as in a Keras Dense layer.
 * @example
 * ```ts
 * const layer = new Linear({ inputDim: 784, outputDim: 20, seed: 1 });
 * const y = layer.apply(tf.zeros([32, 784])); // [32, 20]
 * layer.dispose();
 * ```
 */
export class Linear extends Layer {
  readonly kind = 'Linear';
  /** The weight matrix W, shape [inputDim, outputDim]. */
  readonly kernel: tf.Variable;
  /** The bias b, shape [outputDim], or null when the layer has none. */
  readonly bias: tf.Variable | null;
  private readonly config: LinearConfig;

  constructor(options: LinearOptions) {
    super();
    const caller = 'Linear';
    if (options == null || typeof options !== 'object')
      throw new TypeError(`${caller}: options must be an object { inputDim, outputDim, ... }, got ${String(options)}`);
    checkKnownKeys(options, OPTIONS, caller);
    assertBackend(caller); // it makes its variables now: say what is missing rather than tfjs' bare "No backend found"
    const { inputDim, outputDim } = options;
    for (const [name, v] of [
      ['inputDim', inputDim],
      ['outputDim', outputDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${caller}: ${name} must be a positive integer, got ${v}`);
    }
    const init = options.init ?? 'pytorch';
    if (init !== 'pytorch' && init !== 'glorot' && init !== 'zeros') {
      throw new Error(`${caller}: init must be 'pytorch', 'glorot' or 'zeros', got ${String(init)}`);
    }
    const seed = options.seed ?? 0;
    if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`${caller}: seed must be a finite number, got ${String(seed)}`);
    const bias = options.bias ?? true;
    if (typeof bias !== 'boolean') throw new Error(`${caller}: bias must be a boolean, got ${String(bias)}`);
    const activation = checkActivation(options.activation ?? 'linear', 'activation', caller);
    const name = options.name ?? 'linear';
    if (typeof name !== 'string' || name === '') throw new Error(`${caller}: name must be a non-empty string, got ${String(name)}`);
    this.config = { kind: 'Linear', inputDim, outputDim, bias, init, seed, activation, name };
    const prefix = uniqueVariablePrefix(name);
    const [w, b] = tf.tidy(() => initialWeights(this.config));
    this.kernel = tf.variable(w, true, `${prefix}/kernel`);
    this.bias = bias ? tf.variable(b, true, `${prefix}/bias`) : null;
    w.dispose();
    b.dispose();
  }

  /** Number of input features. */
  get inputDim(): number {
    return this.config.inputDim;
  }

  /** Number of output features. */
  get outputDim(): number {
    return this.config.outputDim;
  }

  /** The activation applied after `x W + b` (`'linear'`: none). */
  get activation(): ActivationName {
    return this.config.activation;
  }

  /** The variables an optimizer should update: `[kernel, bias]` (bias only if present). */
  get trainableVariables(): tf.Variable[] {
    return this.bias == null ? [this.kernel] : [this.kernel, this.bias];
  }

  protected override itemRank(): number {
    return 1;
  }

  protected override computeOutputShape(inputShape: readonly number[]): number[] {
    if (inputShape.length !== 1 || inputShape[0] !== this.inputDim) {
      throw new LayerShapeError(
        `Linear takes items of shape [${this.inputDim}], got [${inputShape.join(', ')}] (flatten() first for images)`,
      );
    }
    return [this.outputDim];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return dense(x as tf.Tensor2D, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D | null, this.activation);
  }

  /** The options, `kind` included: `new Linear(layer.getConfig())` rebuilds an identical layer (same seed, same initial weights). */
  getConfig(): LinearConfig {
    return { ...this.config };
  }

  /** `kernel` [inputDim, outputDim] and (when present) `bias` [outputDim]. */
  weightSpecs(): WeightSpec[] {
    return [
      { name: 'kernel', shape: [this.inputDim, this.outputDim] },
      ...(this.bias == null ? [] : [{ name: 'bias', shape: [this.outputDim] }]),
    ];
  }

  /**
   * Overwrites the weights, from named tensors (`{ kernel, bias }`, as {@link Layer.getWeights} gives)
   * or from plain arrays ({@link LinearWeights}, as {@link Linear.toJSON} gives). Everything is checked
   * before anything changes.
   */
  override setWeights(weights: tf.NamedTensorMap | LinearWeights): void {
    if (weights != null && Array.isArray((weights as LinearWeights).kernel)) {
      this.setWeightArrays(weights as LinearWeights);
    } else {
      super.setWeights(weights as tf.NamedTensorMap);
    }
  }

  private setWeightArrays(weights: LinearWeights): void {
    const nk = this.inputDim * this.outputDim;
    if (weights.kernel.length !== nk) {
      throw new Error(
        `Linear.setWeights: kernel must have ${nk} values ([${this.inputDim}, ${this.outputDim}]), got ${weights.kernel.length}`,
      );
    }
    if ((weights.bias == null) !== (this.bias == null)) {
      throw new Error(`Linear.setWeights: bias must be ${this.bias == null ? 'null' : 'an array'} for this layer`);
    }
    if (weights.bias != null && weights.bias.length !== this.outputDim) {
      throw new Error(`Linear.setWeights: bias must have ${this.outputDim} values, got ${weights.bias.length}`);
    }
    const bad = weights.kernel.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new Error(`Linear.setWeights: kernel must be finite, got ${weights.kernel[bad]} at index ${bad}`);
    const badBias = weights.bias?.findIndex((v) => !Number.isFinite(v)) ?? -1;
    if (badBias >= 0) throw new Error(`Linear.setWeights: bias must be finite, got ${weights.bias![badBias]} at index ${badBias}`);
    tf.tidy(() => {
      this.kernel.assign(tf.tensor2d(weights.kernel, [this.inputDim, this.outputDim]));
      if (this.bias != null && weights.bias != null) this.bias.assign(tf.tensor1d(weights.bias));
    });
  }

  /**
   * Serializable form: config plus weights as plain arrays.
   * @example
   * ```ts
   * const json = JSON.stringify(layer.toJSON());
   * ```
   */
  toJSON(): { config: LinearConfig; weights: LinearWeights } {
    return {
      config: this.getConfig(),
      weights: { kernel: Array.from(this.kernel.dataSync()), bias: this.bias == null ? null : Array.from(this.bias.dataSync()) },
    };
  }

  /**
   * Rebuilds a layer from {@link Linear.getConfig} (fresh initial weights), with the given weights if any.
   * @example
   * ```ts
   * const twin = Linear.fromConfig(layer.getConfig(), layer.toJSON().weights);
   * ```
   */
  static fromConfig(config: LinearOptions, weights?: LinearWeights): Linear {
    const layer = new Linear(config);
    try {
      if (weights != null) layer.setWeights(weights);
    } catch (error) {
      layer.dispose();
      throw error;
    }
    return layer;
  }

  /**
   * Rebuilds a layer, weights included, from {@link Linear.toJSON}'s output.
   * @example
   * ```ts
   * const copy = Linear.fromJSON(JSON.parse(JSON.stringify(layer.toJSON())));
   * ```
   */
  static fromJSON(json: { config: LinearOptions; weights: LinearWeights }): Linear {
    return Linear.fromConfig(json.config, json.weights);
  }
}

/**
 * Makes a {@link Linear} layer: `act(x W + b)`.
 * @param options - see {@link LinearOptions}.
 * @example
 * ```ts
 * const hidden = linear({ inputDim: 784, outputDim: 400, activation: 'relu', seed: 0 });
 * ```
 */
export function linear(options: LinearOptions): Linear {
  return new Linear(options);
}

function initialWeights(c: LinearConfig): [tf.Tensor2D, tf.Tensor1D] {
  const { inputDim, outputDim, init, seed } = c;
  if (init === 'zeros') return [tf.zeros([inputDim, outputDim]), tf.zeros([outputDim])];
  if (init === 'glorot') {
    const limit = Math.sqrt(6 / (inputDim + outputDim));
    return [tf.randomUniform([inputDim, outputDim], -limit, limit, 'float32', tfjsSeed(seed)), tf.zeros([outputDim])];
  }
  const bound = 1 / Math.sqrt(inputDim);
  return [
    tf.randomUniform([inputDim, outputDim], -bound, bound, 'float32', tfjsSeed(seed)),
    tf.randomUniform([outputDim], -bound, bound, 'float32', tfjsSeed(foldIn(seed, 1))),
  ];
}

registerLayer('Linear', { fromConfig: (config) => new Linear(config as unknown as LinearOptions) });
