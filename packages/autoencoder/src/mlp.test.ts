import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { Linear } from '@elbo/linear';
import { mlp, Mlp } from './index';
import type { Activation } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

const made: Mlp[] = [];
const track = (m: Mlp): Mlp => (made.push(m), m);
afterEach(() => made.splice(0).forEach((m) => m.dispose()));

/** The same network written with plain tfjs ops (default gradients): the oracle for forward and backward. */
function reference(net: Mlp, x: tf.Tensor2D): tf.Tensor {
  const { activation, outputActivation } = net.getConfig();
  const act = (t: tf.Tensor, a: Activation): tf.Tensor =>
    a === 'linear' ? t : a === 'relu' ? tf.relu(t) : a === 'sigmoid' ? tf.sigmoid(t) : a === 'tanh' ? tf.tanh(t) : a === 'elu' ? tf.elu(t) : tf.softplus(t);
  let h: tf.Tensor = x;
  net.layers.forEach((l, i) => {
    h = act(tf.add(tf.matMul(h, l.kernel), l.bias!), i === net.layers.length - 1 ? outputActivation : activation);
  });
  return h;
}

describe('mlp', () => {
  it('stacks Linear layers with PyTorch init, seeded per layer', () => {
    const net = track(mlp([784, 400, 20], { seed: 3 }));
    expect(net.layers.map((l) => [l.inputDim, l.outputDim])).toEqual([[784, 400], [400, 20]]);
    const same = new Linear({ inputDim: 400, outputDim: 20, seed: 3 + 7919 });
    expectClose(net.layers[1]!.kernel, same.kernel.dataSync(), { rtol: 0 });
    same.dispose();
    const bound = 1 / Math.sqrt(784);
    expect(tf.max(tf.abs(net.layers[0]!.kernel)).dataSync()[0]).toBeLessThanOrEqual(bound);
    expect(net.trainableVariables).toHaveLength(4);
    expect(net.getConfig()).toEqual({ sizes: [784, 400, 20], activation: 'relu', outputActivation: 'linear', seed: 3, init: 'pytorch', bias: true });
  });

  for (const activation of ['relu', 'sigmoid', 'tanh', 'elu', 'softplus'] as const) {
    it(`forward and gradient equal plain tfjs ops (${activation})`, async () => {
      const net = track(mlp([5, 7, 6, 3], { activation, outputActivation: activation === 'relu' ? 'sigmoid' : 'linear', seed: 1 }));
      const x = tf.randomNormal([4, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
      const w = tf.randomNormal([4, 3], 0, 1, 'float32', 4);
      const f = (g: (x: tf.Tensor2D) => tf.Tensor) => () => tf.sum(tf.mul(g(x), w)) as tf.Scalar;
      const ours = tf.variableGrads(f((t) => net.apply(t)), net.trainableVariables);
      const theirs = tf.variableGrads(f((t) => reference(net, t)), net.trainableVariables);
      expectClose(ours.value, theirs.value.dataSync(), { rtol: 1e-5, atol: 1e-6 });
      for (const name of Object.keys(theirs.grads)) {
        expectClose(ours.grads[name]!, theirs.grads[name]!.dataSync(), { rtol: 1e-4, atol: 1e-6 });
      }
      const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(net.apply(t), w)))(x);
      const dxRef = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(net, t as tf.Tensor2D), w)))(x);
      expectClose(dx, dxRef.dataSync(), { rtol: 1e-4, atol: 1e-6 });
      tf.dispose([x, w, ours.value, theirs.value, dx, dxRef, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
      const ones = tf.ones([2, 5]);
      await expectNoLeaks(() => net.apply(ones).dispose());
      ones.dispose();
    });
  }

  it('applies to one example and to number arrays, without leaking', async () => {
    const net = track(mlp([3, 4, 2], { seed: 5 }));
    const batch = await expectNoLeaks(() => net.apply([[1, 2, 3]]));
    const one = await expectNoLeaks(() => net.apply([1, 2, 3]));
    expect(one.shape).toEqual([2]);
    expectClose(one, batch.dataSync(), { rtol: 0 });
    tf.dispose([batch, one]);
  });

  it('gets and sets weights by name, checking everything before changing anything', async () => {
    const a = track(mlp([3, 4, 2], { seed: 1 }));
    const b = track(mlp([3, 4, 2], { seed: 2 }));
    const w = a.getWeights();
    expect(Object.keys(w)).toEqual(['layer0/kernel', 'layer0/bias', 'layer1/kernel', 'layer1/bias']);
    await expectNoLeaks(() => b.setWeights(w));
    const x = tf.ones([2, 3]);
    expectClose(b.apply(x), a.apply(x).dataSync(), { rtol: 0 });
    const before = b.layers[0]!.kernel.dataSync().slice();
    const wrongShape = { ...w, 'layer1/kernel': tf.zeros([4, 3]) };
    expect(() => b.setWeights({ ...w, 'layer0/kernel': tf.mul(tf.ones([3, 4]), 3), 'layer1/kernel': tf.zeros([4, 3]) })).toThrow(
      'weight layer1/kernel must have shape [4, 2], got [4, 3]',
    );
    expect(() => b.setWeights({ ...w, 'layer0/kernel': tf.fill([3, 4], NaN) })).toThrow('layer0/kernel must be finite');
    expect(() => b.setWeights({ 'layer0/kernel': w['layer0/kernel']! })).toThrow('weight layer0/bias is missing');
    expect(() => b.setWeights({ ...w, extra: tf.zeros([1]) })).toThrow('unexpected weight(s) extra');
    expectClose(b.layers[0]!.kernel, before, { rtol: 0 });
    tf.dispose([x, ...Object.values(w), ...Object.values(wrongShape)]);
  });

  it('rejects bad sizes, activations, seeds and inputs with the value in the message', () => {
    expect(() => mlp([784])).toThrow('sizes must list at least 2 widths');
    expect(() => mlp([784, 0, 2])).toThrow('sizes must be positive integers, got 0 at index 1');
    expect(() => mlp([4, 2], { activation: 'gelu' as Activation })).toThrow('activation must be one of linear, relu');
    expect(() => mlp([4, 2], { seed: NaN })).toThrow('seed must be a finite number, got NaN');
    const net = track(mlp([4, 2]));
    expect(() => net.apply(tf.zeros([2, 5]))).toThrow('x must have shape [batch, 4] or [4], got [2, 5]');
  });
});
