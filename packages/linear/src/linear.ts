import * as tf from '@tensorflow/tfjs-core';
import { tfjsSeed } from '@elbo/prob';

/** How a {@link Linear} layer draws its initial weights. */
export type LinearInit = 'pytorch' | 'glorot' | 'zeros';

/** Constructor options of {@link Linear}. */
export interface LinearConfig {
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
  /** Name prefix of the variables (unique names are required by tfjs). Default `'linear'`. */
  name?: string;
}

/** The weights of a {@link Linear} layer as plain arrays (row-major `W`, shape [inputDim, outputDim]). */
export interface LinearWeights {
  kernel: number[];
  bias: number[] | null;
}

let layerCounter = 0;

/**
 * The affine layer `y = x W + b`, owning its `tf.Variable`s.
 *
 * ```
 * y[n, j] = sum_i x[n, i] W[i, j] + b[j]      W: [inputDim, outputDim], b: [outputDim]
 * ```
 *
 * The default initializer matches PyTorch's `nn.Linear` (uniform ±1/sqrt(fan_in)
 * for W and b), drawn from a seeded generator so the same seed gives the same layer.
 *
 * @example
 * ```ts
 * const layer = new Linear({ inputDim: 784, outputDim: 20, seed: 1 });
 * const y = layer.apply(tf.zeros([32, 784])); // [32, 20]
 * layer.dispose();
 * ```
 */
export class Linear {
  /** The weight matrix W, shape [inputDim, outputDim]. */
  readonly kernel: tf.Variable;
  /** The bias b, shape [outputDim], or null when the layer has none. */
  readonly bias: tf.Variable | null;
  private readonly config: Required<LinearConfig>;

