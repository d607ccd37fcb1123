import type * as tf from '@tensorflow/tfjs-core';
import { activate, checkActivation } from './activations';
import type { ActivationName } from './activations';
import { Layer } from './layer';
import type { LayerConfig, WeightSpec } from './layer';
import { registerLayer } from './registry';

/**
 * An element-wise nonlinearity as a layer of its own (Keras' `Activation`):
 * no weights, any input shape, output shape = input shape.
 * @example
 * ```ts
 * const act = new ActivationLayer('tanh');
 * act.apply([[0, 1]]); // [[0, 0.7616]]
 * ```
 */
export class ActivationLayer extends Layer {
  readonly kind = 'Activation';
  /** The nonlinearity applied. */
  readonly activation: ActivationName;

  constructor(name: ActivationName) {
    super();
    this.activation = checkActivation(name, 'name', 'activation');
  }

  get trainableVariables(): tf.Variable[] {
    return [];
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return activate(x, this.activation);
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    return [...inputShape];
  }

  /** `{ kind: 'Activation', activation }`. */
  getConfig(): LayerConfig & { activation: ActivationName } {
    return { kind: 'Activation', activation: this.activation };
  }

  /** None: the layer has no weights. */
  weightSpecs(): WeightSpec[] {
    return [];
  }
}

/**
 * Makes an {@link ActivationLayer}: one factory for every nonlinearity, named as in
 * Keras (`'relu'`, `'sigmoid'`, `'tanh'`, `'elu'`, `'softplus'`, `'linear'`), the
 * same names {@link Linear}'s `activation` option takes.
 * @param name - see {@link ACTIVATIONS}.
 * @example
 * ```ts
 * const net = sequential([linear({ inputDim: 4, outputDim: 8 }), activation('sigmoid')]);
 * ```
 */
export function activation(name: ActivationName): ActivationLayer {
  return new ActivationLayer(name);
}

registerLayer('Activation', { fromConfig: (config) => new ActivationLayer(config.activation as ActivationName) });
