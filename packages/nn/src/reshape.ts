import * as tf from '@tensorflow/tfjs-core';
import { Layer, LayerShapeError } from './layer';
import type { LayerConfig, WeightSpec } from './layer';
import { registerLayer } from './registry';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Reshapes each item (the batch axis stays): Keras' `Reshape`. One entry of
 * `targetShape` may be -1, inferred from the input's size.
 * @example
 * ```ts
 * reshape([28, 28, 1]).outputShape([784]); // [28, 28, 1]
 * ```
 */
export class Reshape extends Layer {
  readonly kind = 'Reshape';
  /** The item shape asked for (may hold one -1). */
  readonly targetShape: readonly number[];

  constructor(targetShape: readonly number[]) {
    super();
    const bad =
      !Array.isArray(targetShape) ||
      targetShape.length === 0 ||
      targetShape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) ||
      targetShape.filter((d) => d === -1).length > 1;
    if (bad)
      throw new Error(
        `reshape: targetShape must list positive integers (one may be -1), got ${JSON.stringify(targetShape) ?? String(targetShape)}`,
      );
    this.targetShape = [...targetShape];
  }

  get trainableVariables(): tf.Variable[] {
    return [];
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    const n = size(inputShape);
    const known = size(this.targetShape.filter((d) => d !== -1));
    const fits = this.targetShape.includes(-1) ? n % known === 0 : n === known;
    if (!fits) {
      throw new LayerShapeError(
        `Reshape to [${this.targetShape.join(', ')}] cannot take items of shape [${inputShape.join(', ')}] (${n} values)`,
      );
    }
    return this.targetShape.map((d) => (d === -1 ? n / known : d));
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0]!, ...this.computeOutputShape(x.shape.slice(1))]);
  }

  /** `{ kind: 'Reshape', targetShape }`. */
  getConfig(): LayerConfig & { targetShape: number[] } {
    return { kind: 'Reshape', targetShape: [...this.targetShape] };
  }

  /** None: the layer has no weights. */
  weightSpecs(): WeightSpec[] {
    return [];
  }
}

/**
 * Flattens each item to a vector (the batch axis stays): Keras' `Flatten`, e.g. [28, 28, 1] -> [784].
 * @example
 * ```ts
 * flatten().outputShape([28, 28, 1]); // [784]
 * ```
 */
export class Flatten extends Layer {
  readonly kind = 'Flatten';

  get trainableVariables(): tf.Variable[] {
    return [];
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    return [size(inputShape)];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0]!, size(x.shape.slice(1))]);
  }

  /** `{ kind: 'Flatten' }`. */
  getConfig(): LayerConfig {
    return { kind: 'Flatten' };
  }

  /** None: the layer has no weights. */
  weightSpecs(): WeightSpec[] {
    return [];
  }
}

/**
 * Makes a {@link Reshape} layer.
 * @param targetShape - the item shape to produce, without the batch axis; one entry may be -1.
 * @example
 * ```ts
 * const toImage = reshape([28, 28, 1]);
 * ```
 */
export function reshape(targetShape: readonly number[]): Reshape {
  return new Reshape(targetShape);
}

/**
 * Makes a {@link Flatten} layer.
 * @example
 * ```ts
 * const toVector = flatten();
 * ```
 */
export function flatten(): Flatten {
  return new Flatten();
}

registerLayer('Reshape', { fromConfig: (config) => new Reshape(config.targetShape as number[]) });
registerLayer('Flatten', { fromConfig: () => new Flatten() });
