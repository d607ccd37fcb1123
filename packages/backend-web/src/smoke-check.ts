import * as tf from '@tensorflow/tfjs-core';

/**
 * A tiny matMul with its gradient, compared with numbers known in closed form:
 * f(W) = sum(x W) with x = [[1, 2], [3, 4]], W = [[1, 2], [3, 4]] gives
 * f = 54 and df/dW = x^T 1 = [[4, 4], [6, 6]]. A backend that initializes but
 * computes wrongly (or has no gradients) fails here instead of in a model.
 */
export function checkMatMulGradient(): void {
  const { value, grad } = tf.tidy(() => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const w = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const { value, grad } = tf.valueAndGrad((weights: tf.Tensor) => tf.sum(tf.matMul(x, weights)))(w);
    return { value: value.dataSync()[0], grad: Array.from(grad.dataSync()) };
  });
  const expected = [4, 4, 6, 6];
  const ok = Math.abs((value ?? NaN) - 54) < 1e-4 && grad.every((g, i) => Math.abs(g - expected[i]!) < 1e-4);
  if (!ok) {
    throw new Error(`matMul gradient check failed: got value ${value} and gradient [${grad.join(', ')}], expected 54 and [4, 4, 6, 6]`);
  }
}
