import * as tf from '@tensorflow/tfjs-core';

/**
 * A tiny matMul with its gradient, compared with numbers known in closed form:
 * f(W) = sum(x W) with x = [[1, 2], [3, 4]], W = [[1, 2], [3, 4]] gives
 * f = 54 and df/dW = x^T 1 = [[4, 4], [6, 6]]. A backend that initializes but
 * computes wrongly (or has no gradients) fails here instead of in a model.
 *
 * Both backends run it on every candidate. It reads back asynchronously:
 * WebGPU's synchronous read (`dataSync`) goes through a canvas and can answer
 * zeros where the async read is right (seen with Chromium's software WebGPU),
 * and apps read asynchronously too.
 */
export async function checkMatMulGradient(): Promise<void> {
  const [valueTensor, gradTensor] = tf.tidy(() => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const w = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const { value, grad } = tf.valueAndGrad((weights: tf.Tensor) => tf.sum(tf.matMul(x, weights)))(w);
    return [value, grad];
  });
  let value: number | undefined;
  let grad: number[];
  try {
    const [v, g] = await Promise.all([valueTensor.data(), gradTensor.data()]);
    value = v[0];
    grad = Array.from(g);
  } finally {
    tf.dispose([valueTensor, gradTensor]);
  }
  const expected = [4, 4, 6, 6];
  const ok = Math.abs((value ?? NaN) - 54) < 1e-4 && grad.length === 4 && grad.every((g, i) => Math.abs(g - expected[i]!) < 1e-4);
  if (!ok) {
    throw new Error(`matMul gradient check failed: got value ${value} and gradient [${grad.join(', ')}], expected 54 and [4, 4, 6, 6]`);
  }
}
