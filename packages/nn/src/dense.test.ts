import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { linear } from '@elbo/nn';
import type { ActivationName } from '@elbo/nn';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { withFusedGradient } from './testing/fused-gradient';

const ACT: Record<ActivationName, (t: tf.Tensor) => tf.Tensor> = {
  linear: (t) => t,
  relu: tf.relu,
  elu: tf.elu,
  sigmoid: tf.sigmoid,
  tanh: tf.tanh,
  softplus: tf.softplus,
};

interface Run {
  y: number[];
  dx: number[];
  dW: number[];
  db: number[];
  kernels: string[];
}

/** Output and gradients of sum(r * layer(x)) with respect to x, W and b, and the kernels the forward ran. */
async function runLayer(act: ActivationName, x: tf.Tensor2D, r: tf.Tensor2D): Promise<Run & { W: tf.Tensor; b: tf.Tensor }> {
  const layer = linear({ inputDim: 5, outputDim: 4, seed: 11, activation: act });
  const profile = await tf.profile(() => layer.apply(x));
  tf.dispose(profile.result as tf.Tensor);
  const y = layer.apply(x);
  const loss = (input: tf.Tensor) => tf.sum(tf.mul(r, layer.apply(input)));
  const dx = tf.grad(loss)(x);
  const { value, grads } = tf.variableGrads(() => loss(x) as tf.Scalar, layer.trainableVariables);
  const run = {
    y: Array.from(y.dataSync()),
    dx: Array.from(dx.dataSync()),
    dW: Array.from(grads[layer.kernel.name]!.dataSync()),
    db: Array.from(grads[layer.bias!.name]!.dataSync()),
    kernels: profile.kernelNames,
    W: tf.clone(layer.kernel),
    b: tf.clone(layer.bias!),
  };
  tf.dispose([y, dx, value, ...Object.values(grads)]);
  layer.dispose();
  return run;
}

/** The same from tfjs' own gradients of the plain ops, the oracle. */
function reference(act: ActivationName, x: tf.Tensor2D, r: tf.Tensor2D, W: tf.Tensor, b: tf.Tensor): Omit<Run, 'kernels'> {
  return tf.tidy(() => {
    const f = (xi: tf.Tensor, Wi: tf.Tensor, bi: tf.Tensor) => ACT[act](tf.add(tf.matMul(xi as tf.Tensor2D, Wi as tf.Tensor2D), bi));
    const [dx, dW, db] = tf.grads((xi: tf.Tensor, Wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(r, f(xi, Wi, bi))))([x, W, b]);
    return {
      y: Array.from(f(x, W, b).dataSync()),
      dx: Array.from(dx!.dataSync()),
      dW: Array.from(dW!.dataSync()),
      db: Array.from(db!.dataSync()),
    };
  });
}

describe('the dense forward of Linear', () => {
  const x = tf.randomNormal([6, 5], 0, 1, 'float32', 21) as tf.Tensor2D;
  const r = tf.randomNormal([6, 4], 0, 1, 'float32', 22) as tf.Tensor2D;
  const tol = { rtol: 1e-5, atol: 1e-6 };

  for (const act of ['linear', 'relu', 'elu', 'sigmoid', 'tanh', 'softplus'] as const) {
    it(`(${act}) gives tfjs' own values and gradients with and without a registered _FusedMatMul gradient, leaking nothing`, async () => {
      const fused = act === 'linear' || act === 'relu' || act === 'elu';
      const before = tf.memory().numTensors;
      const plain = await withFusedGradient(false, () => runLayer(act, x, r));
      const kernel = await withFusedGradient(true, () => runLayer(act, x, r));
      // the fused kernel runs only where a gradient for it is registered, and only for Dense's fusable activations
      expect(plain.kernels).not.toContain(tf._FusedMatMul);
      expect(plain.kernels).toContain(tf.BatchMatMul);
      expect(kernel.kernels.includes(tf._FusedMatMul)).toBe(fused);
      expect(withFusedGradient(false, () => tf.getGradient(tf._FusedMatMul))).toBeUndefined();
      for (const run of [plain, kernel]) {
        const want = reference(act, x, r, run.W, run.b);
        expectClose(run.y, want.y, tol);
        expectClose(run.dx, want.dx, tol);
        expectClose(run.dW, want.dW, tol);
        expectClose(run.db, want.db, tol);
        tf.dispose([run.W, run.b]);
      }
      expectClose(kernel.y, plain.y, tol);
      expectClose(kernel.dW, plain.dW, tol);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('registers no gradient of its own', async () => {
    await withFusedGradient(false, () =>
      expectNoLeaks(() => {
        const layer = linear({ inputDim: 5, outputDim: 4, activation: 'relu' });
        tf.dispose(layer.apply(x));
        layer.dispose();
        expect(tf.getGradient(tf._FusedMatMul)).toBeUndefined();
      }),
    );
  });
});
