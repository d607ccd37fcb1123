import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { assertGradientsRegistered, minimize } from './index';
import { MISSING_GRADIENTS_MESSAGE } from './gradients';
import { backendTolerance, expectClose } from '../../../tooling/testing';

// Oracle: gradient descent with rate r on (w - 2)^2 from w0 = 5 gives
// w_k = 2 + 3 (1 - 2r)^k and loss_k = (3 (1 - 2r)^k)^2, exactly.
const rate = 0.1;
const wAt = (k: number) => 2 + 3 * (1 - 2 * rate) ** k;
const lossAt = (k: number) => (3 * (1 - 2 * rate) ** k) ** 2;

let made: tf.Variable[] = [];
const variable = (v: number) => {
  const w = tf.variable(tf.scalar(v));
  made.push(w);
  return w;
};
afterEach(() => {
  made.forEach((v) => v.dispose());
  made = [];
});

describe('minimize', () => {
  it('follows the closed-form gradient-descent trajectory and returns every loss', async () => {
    const w = variable(5);
    const sgd = tf.train.sgd(rate);
    const result = await minimize(() => tf.square(tf.sub(w, 2)), { variables: [w], optimizer: sgd, steps: 20 });
    expect(result).toMatchObject({ steps: 20, aborted: false, stoppedEarly: false });
    expectClose(
      result.losses,
      Array.from({ length: 20 }, (_, k) => lossAt(k)),
      { rtol: backendTolerance() },
    );
    expectClose(w, wAt(20), { rtol: backendTolerance() });
    sgd.dispose();
  });

  it('takes one step per batch from sync and async iterables, passing the batch and step', async () => {
    const w = variable(0);
    const seen: [number, number][] = [];
    const loss = (b: number, step: number) => {
      seen.push([b, step]);
      return tf.square(tf.sub(w, b));
    };
    const r1 = await minimize(loss, { variables: [w], optimizer: tf.train.sgd(rate), batches: [1, 2, 3] });
    expect(r1.steps).toBe(3);
    expect(seen).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    async function* gen() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const r2 = await minimize(loss, { variables: [w], optimizer: tf.train.sgd(rate), batches: gen(), steps: 2 });
    expect(r2.steps).toBe(2);
    expect(r2.losses).toHaveLength(2);
  });

  it("runs onStep after that step's update: the variables it reads are the updated ones", async () => {
    const w = variable(5);
    const seen: number[] = [];
    const r = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 4,
      onStep: () => void seen.push(w.dataSync()[0]!),
    });
    // onStep of step k sees w after update k, i.e. w_{k+1} (the old order gave w_k).
    expectClose(seen, [1, 2, 3, 4].map(wAt), { rtol: backendTolerance() });
    expectClose(r.losses, [0, 1, 2, 3].map(lossAt), { rtol: backendTolerance() });
    // With lossEvery = 3 the burst for steps 0..2 runs after update 2, then step 3 after update 3.
    w.assign(tf.scalar(5));
    const burst: [number, number][] = [];
    await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 4,
      lossEvery: 3,
      onStep: ({ step }) => void burst.push([step, w.dataSync()[0]!]),
    });
    expect(burst.map(([step]) => step)).toEqual([0, 1, 2, 3]);
    expectClose(
      burst.map(([, v]) => v),
      [wAt(3), wAt(3), wAt(3), wAt(4)],
      { rtol: backendTolerance() },
    );
    // Stopping from onStep keeps the update of the step that stopped.
    w.assign(tf.scalar(5));
    const s = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 10,
      onStep: ({ step }) => step < 1,
    });
    expect(s).toMatchObject({ steps: 2, stoppedEarly: true });
    expectClose(w, wAt(2), { rtol: backendTolerance() });
  });

  it('stops on a non-finite loss naming the step, without applying that update', async () => {
    const w = variable(5);
    const loss = (_: undefined, step: number) => (step === 3 ? tf.div(tf.sub(w, w), 0) : tf.square(tf.sub(w, 2)));
    await expect(minimize(loss, { variables: [w], optimizer: tf.train.sgd(rate), steps: 10 })).rejects.toThrow(/loss is NaN at step 3/);
    expectClose(w, wAt(3), { rtol: backendTolerance() });
  });

  it('stops on a non-finite gradient too', async () => {
    const w = variable(0);
    await expect(minimize(() => tf.sqrt(tf.abs(w)), { variables: [w], optimizer: tf.train.sgd(rate), steps: 3 })).rejects.toThrow(
      /gradient is not finite at step 0/,
    );
    expectClose(w, 0);
  });

  it('with lossEvery > 1 reads losses in bursts and restores the variables of the previous read', async () => {
    const w = variable(5);
    const calls: number[] = [];
    const ok = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 7,
      lossEvery: 3,
      onStep: ({ step }) => void calls.push(step),
    });
    expect(calls).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expectClose(
      ok.losses,
      Array.from({ length: 7 }, (_, k) => lossAt(k)),
      { rtol: backendTolerance() },
    );
    w.assign(tf.scalar(5));
    const loss = (_: undefined, step: number) => (step === 4 ? tf.mul(w, Infinity) : tf.square(tf.sub(w, 2)));
    await expect(minimize(loss, { variables: [w], optimizer: tf.train.sgd(rate), steps: 10, lossEvery: 3 })).rejects.toThrow(
      /loss is Infinity at step 4.*restored to their values before the update of step 2/,
    );
    expectClose(w, wAt(2), { rtol: backendTolerance() });
  });

  it('undoes an update that itself makes a variable non-finite (finite loss and gradient, a step too large for float32), at any lossEvery', async () => {
    for (const lossEvery of [1, 2]) {
      const w = variable(1e30);
      const u = variable(3);
      const steps: number[] = [];
      // SGD with rate 1e39 (Infinity in float32): the update of step 0 sends w to -Infinity, though its loss and gradient are finite.
      const run = minimize(() => tf.add(w, tf.square(u)), {
        variables: [w, u],
        optimizer: tf.train.sgd(1e39),
        steps: 4,
        lossEvery,
        onStep: ({ step }) => void steps.push(step),
      });
      await expect(run).rejects.toMatchObject({ name: 'NonFiniteLossError', kind: 'update', step: 0, restored: true });
      await expect(run).rejects.toThrow(
        /the update of step 0 made a variable non-finite .*restored to their values before the update of step 0/,
      );
      expect(w.dataSync()[0]).toBe(Math.fround(1e30));
      expect(u.dataSync()[0]).toBe(3);
      // onStep of step 0 ran before the next read found its update bad (lossEvery 1); a burst reports nothing
      expect(steps).toEqual(lossEvery === 1 ? [0] : []);
    }
  });

  it('the last update of a run is checked too', async () => {
    const w = variable(1);
    const grow = tf.train.sgd(2e38);
    // loss = w, gradient 1: step 0 takes w to -2e38, step 1 (the last) past float32 to -Infinity
    await expect(minimize(() => tf.mul(w, 1), { variables: [w], optimizer: grow, steps: 2 })).rejects.toMatchObject({
      kind: 'update',
      step: 1,
      restored: true,
    });
    expect(w.dataSync()[0]).toBeCloseTo(-2e38, -33);
    grow.dispose();
  });

  it('honours an AbortSignal between steps and awaits async onStep; returning false stops', async () => {
    const w = variable(5);
    const controller = new AbortController();
    const r = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 100,
      signal: controller.signal,
      onStep: async ({ step }) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (step === 4) controller.abort();
      },
    });
    expect(r).toMatchObject({ steps: 5, aborted: true });
    expect(r.losses).toHaveLength(5);
    const s = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(rate),
      steps: 100,
      onStep: ({ step }) => step < 2,
    });
    expect(s).toMatchObject({ steps: 3, stoppedEarly: true, aborted: false });
  });

  it('leaks no tensors across many steps, with its own Adam or a caller optimizer after warm-up', async () => {
    const w = tf.variable(tf.randomNormal([4, 3], 0, 1, 'float32', 1));
    made.push(w);
    const x = tf.ones([2, 4]);
    const loss = () => tf.mean(tf.square(tf.matMul(x, w)));
    let before = tf.memory().numTensors;
    await minimize(loss, { variables: [w], steps: 30 });
    expect(tf.memory().numTensors).toBe(before);
    const adam = tf.train.adam(0.01);
    await minimize(loss, { variables: [w], optimizer: adam, steps: 1 });
    before = tf.memory().numTensors;
    const r = await minimize(loss, { variables: [w], optimizer: adam, steps: 40, lossEvery: 4 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses[39]!).toBeLessThan(r.losses[0]!);
    adam.dispose();
    x.dispose();
  });

  it('leaks nothing when the loss throws or returns a non-scalar after running kernels, and leaves the variables', async () => {
    const w = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
    );
    made.push(w);
    const x = tf.tensor2d([
      [1, 0.5],
      [0, 1],
    ]);
    const before = tf.memory().numTensors;
    const throwing = () => {
      tf.sum(tf.square(tf.matMul(x, w))); // kernels whose backward pass would need saved tensors
      throw new Error('bad batch');
    };
    await expect(minimize(throwing, { variables: [w], steps: 3 })).rejects.toThrow('bad batch');
    await expect(minimize(() => tf.square(tf.matMul(x, w)), { variables: [w], steps: 1 })).rejects.toThrow(/must return a scalar/);
    expect(tf.memory().numTensors).toBe(before);
    expect(w.arraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    // A tape still works afterwards.
    const r = await minimize(() => tf.sum(tf.square(tf.matMul(x, w))), { variables: [w], steps: 2 });
    expect(r.losses[1]!).toBeLessThan(r.losses[0]!);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('trains every trainable variable the loss reads when variables is not given', async () => {
    const w = variable(5);
    await minimize(() => tf.square(tf.sub(w, 2)), { optimizer: tf.train.sgd(rate), steps: 5 });
    expectClose(w, wAt(5), { rtol: backendTolerance() });
  });

  it('rejects bad options before touching anything', async () => {
    const w = variable(5);
    const loss = () => tf.square(w);
    await expect(minimize(loss, {} as never)).rejects.toThrow(/give steps .* or batches/);
    await expect(minimize(loss, { steps: -1 })).rejects.toThrow(/steps must be an integer >= 0, got -1/);
    await expect(minimize(loss, { steps: 1, lossEvery: 0 })).rejects.toThrow(/lossEvery must be an integer >= 1, got 0/);
    await expect(minimize(loss, { steps: 1, variables: [w, 3 as never] })).rejects.toThrow(/variables\[1\] must be a tf.Variable/);
    await expect(minimize(loss, { batches: 5 as never })).rejects.toThrow(/batches must be an iterable/);
    await expect(minimize(() => tf.mul(w, tf.ones([2])), { steps: 1 })).rejects.toThrow(
      /loss must return a scalar tensor \(shape \[\]\), got a tensor of shape \[2\] at step 0/,
    );
    expectClose(w, 5);
  });
});

describe('assertGradientsRegistered', () => {
  it('passes when the backend setup registered gradients', () => {
    expect(() => assertGradientsRegistered('test')).not.toThrow();
  });
  it('explains how to register them when they are missing', () => {
    expect(() => assertGradientsRegistered('minimize', () => undefined)).toThrow(MISSING_GRADIENTS_MESSAGE);
    expect(MISSING_GRADIENTS_MESSAGE).toMatch(/@elbo\/backend-node.*await selectBackend\(\).*@elbo\/backend-web.*@tensorflow\/tfjs/);
  });
});
