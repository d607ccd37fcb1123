import * as tf from '@tensorflow/tfjs-core';
import { installOnce } from './install-wasm-kernel';

/**
 * The gradients of elbo's matrix products: `BatchMatMul` on the wasm backend
 * and `_FusedMatMul` on every backend, both through {@link productGradients}.
 *
 *   C = op(A) op(B),  op(X) = X or X^T by the transpose flags,  g = dL/dC
 *   (no flags)   dA = g B^T      dB = A^T g
 *   (B^T)        dA = g B        dB = g^T A
 *   (A^T)        dA = B g^T      dB = A g
 *   (A^T, B^T)   dA = B^T g^T    dB = g^T A^T
 *
 * Each product is written with explicit transposes and no transpose flags:
 * the wasm backend's BatchMatMul takes a slow path when a flag is set (about
 * 13x slower than a plain product of the same size on these machines), and
 * tfjs-core's default matMul gradient uses exactly those flags. Same
 * arithmetic, so the same numbers.
 */

/** The transpose of the last two axes (rank 2 or 3). */
const t = (m: tf.Tensor): tf.Tensor => (m.rank === 2 ? tf.transpose(m) : tf.transpose(m, [0, 2, 1]));

/**
 * dA and dB of C = op(A) op(B) from g = dC, for operands of rank 2, or rank
 * 3 with equal batches or a batch of 1 broadcast (its gradient is then summed
 * over the batch).
 */
export function productGradients(
  a: tf.Tensor,
  b: tf.Tensor,
  g: tf.Tensor,
  transposeA: boolean,
  transposeB: boolean,
): { a: () => tf.Tensor; b: () => tf.Tensor } {
  // g B^T as (B g^T)^T when B is the larger: transposing the smaller operand is cheaper, and a freshly
  // transposed weight matrix would also have to be repacked by XNNPACK before the product.
  const gTimesBT = (): tf.Tensor => (b.size > g.size ? t(tf.matMul(b, t(g))) : tf.matMul(g, t(b)));
  const [da, db] =
    !transposeA && !transposeB
      ? [gTimesBT, () => tf.matMul(t(a), g)]
      : !transposeA && transposeB
        ? [() => tf.matMul(g, b), () => tf.matMul(t(g), a)]
        : transposeA && !transposeB
          ? [() => tf.matMul(b, t(g)), () => tf.matMul(a, g)]
          : [() => tf.matMul(t(b), t(g)), () => tf.matMul(t(g), t(a))];
  return { a: () => sumBroadcastBatch(da(), a), b: () => sumBroadcastBatch(db(), b) };
}

/** A rank-3 gradient summed over the batch where its input was a batch of 1, broadcast. */
function sumBroadcastBatch(grad: tf.Tensor, input: tf.Tensor): tf.Tensor {
  return input.rank === 3 && input.shape[0] !== grad.shape[0] ? tf.sum(grad, 0, true) : grad;
}

/**
 * Replaces the `BatchMatMul` gradient, once per process: rank-2 operands on
 * the wasm backend take {@link productGradients}; everything else the default
 * gradient, unchanged (checked when the gradient runs, so one registration
 * serves every backend).
 */
export function installWasmMatMulGradient(): void {
  installOnce('gradient BatchMatMul', () => {
    const original = tf.getGradient(tf.BatchMatMul);
    if (original == null) {
      throw new Error('the default BatchMatMul gradient is not registered: gradients must be registered first');
    }
    tf.registerGradient({
      kernelName: tf.BatchMatMul,
      inputsToSave: ['a', 'b'],
      gradFunc: (dy, saved, attrs) => {
        const [a, b] = saved as [tf.Tensor, tf.Tensor];
        if (tf.getBackend() !== 'wasm' || a.rank !== 2 || b.rank !== 2) return original.gradFunc(dy, saved, attrs);
        const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
        return productGradients(a, b, dy as tf.Tensor, transposeA, transposeB);
      },
    });
  });
}

/** The activations whose derivative {@link registerFusedMatMulGradient} writes with the output y alone. */
export const FUSED_GRADIENT_ACTIVATIONS = ['linear', 'relu', 'elu', 'sigmoid'] as const;

/**
 * dL/d(pre-activation) from dy = dL/dy and y = act(pre):
 *
 *   linear  dy            relu     dy step(y)
 *   elu     dy (y > 0 ? 1 : y + 1)    (for pre <= 0, d/dp (e^p - 1) = e^p = y + 1)
 *   sigmoid dy y (1 - y)
 */
function activationGradient(dy: tf.Tensor, y: tf.Tensor, activation: string): tf.Tensor {
  switch (activation) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'elu':
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1)));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
    default:
      throw new Error(
        `the _FusedMatMul gradient (elbo) supports the activations ${FUSED_GRADIENT_ACTIVATIONS.join(', ')}, got ${activation}`,
      );
  }
}

/**
 * Registers a gradient for the `_FusedMatMul` kernel (act(op(A) op(B) + bias)),
 * once per process, for every backend. tfjs-core registers none:
 * `tf.fused.matMul` records its own through customGrad, with transpose flags;
 * code that runs the kernel directly (as @elbo/autoencoder's dense layer does,
 * to get this gradient) needs one registered.
 *
 *   g = dL/d(pre-activation)  (see activationGradient)
 *   dA, dB = productGradients(A, B, g)      dbias = sum of g over every axis but the last
 *
 * The bias is the [N] vector of a dense layer (as tfjs-layers' Dense and
 * @elbo/autoencoder pass it): the gradient sees the inputs it saves, not the
 * bias, so another bias shape fails tfjs' shape check of the gradient.
 */
export function registerFusedMatMulGradient(): void {
  installOnce('gradient _FusedMatMul', () => {
    tf.registerGradient({
      kernelName: tf._FusedMatMul,
      inputsToSave: ['a', 'b'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [a, b, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const { transposeA, transposeB, activation } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: string };
        const g = activationGradient(dy as tf.Tensor, y, activation);
        const leading = Array.from({ length: g.rank - 1 }, (_, axis) => axis);
        return { ...productGradients(a, b, g, transposeA, transposeB), bias: () => tf.sum(g, leading) };
      },
    });
  });
}
