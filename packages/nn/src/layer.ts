import * as tf from '@tensorflow/tfjs-core';
import { describeValue, toFloatTensor } from '@elbo/prob';
import type { TensorInput } from '@elbo/prob';

/**
 * A layer's config as plain JSON: its registered `kind` plus whatever its
 * factory needs to rebuild it (fresh weights). {@link layerFromConfig} reads it back.
 * @example
 * ```ts
 * const config: LayerConfig = { kind: 'Activation', activation: 'relu' };
 * ```
 */
export interface LayerConfig {
  /** The kind registered with {@link registerLayer}, e.g. `'Linear'`. */
  kind: string;
  [key: string]: unknown;
}

/**
 * Name and shape of one weight, as {@link Layer.weightSpecs} lists them.
 * @example
 * ```ts
 * const spec: WeightSpec = { name: 'layer0/kernel', shape: [784, 400] };
 * ```
 */
export interface WeightSpec {
  name: string;
  shape: number[];
}

/**
 * Thrown by {@link Layer.outputShape} (and by {@link sequential} when its
 * layers do not chain) when a layer cannot take an input of the given shape.
 * @example
 * ```ts
 * try { linear({ inputDim: 4, outputDim: 2 }).outputShape([3]); } catch (e) { e instanceof LayerShapeError; } // true
 * ```
 */
export class LayerShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerShapeError';
  }
}

/**
 * A layer as a value: one forward path, its variables, the shapes it maps,
 * a JSON config and named weights. Shapes are item shapes, without the batch
 * axis (`[784]` for a vector, `[28, 28, 1]` for an NHWC image).
 *
 * Subclasses write the hooks: `call` (the forward pass on a float32 tensor
 * with a batch axis, inside a tidy), `computeOutputShape`, `getConfig`,
 * `weightSpecs` and `trainableVariables`. The public methods check and
 * convert, then call the hooks.
 * @example
 * ```ts
 * const net: Layer = sequential([linear({ inputDim: 4, outputDim: 2 }), activation('tanh')]);
 * const y = net.apply(tf.ones([3, 4])); // [3, 2]
 * ```
 */
export abstract class Layer {
  /** The registered kind, e.g. `'Linear'` (also `getConfig().kind`). */
  abstract readonly kind: string;

  /** The variables an optimizer updates, in {@link Layer.weightSpecs} order. */
  abstract get trainableVariables(): tf.Variable[];

  /** Plain JSON config, `kind` included: `layerFromConfig(layer.getConfig())` rebuilds the architecture. */
  abstract getConfig(): LayerConfig;

  /** Name and shape of every weight, in {@link Layer.trainableVariables} order. */
  abstract weightSpecs(): WeightSpec[];

  /** The forward pass on a float32 tensor with a batch axis whose item shape {@link Layer.outputShape} accepts. */
  protected abstract call(x: tf.Tensor): tf.Tensor;

  /**
   * The forward pass without `apply`'s conversion and shape checks: for a container
   * ({@link Sequential}) that checked the shapes of its whole stack once. `x` must be a
   * float32 batch whose item shape this layer takes; may return `x` itself.
   * @internal
   */
  forwardChecked(x: tf.Tensor): tf.Tensor {
    return this.call(x);
  }

  /** The output item shape for an input item shape; throws {@link LayerShapeError} when it cannot take it. */
  protected abstract computeOutputShape(inputShape: readonly number[]): number[];

  /** The rank of one example when the layer knows it (a single example of that rank gets a batch axis of 1). */
  protected itemRank(): number | null {
    return null;
  }

  /**
   * Runs the layer.
   * @param x - a tensor (not disposed) or (nested) array, shape `[batch, ...itemShape]`; where the
   *   layer knows its item rank (Linear, a Sequential), one example of shape `itemShape` also works.
   * @returns a new tensor `[batch, ...outputShape(itemShape)]` (or `outputShape(itemShape)` for one example).
   * @throws naming `x`, its shape and what the layer takes.
   * @example
   * ```ts
   * const y = linear({ inputDim: 3, outputDim: 2 }).apply([[1, 2, 3]]); // [1, 2]
   * ```
   */
  apply(x: TensorInput): tf.Tensor {
    const caller = `${this.kind}.apply`;
    if (Array.isArray(x)) checkRectangular(x, caller);
    return tf.tidy(() => {
      const t = toFloatTensor(x, 'x', caller);
      const single = t.rank === this.itemRank();
      if (t.rank === 0) throw new Error(`${caller}: x must have a batch axis, got a scalar`);
      const batched = single ? tf.expandDims(t, 0) : t;
      try {
        this.outputShape(batched.shape.slice(1));
      } catch (error) {
        if (!(error instanceof LayerShapeError)) throw error;
        throw new Error(`${caller}: x of shape [${t.shape.join(', ')}] does not fit: ${error.message}`, { cause: error });
      }
      const out = this.call(batched);
      // a layer that passes values through (linear activation) must still hand back a tensor of its own
      const y = out === x ? tf.clone(out) : out;
      return single ? tf.squeeze(y, [0]) : y;
    });
  }

