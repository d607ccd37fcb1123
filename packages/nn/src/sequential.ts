import type * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys } from '@elbo/prob';
import { Layer, LayerShapeError } from './layer';
import type { LayerConfig, WeightSpec } from './layer';
import { layerFromConfig, registerLayer } from './registry';

/**
 * Options of {@link sequential}.
 * @example
 * ```ts
 * const options: SequentialOptions = { inputShape: [28, 28, 1] };
 * ```
 */
export interface SequentialOptions {
  /**
   * Item shape of the input, without the batch axis. Optional when the first
   * layer fixes it (a Linear layer: `[inputDim]`).
   */
  inputShape?: readonly number[];
}

/**
 * {@link Sequential.getConfig}'s result: the input item shape and every layer's config.
 * @example
 * ```ts
 * const config: SequentialConfig = { kind: 'Sequential', inputShape: [4], layers: [{ kind: 'Flatten' }] };
 * ```
 */
export interface SequentialConfig extends LayerConfig {
  kind: 'Sequential';
  inputShape: number[];
  layers: LayerConfig[];
}

/**
 * Layers applied one after the other, itself a {@link Layer}. The shapes are
 * checked to chain when it is built. Weights are named after the index of the
 * layer that owns them: `layer0/kernel`, `layer0/bias`, `layer2/kernel`, ...
 * @example
 * ```ts
 * const net = new Sequential([linear({ inputDim: 4, outputDim: 8, activation: 'relu' }), linear({ inputDim: 8, outputDim: 2 })]);
 * net.weightSpecs().map((s) => s.name); // ['layer0/kernel', 'layer0/bias', 'layer1/kernel', 'layer1/bias']
 * ```
 */
export class Sequential extends Layer {
  readonly kind = 'Sequential';
  /** The layers, input side first (owned: disposing the Sequential disposes them). */
  readonly layers: readonly Layer[];
  /** Item shape of the input (no batch axis). */
  readonly inputShape: readonly number[];
  /** Item shape after each layer: `shapes[0]` is the input, `shapes[i + 1]` what layer i gives. */
  private readonly shapes: number[][];

  /**
   * Builds the stack and checks that the shapes chain. It owns the layers from
   * here on, and disposes them if the check fails.
   */
  constructor(layers: readonly Layer[], options: SequentialOptions = {}) {
    super();
    const caller = 'sequential';
    try {
      if (!Array.isArray(layers) || layers.length === 0) {
        throw new Error(
          `${caller}: layers must be a non-empty array of layers, got ${Array.isArray(layers) ? 'an empty array' : String(layers)}`,
        );
      }
      const bad = layers.findIndex((l) => !(l instanceof Layer));
      if (bad >= 0)
        throw new TypeError(
          `${caller}: layers[${bad}] is not a layer (make layers with linear(), activation(), reshape(), flatten(), sequential())`,
        );
      checkKnownKeys(options, ['inputShape'], caller);
      const first = layers[0]!;
      const inputShape = options.inputShape ?? (first instanceof Sequential ? first.inputShape : impliedInputShape(first));
      if (inputShape == null)
        throw new Error(`${caller}: options.inputShape is required when the first layer is a ${first.kind} (it takes any shape)`);
      if (!Array.isArray(inputShape) || inputShape.length === 0 || inputShape.some((d) => !Number.isInteger(d) || d < 1)) {
        throw new Error(
          `${caller}: inputShape must list positive integers (the item shape, without the batch axis), got ${JSON.stringify(inputShape)}`,
        );
      }
      const shapes: number[][] = [[...inputShape]];
      layers.forEach((layer, i) => {
        const from = shapes[i]!;
        try {
          shapes.push(layer.outputShape(from));
        } catch (error) {
          if (!(error instanceof LayerShapeError)) throw error;
          const source = i === 0 ? 'the input' : `layer ${i - 1} (${layers[i - 1]!.kind})`;
          throw new LayerShapeError(
            `${caller}: layer ${i} (${layer.kind}) cannot take shape [${from.join(', ')}] from ${source}: ${error.message}`,
          );
        }
      });
      this.layers = [...layers];
      this.inputShape = [...inputShape];
      this.shapes = shapes;
    } catch (error) {
      if (Array.isArray(layers)) layers.forEach((l) => l instanceof Layer && l.dispose());
      throw error;
    }
  }

