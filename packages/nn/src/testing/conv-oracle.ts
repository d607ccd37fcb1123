// Test helper (never published): run a layer on a case of reference/conv.json (PyTorch 1.13.1, float64)
// and compare its output and the gradients of sum(output * upstream) for input, kernel and bias.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { Conv2d, ConvTranspose2d } from '@elbo/nn';
import { expectClose, loadReference } from '../../../../tooling/testing';

export interface ConvCase {
  name: string;
  transposed: boolean;
  torch: { in_channels: number; out_channels: number; kernel_size: number; stride: number; padding: number; output_padding: number };
  x_nhwc: number[];
  filter: number[];
  bias: number[];
  y_nhwc: number[];
  upstream_nhwc: number[];
  grad_x_nhwc: number[];
  grad_filter: number[];
  grad_bias: number[];
}

export const convCases = (): ConvCase[] => loadReference<{ cases: ConvCase[] }>('conv').cases;

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flat(Infinity as 1) : [v]) as number[];
const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);

/** float32 against float64: sums of up to ~1600 products of O(1) values. */
const tolerance = (expected: number[]) => ({ rtol: 1e-4, atol: 1e-5 * Math.max(1, ...expected.map(Math.abs)) });

/**
 * Sets the layer's weights to the case's, compares the forward pass and the gradients
 * with PyTorch's, and checks that no tensor is left behind.
 */
export function checkAgainstOracle(layer: Conv2d | ConvTranspose2d, c: ConvCase): void {
  const before = tf.memory().numTensors;
  const weights = { kernel: tf.tensor(flat(c.filter), shapeOf(c.filter)), bias: tf.tensor(flat(c.bias), shapeOf(c.bias)) };
  layer.setWeights(weights);
  tf.dispose(Object.values(weights));
  const x = tf.tidy(() => tf.variable(tf.tensor(flat(c.x_nhwc), shapeOf(c.x_nhwc))));
  const upstream = tf.tensor(flat(c.upstream_nhwc), shapeOf(c.upstream_nhwc));
  const y = layer.apply(x);
  expect(y.shape).toEqual(shapeOf(c.y_nhwc));
  const yExpected = flat(c.y_nhwc);
  expectClose(y, yExpected, tolerance(yExpected));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x), upstream)) as tf.Scalar, [x, layer.kernel, layer.bias!]);
  for (const [got, want] of [
    [grads[x.name]!, c.grad_x_nhwc],
    [grads[layer.kernel.name]!, c.grad_filter],
    [grads[layer.bias!.name]!, c.grad_bias],
  ] as const) {
    expect(got.shape).toEqual(shapeOf(want));
    expectClose(got, flat(want), tolerance(flat(want)));
  }
  tf.dispose([value, ...Object.values(grads)]);
  tf.dispose([x, upstream, y]);
  expect(tf.memory().numTensors).toBe(before);
}
