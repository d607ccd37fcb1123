import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { simdSoftplusModuleBytes } from '@elbo/backend-common';
import { selectBackend } from './index';

/** softplus in float64, stable at both ends. */
const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));

describe('the SIMD softplus on wasm', () => {
  let selection: Awaited<ReturnType<typeof selectBackend>>;
  beforeAll(async () => {
    selection = await selectBackend({ prefer: ['wasm'], fallback: false });
  });

  it('assembles a valid module', () => {
    expect(WebAssembly.validate(simdSoftplusModuleBytes(false))).toBe(true);
    expect(selection.reason).toMatch(/softplus/);
  });

  it('tf.softplus matches float64 to a few float32 ulps, relative, from -87 to 100 (and the tail of 3)', async () => {
    const values: number[] = [];
    for (let x = -87; x <= 100; x += 0.0137) values.push(x);
    values.push(0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 15.9424, -15.9424, 88, -60);
    values.push(0.5, -2.5, 7); // 3 more: not a multiple of 4
    const got = await expectNoLeaks(() => tf.tidy(() => tf.softplus(tf.tensor1d(values))));
    const out = got.dataSync();
    got.dispose();
    let worst = 0;
    values.forEach((x, i) => {
      const want = softplus(Math.fround(x));
      worst = Math.max(worst, Math.abs(out[i]! - want) / want);
    });
    expect(worst).toBeLessThan(8 * 2 ** -23);
  });

  it('gives every value of every length its own softplus (the kernel takes 4 vectors at a time; a short last block repeats its last vector)', () => {
    for (const n of [4, 8, 12, 16, 20, 23, 36, 67]) {
      const values = Array.from({ length: n }, (_, i) => 9 * Math.sin(2.3 * i + n));
      values[n - 1] = NaN; // the last value, read again by the lanes past the end
      const out = tf.tidy(() => tf.softplus(tf.tensor1d(values)).dataSync());
      expect(out.length).toBe(n);
      values.slice(0, -1).forEach((x, i) => expect(Math.abs(out[i]! - softplus(Math.fround(x))) / softplus(x)).toBeLessThan(8 * 2 ** -23));
      expect(out[n - 1]).toBeNaN();
    }
  });

  it('keeps infinities and NaN, and is 0 far below', () => {
    const out = tf.tidy(() => tf.softplus(tf.tensor1d([Infinity, -Infinity, NaN, -200])).dataSync());
    expect(out[0]).toBe(Infinity);
    expect(out[1]).toBe(0);
    expect(out[2]).toBeNaN();
    expect(out[3]).toBe(0); // e^-200 is below float32's range
  });

  it('its gradient is still sigmoid (tfjs registers it for the Softplus kernel)', () => {
    const x = tf.tensor1d([-3, -0.5, 0, 0.5, 3, 7, 1, 2]);
    const g = tf.tidy(() =>
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.softplus(v)))(x)
        .dataSync(),
    );
    const want = [-3, -0.5, 0, 0.5, 3, 7, 1, 2].map((v) => 1 / (1 + Math.exp(-v)));
    g.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-6));
    x.dispose();
  });
});
