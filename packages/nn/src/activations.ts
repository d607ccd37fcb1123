import * as tf from '@tensorflow/tfjs-core';

/**
 * The element-wise nonlinearities a layer can apply, named as tfjs-layers and Keras name them.
 * @example
 * ```ts
 * const act: ActivationName = 'tanh';
 * ```
 */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'softplus';

/**
 * The names accepted for {@link ActivationName}.
 * @example
 * ```ts
 * ACTIVATIONS.includes('relu'); // true
 * ```
 */
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus'];

/**
 * Activations tfjs-layers' Dense runs inside the fused matMul kernel
 * (`mapActivationToFusedKernel`); the others it applies after the bias, as {@link Linear} does.
 */
export const FUSABLE: ReadonlySet<ActivationName> = new Set<ActivationName>(['linear', 'relu', 'elu']);

/** `act(x)` by name. */
export function activate(x: tf.Tensor, activation: ActivationName): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
  }
}

/** Throws naming `caller` and `name` unless `value` is one of {@link ACTIVATIONS}. */
export function checkActivation(value: unknown, name: string, caller: string): ActivationName {
  if (!ACTIVATIONS.includes(value as ActivationName)) {
    throw new Error(
      `${caller}: ${name} must be one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value as ActivationName;
}
