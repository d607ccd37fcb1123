// Test helper (never published): run code with or without a _FusedMatMul gradient registered.
import * as tf from '@tensorflow/tfjs-core';
import type { ActivationName } from '@elbo/nn';

// tfjs keeps its gradient registry in a global map and exports no way to remove an entry:
// reach it to run each path on purpose, and put back whatever was there.
const gradRegistry = (tf.env().global as unknown as { _tfGlobals: Map<string, Map<string, tf.GradConfig>> })._tfGlobals.get(
  'gradRegistry',
)!;

/** A `_FusedMatMul` gradient for the case Linear runs (no transposes), written from the formulas. */
export const testGradient: tf.GradConfig = {
  kernelName: tf._FusedMatMul,
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dyIn, saved, attrs) => {
    const dy = dyIn as tf.Tensor;
    const [a, b, y] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const act = (attrs as unknown as { activation: ActivationName }).activation;
    const g =
      act === 'relu' ? tf.mul(dy, tf.step(y)) : act === 'elu' ? tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1))) : dy;
    const t = (m: tf.Tensor) => tf.transpose(m, [0, 2, 1]);
    return { a: () => tf.matMul(g, t(b)), b: () => tf.matMul(t(a), g), bias: () => tf.sum(g, [0, 1]) };
  },
};

export function withFusedGradient<T>(present: boolean, fn: () => T): T {
  const before = gradRegistry.get(tf._FusedMatMul);
  if (present && before == null) gradRegistry.set(tf._FusedMatMul, testGradient);
  if (!present) gradRegistry.delete(tf._FusedMatMul);
  try {
    return fn();
  } finally {
    if (before == null) gradRegistry.delete(tf._FusedMatMul);
    else gradRegistry.set(tf._FusedMatMul, before);
  }
}