  constructor(config: LinearConfig) {
    const { inputDim, outputDim } = config;
    for (const [name, v] of [
      ['inputDim', inputDim],
      ['outputDim', outputDim],
    ] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Linear: ${name} must be a positive integer, got ${v}`);
    }
    const init = config.init ?? 'pytorch';
    if (init !== 'pytorch' && init !== 'glorot' && init !== 'zeros') {
      throw new Error(`Linear: init must be 'pytorch', 'glorot' or 'zeros', got ${String(init)}`);
    }
    const seed = config.seed ?? 0;
    if (!Number.isFinite(seed)) throw new Error(`Linear: seed must be a finite number, got ${seed}`);
    const name = config.name ?? 'linear';
    this.config = { inputDim, outputDim, bias: config.bias ?? true, init, seed, name };
    const id = layerCounter++;
    const [w, b] = tf.tidy(() => initialWeights(this.config));
    this.kernel = tf.variable(w, true, `${name}_${id}/kernel`);
    this.bias = this.config.bias ? tf.variable(b, true, `${name}_${id}/bias`) : null;
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

  /** The variables an optimizer should update: `[kernel, bias]` (bias only if present). */
  get trainableVariables(): tf.Variable[] {
    return this.bias == null ? [this.kernel] : [this.kernel, this.bias];
  }

  /**
   * Applies the layer: `x W + b`.
   * @param x input, shape [batch, inputDim] (or [inputDim] for one example): a
   *   tensor (not disposed), `number[][]` or `number[]`.
   * @returns shape [batch, outputDim] (or [outputDim]).
   * @throws naming `x`, the shape expected and what came, for anything else.
   */
  apply(x: tf.Tensor | number[] | number[][]): tf.Tensor {
    return tf.tidy(() => {
      const t = x instanceof tf.Tensor ? x : inputTensor(x, this.inputDim);
      if (t.dtype === 'string') throw new Error(`Linear.apply: x must be a numeric tensor, got a string tensor of shape [${t.shape}]`);
      if (t.rank !== 1 && t.rank !== 2) throw new Error(`Linear.apply: x must have rank 1 or 2, got shape [${t.shape}]`);
      const last = t.shape[t.rank - 1];
      if (last !== this.inputDim) {
        throw new Error(`Linear.apply: x must have ${this.inputDim} features in its last axis, got shape [${t.shape}]`);
      }
      const x2 = t.rank === 1 ? tf.reshape(t, [1, this.inputDim]) as tf.Tensor2D : (t as tf.Tensor2D);
      // Plain matMul + add rather than tf.fused.matMul: the fused op's gradient
      // multiplies with transpose flags, the wasm backend's slow path (about
      // 11x slower per layer, measured), and bypasses the faster matMul
      // gradient that @elbo/backend-node registers.
      const y = this.bias == null ? tf.matMul(x2, this.kernel) : tf.add(tf.matMul(x2, this.kernel), this.bias);
      return t.rank === 1 ? tf.reshape(y, [this.outputDim]) : y;
    });
  }

  /** The constructor options, enough to rebuild an identical layer with {@link Linear.fromConfig}. */
  getConfig(): Required<LinearConfig> {
    return { ...this.config };
  }

  /** Current weights as plain arrays (a copy). */
  getWeights(): LinearWeights {
    return {
      kernel: Array.from(this.kernel.dataSync()),
      bias: this.bias == null ? null : Array.from(this.bias.dataSync()),
    };
  }

  /** Overwrites the weights; shapes are checked before anything changes. */
  setWeights(weights: LinearWeights): void {
    const nk = this.inputDim * this.outputDim;
    if (weights.kernel.length !== nk) {
      throw new Error(`Linear.setWeights: kernel must have ${nk} values ([${this.inputDim}, ${this.outputDim}]), got ${weights.kernel.length}`);
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

  /** Serializable form: config plus weights. */
  toJSON(): { config: Required<LinearConfig>; weights: LinearWeights } {
    return { config: this.getConfig(), weights: this.getWeights() };
  }

  /** Rebuilds a layer from {@link Linear.getConfig} (fresh initial weights) or {@link Linear.toJSON} (exact weights). */
  static fromConfig(config: LinearConfig, weights?: LinearWeights): Linear {
    const layer = new Linear(config);
    if (weights != null) layer.setWeights(weights);
    return layer;
  }

  /** Rebuilds a layer, weights included, from {@link Linear.toJSON}'s output. */
  static fromJSON(json: { config: LinearConfig; weights: LinearWeights }): Linear {
    return Linear.fromConfig(json.config, json.weights);
  }

  /** Frees the variables. */
  dispose(): void {
    this.kernel.dispose();
    this.bias?.dispose();
  }
}

/**
 * The float32 tensor of an array input of {@link Linear.apply}: `number[]`
 * (or a typed array) for one example, or a rectangular `number[][]` (rows may
 * be typed arrays); anything else throws naming `x`, the shape expected and
 * what came. Call inside a tidy.
 */
function inputTensor(x: unknown, inputDim: number): tf.Tensor {
  const fail = (got: string): never => {
    throw new Error(`Linear.apply: x must be a tensor, number[] or number[][] of shape [batch, ${inputDim}] or [${inputDim}], got ${got}`);
  };
  if (isNumberArray(x)) return tf.tensor1d(x as number[], 'float32');
  if (!Array.isArray(x)) return fail(describeValue(x));
  if (!isRow(x[0])) {
    const i = x.findIndex((v: unknown) => typeof v !== 'number');
    return fail(`${describeValue(x[i])} at index ${i}`);
  }
  const width = (x[0] as ArrayLike<unknown>).length;
  x.forEach((row: unknown, i) => {
    if (!isRow(row)) fail(`${describeValue(row)} at row ${i} of a nested array`);
    const r = row as ArrayLike<unknown>;
    if (r.length !== width) fail(`rows of unequal length: ${width} at row 0, ${r.length} at row ${i}`);
    if (Array.isArray(r)) {
      const j = r.findIndex((v: unknown) => typeof v !== 'number');
      if (j >= 0) fail(`${describeValue(r[j])} at index [${i}, ${j}]`);
    }
  });
  const data = new Float32Array(x.length * width);
  x.forEach((row, i) => data.set(row as ArrayLike<number>, i * width));
  return tf.tensor2d(data, [x.length, width], 'float32');
}

/** A typed array of numbers (not a DataView, not bigints). */
function isNumericTypedArray(x: unknown): boolean {
  return ArrayBuffer.isView(x) && !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
}

/** `number[]` (every element a number) or a numeric typed array. */
function isNumberArray(x: unknown): boolean {
  return isNumericTypedArray(x) || (Array.isArray(x) && x.every((v: unknown) => typeof v === 'number'));
}

/** One row of a nested input: an array or a numeric typed array (elements checked by the caller). */
function isRow(x: unknown): boolean {
  return Array.isArray(x) || isNumericTypedArray(x);
}

function describeValue(x: unknown): string {
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (typeof x === 'string') return `string ${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}...` : x)}`;
  if (typeof x === 'object') return (x as { constructor?: { name?: string } }).constructor?.name || 'an object';
  return `${typeof x} ${String(x)}`;
}

function initialWeights(c: Required<LinearConfig>): [tf.Tensor2D, tf.Tensor1D] {
  const { inputDim, outputDim, init, seed } = c;
  if (init === 'zeros') return [tf.zeros([inputDim, outputDim]), tf.zeros([outputDim])];
  if (init === 'glorot') {
    const limit = Math.sqrt(6 / (inputDim + outputDim));
    return [tf.randomUniform([inputDim, outputDim], -limit, limit, 'float32', tfjsSeed(seed)), tf.zeros([outputDim])];
  }
  const bound = 1 / Math.sqrt(inputDim);
  return [
    tf.randomUniform([inputDim, outputDim], -bound, bound, 'float32', tfjsSeed(seed)),
    tf.randomUniform([outputDim], -bound, bound, 'float32', tfjsSeed(seed + 0x9e3779b1)),
  ];
}