  /** Item shape of the output (no batch axis). */
  get finalShape(): readonly number[] {
    return this.shapes[this.shapes.length - 1]!;
  }

  /** Width of the input, for a stack whose input items are vectors; throws otherwise. */
  get inputDim(): number {
    return vectorWidth(this.inputShape, 'inputDim', 'input');
  }

  /** Width of the output, for a stack whose output items are vectors; throws otherwise. */
  get outputDim(): number {
    return vectorWidth(this.finalShape, 'outputDim', 'output');
  }

  /** All variables, layer by layer. */
  get trainableVariables(): tf.Variable[] {
    return this.layers.flatMap((l) => l.trainableVariables);
  }

  protected override itemRank(): number {
    return this.inputShape.length;
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    const same = inputShape.length === this.inputShape.length && inputShape.every((d, i) => d === this.inputShape[i]);
    if (!same)
      throw new LayerShapeError(`Sequential built for items of shape [${this.inputShape.join(', ')}] got [${inputShape.join(', ')}]`);
    return [...this.finalShape];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    // apply() checked x against the stack's input shape, and the constructor checked that the shapes chain:
    // the layers need not convert and check again on every step
    let h = x;
    for (const layer of this.layers) h = layer.forwardChecked(h);
    return h;
  }

  /** `{ kind: 'Sequential', inputShape, layers: [each layer's config] }`. */
  getConfig(): SequentialConfig {
    return { kind: 'Sequential', inputShape: [...this.inputShape], layers: this.layers.map((l) => l.getConfig()) };
  }

  /** `layer<i>/<name>` for every weight of layer i, in order. */
  weightSpecs(): WeightSpec[] {
    return this.layers.flatMap((l, i) => l.weightSpecs().map((s) => ({ name: `layer${i}/${s.name}`, shape: s.shape })));
  }

  /** Frees every layer's variables. */
  override dispose(): void {
    this.layers.forEach((l) => l.dispose());
  }
}

/**
 * Makes a {@link Sequential}: layers applied in order, checked to chain when built.
 * @param layers - the layers, input side first (the Sequential owns them).
 * @param options - `{ inputShape }`, needed unless the first layer fixes it.
 * @throws {@link LayerShapeError} naming the layer index and both shapes when the shapes do not chain.
 * @example
 * ```ts
 * const decoder = sequential([linear({ inputDim: 20, outputDim: 784, activation: 'relu' }), reshape([28, 28, 1])]);
 * decoder.apply(tf.zeros([8, 20])).shape; // [8, 28, 28, 1]
 * ```
 */
export function sequential(layers: readonly Layer[], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}

/** The item shape a layer fixes for its input, where it does (Linear: `[inputDim]`). */
function impliedInputShape(layer: Layer): number[] | null {
  const dim = (layer as { inputDim?: unknown }).inputDim;
  return layer.kind === 'Linear' && typeof dim === 'number' ? [dim] : null;
}

function vectorWidth(shape: readonly number[], what: string, side: string): number {
  if (shape.length !== 1) throw new Error(`Sequential.${what}: the ${side} items have shape [${shape.join(', ')}], not a vector`);
  return shape[0]!;
}

registerLayer('Sequential', {
  fromConfig: (config) => {
    const { inputShape, layers } = config as SequentialConfig;
    if (!Array.isArray(layers)) throw new Error(`layerFromConfig: a Sequential config needs a layers array, got ${String(layers)}`);
    const made: Layer[] = [];
    try {
      for (const c of layers) made.push(layerFromConfig(c));
    } catch (error) {
      made.forEach((l) => l.dispose());
      throw error;
    }
    return new Sequential(made, { inputShape });
  },
});
