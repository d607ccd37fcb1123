import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { ADAM_KERNEL, adam, FusedAdamOptimizer } from './adam';
import { minimize } from './minimize';

// Seeds start at 1: tfjs treats a seed of 0 as no seed.
/** Odd sizes on purpose: the wasm kernel works in groups of 4 and finishes the tail in JavaScript. */
const SHAPES = [[37, 11], [7], [1]];

function problem(seed: number): { vars: tf.Variable[]; grads: (step: number) => tf.NamedTensorMap } {
  const vars = SHAPES.map((shape, k) => tf.variable(tf.randomNormal(shape, 0, 1, 'float32', seed + k)));
  const grads = (step: number): tf.NamedTensorMap =>
    Object.fromEntries(vars.map((v, k) => [v.name, tf.randomNormal(v.shape, 0, 1 + step, 'float32', 100 * step + k + 1)]));
  return { vars, grads };
}

function runSteps(optimizer: tf.Optimizer, steps: number): number[][] {
  const { vars, grads } = problem(1);
  for (let step = 0; step < steps; step++) {
    const g = grads(step);
    optimizer.applyGradients(g);
    tf.dispose(Object.values(g));
  }
  const out = vars.map((v) => Array.from(v.dataSync()));
  tf.dispose(vars);
  return out;
}

