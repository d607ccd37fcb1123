import * as tf from '@tensorflow/tfjs-core';
import { FUSABLE, activate } from './activations';
import type { ActivationName } from './activations';

/**
 * `act(x W + b)` for a rank-2 `x`: the one dense forward of the package.
 *
 * ```
 * y[n, j] = act( sum_i x[n, i] W[i, j] + b[j] )
 * ```
 *
 * With a fusable activation (linear, relu, elu: those tfjs-layers' Dense
 * fuses, so outputs match Dense bit for bit) and a `_FusedMatMul` gradient
 * registered (the backend packages register a fast one), it runs the
 * `_FusedMatMul` kernel directly, so the engine uses that gradient rather
 * than `tf.fused.matMul`'s own (which multiplies with transpose flags, the
 * wasm backend's slow path). Otherwise plain `matMul` + `add` + activation,
 * with tfjs' own gradients: correct everywhere. This package registers no
 * gradient itself.
 */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, activation: ActivationName): tf.Tensor2D {
  if (FUSABLE.has(activation) && tf.getGradient(tf._FusedMatMul) != null) {
    // The kernel works on batches of matrices, as tf.fused.matMul feeds it: [1, m, k] @ [1, k, n].
    const a = tf.reshape(x, [1, ...x.shape]);
    const b = tf.reshape(kernel, [1, ...kernel.shape]);
    const inputs: tf.NamedTensorMap = bias == null ? { a, b } : { a, b, bias };
    const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 };
    const y = tf.engine().runKernel(tf._FusedMatMul, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
    return tf.reshape(y, [x.shape[0], kernel.shape[1]]);
  }
  // as Dense does it for the others: the product, then the bias, then the activation
  const product = tf.matMul(x, kernel);
  return activate(bias == null ? product : tf.add(product, bias), activation) as tf.Tensor2D;
}
