import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { log1mExp, logSigmoid, logSumExp, softplus } from './index';
import { backendTolerance, expectClose, expectNoLeaks } from '../../../tooling/testing';

// Oracles: the closed forms evaluated in float64 by JavaScript's Math.
const xs = [-1000, -100, -30, -1, 0, 0.5, 3, 30, 100, 1000];
const softplus64 = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

describe('softplus / logSigmoid', () => {
  it('match log(1 + exp(x)) and stay finite at +-1000', async () => {
    const y = await expectNoLeaks(() => softplus(xs));
    expectClose(y, xs.map(softplus64), { rtol: backendTolerance(), atol: 1e-30 });
    const ls = await expectNoLeaks(() => logSigmoid(xs));
    expectClose(
      ls,
      xs.map((x) => -softplus64(-x)),
      { rtol: backendTolerance(), atol: 1e-30 },
    );
    tf.dispose([y, ls]);
  });
  it('rejects input that is not numeric, naming the argument', () => {
    expect(() => softplus('a' as never)).toThrow(/softplus: x/);
  });
});

describe('logSumExp', () => {
  it('equals log(sum(exp(x))) for large magnitudes and all -Infinity rows', async () => {
    const x = tf.tensor2d([
      [1000, 1000, 999],
      [-1000, -1001, -1002],
      [-Infinity, -Infinity, -Infinity],
    ]);
    const y = await expectNoLeaks(() => logSumExp(x, 1));
    const ref = (r: number[]) => {
      const m = Math.max(...r);
      return m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0));
    };
    expectClose(y, [ref([1000, 1000, 999]), ref([-1000, -1001, -1002]), -Infinity], { rtol: backendTolerance() });
    expect(y.shape).toEqual([3]);
    const k = logSumExp(x, 1, true);
    expect(k.shape).toEqual([3, 1]);
    const all = logSumExp([0, Math.log(3)]);
    expectClose(all, Math.log(4), { rtol: backendTolerance() });
    tf.dispose([x, y, k, all]);
  });
  it('has gradient softmax(x)', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.grad((v: tf.Tensor) => logSumExp(v))(x);
    const e = [1, 2, 3].map(Math.exp);
    const s = e.reduce((a, b) => a + b);
    expectClose(
      g,
      e.map((v) => v / s),
      { rtol: backendTolerance() },
    );
    tf.dispose([x, g]);
  });
});

describe('log1mExp', () => {
  it('matches log(1 - exp(x)) near 0 and far from it', async () => {
    const x = [-1e-6, -0.01, -0.5, -0.7, -1, -5, -50];
    const y = await expectNoLeaks(() => log1mExp(x));
    const ref = x.map((v) => (v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v))));
    // float32 rounding of the input itself bounds the relative error near 0.
    expectClose(y, ref, { rtol: 10 * backendTolerance(), atol: 1e-30 });
    const z = log1mExp([0]);
    expectClose(z, [-Infinity]);
    tf.dispose([y, z]);
  });
  it('has finite gradients on both branches', () => {
    const x = tf.tensor1d([-0.1, -3]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(log1mExp(v)))(x);
    // d/dx log(1 - e^x) = -e^x / (1 - e^x)
    expectClose(
      g,
      [-0.1, -3].map((v) => -Math.exp(v) / -Math.expm1(v)),
      { rtol: backendTolerance() },
    );
    tf.dispose([x, g]);
  });
});