describe('adam (fused)', () => {
  it('runs the fused kernel where the backend registers it (wasm and cpu via @elbo/backend-node)', () => {
    expect(tf.getKernel(ADAM_KERNEL, tf.getBackend())).toBeDefined();
    const optimizer = adam(0.01);
    runSteps(optimizer, 1);
    expect(optimizer.lastStepFused).toBe(true);
    optimizer.dispose();
  });

  it('matches tf.train.adam over 5 steps, including the tail of non-multiple-of-4 sizes', () => {
    const reference = tf.train.adam(0.01, 0.8, 0.95, 1e-6);
    const fused = adam(0.01, 0.8, 0.95, 1e-6);
    const want = runSteps(reference, 5);
    const got = runSteps(fused, 5);
    // float32 rounding, amplified a little by Adam's division: relative 1e-5 of the weights' scale
    got.forEach((w, k) => expectClose(w, want[k]!, { atol: 1e-5, rtol: 1e-5 }));
    reference.dispose();
    fused.dispose();
  });

  it('stays finite where tf.train.adam does: a gradient whose square overflows float32 leaves the weights as tfjs leaves them (no NaN)', () => {
    const run = (optimizer: tf.Optimizer): number[] => {
      const w = tf.variable(tf.tensor1d([0.5, -1, 2, 3, 4]));
      for (let step = 0; step < 3; step++) {
        const g = { [w.name]: tf.tensor1d([1e30, -1e30, 1e20, 1, 0]) };
        optimizer.applyGradients(g);
        tf.dispose(Object.values(g));
      }
      const out = Array.from(w.dataSync());
      w.dispose();
      optimizer.dispose();
      return out;
    };
    const reference = run(tf.train.adam(1e10));
    const fused = run(adam(1e10));
    reference.forEach((v) => expect(Number.isFinite(v)).toBe(true));
    expectClose(fused, reference, { rtol: 1e-4 }); // steps of 1e10: float32 rounding in another order
  });

  it('keeps the same weights (moments, iterations) as tf.train.adam, so setWeights can continue a run', async () => {
    const fused = adam(0.01);
    const { vars, grads } = problem(3);
    const g = grads(0);
    fused.applyGradients(g);
    const weights = await fused.getWeights();
    expect(weights.map((w) => w.name)).toEqual(['iter', ...vars.map((v) => `${v.name}/m`), ...vars.map((v) => `${v.name}/v`)]);
    expect(weights[0]!.tensor.dataSync()[0]).toBe(1);
    const gFirst = g[vars[0]!.name]!.dataSync();
    // after one step m = (1 - beta1) g and v = (1 - beta2) g^2
    expectClose(
      weights[1]!.tensor.dataSync(),
      Array.from(gFirst, (x) => 0.1 * x),
      { rtol: 1e-6, atol: 1e-7 },
    );
    expectClose(
      weights[1 + vars.length]!.tensor.dataSync(),
      Array.from(gFirst, (x) => 0.001 * x * x),
      { rtol: 1e-5, atol: 1e-9 },
    );
    tf.dispose([...Object.values(g), ...vars, weights[0]!.tensor]);
    fused.dispose();
  });

  it('falls back to tfjs arithmetic on a backend without the kernel, continuing the same run', () => {
    // Unregistering is global; put the kernel back whatever happens.
    const backend = tf.getBackend();
    const config = tf.getKernel(ADAM_KERNEL, backend)!;
    const reference = tf.train.adam(0.02);
    const mixed = adam(0.02);
    const { vars, grads } = problem(5);
    const refVars = vars.map((v) => tf.variable(v.clone()));
    try {
      for (let step = 0; step < 4; step++) {
        if (step === 2) tf.unregisterKernel(ADAM_KERNEL, backend);
        const g = grads(step);
        mixed.applyGradients(g);
        expect(mixed.lastStepFused).toBe(step < 2);
        reference.applyGradients(Object.fromEntries(refVars.map((v, k) => [v.name, g[vars[k]!.name]!])) as tf.NamedTensorMap as never);
        tf.dispose(Object.values(g));
      }
    } finally {
      if (tf.getKernel(ADAM_KERNEL, backend) == null) tf.registerKernel(config);
    }
    vars.forEach((v, k) => expectClose(v.dataSync(), refVars[k]!.dataSync(), { atol: 1e-5, rtol: 1e-5 }));
    tf.dispose([...vars, ...refVars]);
    reference.dispose();
    mixed.dispose();
  });

  it('leaks no tensors per step, and dispose frees its moments', async () => {
    const { vars, grads } = problem(7);
    await expectNoLeaks(() => {
      const optimizer = adam();
      for (let step = 0; step < 3; step++) {
        const g = grads(step);
        optimizer.applyGradients(g);
        tf.dispose(Object.values(g));
      }
      optimizer.dispose();
    });
    tf.dispose(vars);
  });

  it('is the default optimizer of minimize, and minimizes', async () => {
    const w = tf.variable(tf.scalar(5));
    const { losses } = await minimize(() => tf.square(tf.sub(w, 2)), { variables: [w], optimizer: adam(0.1), steps: 300 });
    expect(losses[299]).toBeLessThan(1e-3);
    expect(Math.abs(w.dataSync()[0]! - 2)).toBeLessThan(0.05);
    w.dispose();
  });

  it('rejects bad hyperparameters and gradients, naming them and changing nothing', () => {
    expect(() => adam(0)).toThrow(/learningRate must be a finite number > 0, got 0/);
    expect(() => adam(1e-3, 1)).toThrow(/beta1 must be a number in \[0, 1\), got 1/);
    expect(() => adam(1e-3, 0.9, -0.1)).toThrow(/beta2 must be a number in \[0, 1\), got -0.1/);
    expect(() => adam(1e-3, 0.9, 0.999, Number.NaN)).toThrow(/epsilon must be a finite number > 0, got NaN/);
    const w = tf.variable(tf.ones([3]));
    const optimizer = adam();
    const wrong = tf.ones([4]);
    expect(() => optimizer.applyGradients({ [w.name]: wrong })).toThrow(
      /gradient of ".*" must be float32 of shape \[3\], got float32 \[4\]/,
    );
    expect(Array.from(w.dataSync())).toEqual([1, 1, 1]);
    expect(optimizer.iterations).toBe(0);
    expect(() => optimizer.applyGradients({ nope: wrong })).toThrow(/no variable named "nope"/);
    tf.dispose([w, wrong]);
    optimizer.dispose();
  });

  it('is a tf.Optimizer with tfjs Adam config', () => {
    const optimizer = adam(0.5, 0.8, 0.9, 1e-6);
    expect(optimizer).toBeInstanceOf(tf.Optimizer);
    expect(optimizer).toBeInstanceOf(FusedAdamOptimizer);
    expect(optimizer.getConfig()).toEqual({ learningRate: 0.5, beta1: 0.8, beta2: 0.9, epsilon: 1e-6 });
    optimizer.dispose();
  });
});