  /**
   * The output item shape for an input item shape (no batch axis).
   * @throws {@link LayerShapeError} naming the layer and the shape when the layer cannot take it.
   * @example
   * ```ts
   * flatten().outputShape([28, 28, 1]); // [784]
   * ```
   */
  outputShape(inputShape: readonly number[]): number[] {
    if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new LayerShapeError(`${this.kind}: an input shape must list positive integers, got ${JSON.stringify(inputShape)}`);
    }
    return this.computeOutputShape(inputShape);
  }

  /**
   * Copies of the weights by name (see {@link Layer.weightSpecs}); the caller disposes them.
   * @example
   * ```ts
   * const weights = net.getWeights(); // { 'layer0/kernel': ..., 'layer0/bias': ... }
   * tf.dispose(Object.values(weights));
   * ```
   */
  getWeights(): tf.NamedTensorMap {
    const vars = this.trainableVariables;
    return Object.fromEntries(this.weightSpecs().map((spec, i) => [spec.name, tf.clone(vars[i]!)]));
  }

  /**
   * Overwrites every weight from a name -> tensor map (as {@link Layer.getWeights} gives; not disposed).
   * Names, shapes and finiteness are all checked before any weight changes.
   * @example
   * ```ts
   * twin.setWeights(net.getWeights());
   * ```
   */
  setWeights(weights: tf.NamedTensorMap): void {
    const caller = `${this.kind}.setWeights`;
    if (weights == null || typeof weights !== 'object')
      throw new TypeError(`${caller}: weights must be an object of named tensors, got ${String(weights)}`);
    const specs = this.weightSpecs();
    const expected = specs.map((s) => s.name);
    const extra = Object.keys(weights).filter((name) => !expected.includes(name));
    if (extra.length > 0) throw new Error(`${caller}: unexpected weight(s) ${extra.join(', ')}; expected ${expected.join(', ') || 'none'}`);
    for (const { name, shape } of specs) {
      const w = weights[name];
      if (w == null) throw new Error(`${caller}: weight ${name} is missing (expected shape [${shape.join(', ')}])`);
      if (!(w instanceof tf.Tensor) || w.isDisposed) throw new TypeError(`${caller}: weight ${name} must be a live tensor`);
      if (!tf.util.arraysEqual(w.shape, shape)) {
        throw new Error(`${caller}: weight ${name} must have shape [${shape.join(', ')}], got [${w.shape.join(', ')}]`);
      }
    }
    const finite = tf.tidy(() => specs.map(({ name }) => tf.all(tf.isFinite(weights[name]!)).dataSync()[0] === 1));
    const bad = finite.indexOf(false);
    if (bad >= 0) throw new Error(`${caller}: weight ${specs[bad]!.name} must be finite, got a NaN or infinite value`);
    const vars = this.trainableVariables;
    tf.tidy(() => specs.forEach(({ name }, i) => vars[i]!.assign(tf.cast(weights[name]!, 'float32'))));
  }

  /**
   * Frees the layer's variables.
   * @example
   * ```ts
   * net.dispose();
   * ```
   */
  dispose(): void {
    tf.dispose(this.trainableVariables);
  }
}

let variableCounter = 0;

/**
 * A fresh `<name>_<n>` prefix for a layer's variables: tfjs wants unique variable names,
 * and one counter for every kind of layer keeps two kinds given the same `name` apart.
 * @internal
 */
export function uniqueVariablePrefix(name: string): string {
  return `${name}_${variableCounter++}`;
}

/** Nested arrays must be rectangular: tfjs (outside its debug mode) reads ragged rows silently wrong. */
function checkRectangular(x: unknown[], caller: string): void {
  const shape: number[] = [];
  for (let v: unknown = x; Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView)); v = (v as ArrayLike<unknown>)[0]) {
    shape.push((v as ArrayLike<unknown>).length);
  }
  const walk = (v: unknown, depth: number, at: number[]): void => {
    if (depth === shape.length) {
      // tfjs would read a string as NaN and flatten a deeper array into the wrong shape
      if (typeof v !== 'number' && typeof v !== 'boolean')
        throw new Error(`${caller}: x must hold numbers, got ${describeValue(v)} at [${at.join(', ')}]`);
      return;
    }
    const length = Array.isArray(v) || ArrayBuffer.isView(v) ? (v as ArrayLike<unknown>).length : -1;
    if (length !== shape[depth]) {
      throw new Error(
        `${caller}: x must be a rectangular array, got ${length < 0 ? 'a non-array' : `length ${length}`} at [${at.join(', ')}] where the first row has ${shape[depth]}`,
      );
    }
    if (Array.isArray(v)) v.forEach((w, i) => walk(w, depth + 1, [...at, i]));
  };
  walk(x, 0, []);
}
