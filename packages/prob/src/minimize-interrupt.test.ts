import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { minimize, NonFiniteLossError } from './index';
import { macrotask } from './yield';

const made: tf.Variable[] = [];
const variable = (v: number): tf.Variable => {
  const w = tf.variable(tf.scalar(v));
  made.push(w);
  return w;
};
afterEach(() => tf.dispose(made.splice(0)));

describe('minimize: typed errors', () => {
  it('throws a NonFiniteLossError with the step, kind, value and restored flag', async () => {
    const w = variable(5);
    const loss = (_: undefined, step: number) => (step === 3 ? tf.div(tf.sub(w, w), 0) : tf.square(tf.sub(w, 2)));
    const error = await minimize(loss, { variables: [w], optimizer: tf.train.sgd(0.1), steps: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect(error).toMatchObject({ name: 'NonFiniteLossError', step: 3, kind: 'loss', restored: false, epoch: undefined, batch: undefined });
    expect(Number.isNaN((error as NonFiniteLossError).value)).toBe(true);
    expect((error as Error).message).toMatch(/^minimize: loss is NaN at step 3; the update of that step was not applied/);
  });

  it('names a non-finite gradient, and a restore under lossEvery', async () => {
    const w = variable(0);
    const grad = await minimize(() => tf.sqrt(tf.abs(w)), { variables: [w], optimizer: tf.train.sgd(0.1), steps: 3 }).catch(
      (e: unknown) => e,
    );
    expect(grad).toMatchObject({ kind: 'gradient', step: 0, value: undefined, restored: false });
    const v = variable(5);
    const loss = (_: undefined, step: number) => (step === 5 ? tf.div(tf.scalar(1), tf.sub(v, v)) : tf.square(tf.sub(v, 2)));
    const restored = await minimize(loss, { variables: [v], optimizer: tf.train.sgd(0.1), steps: 10, lossEvery: 4 }).catch(
      (e: unknown) => e,
    );
    expect(restored).toMatchObject({ kind: 'loss', step: 5, value: Infinity, restored: true });
  });
});

describe('minimize: stays interruptible', () => {
  it('a timer-fired abort stops a long synchronous run well before its end', async () => {
    const w = variable(5);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 40);
    const started = performance.now();
    const result = await minimize(() => tf.square(tf.sub(w, 2)), {
      variables: [w],
      optimizer: tf.train.sgd(1e-4),
      steps: 1_000_000,
      signal: controller.signal,
    });
    clearTimeout(timer);
    const elapsed = performance.now() - started;
    expect(result.aborted).toBe(true);
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(1_000_000);
    // 40 ms plus at most one 20 ms slice and the step in flight; the bound is generous for a loaded
    // machine and still far below the 1e6 steps (minutes) the run would take without the yield.
    expect(elapsed).toBeLessThan(5000);
  });

  it('macrotask lets a due timer run first', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await new Promise((r) => setTimeout(r, 5));
    setTimeout(() => order.push('timer2'), 0);
    const spin = performance.now();
    while (performance.now() - spin < 5);
    await macrotask();
    await macrotask();
    order.push('after');
    expect(order).toEqual(['timer', 'timer2', 'after']);
  });
});
