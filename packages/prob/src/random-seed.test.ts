import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Bernoulli } from './bernoulli';
import { Normal } from './normal';
import { tfjsSeed } from './random-seed';

describe('tfjsSeed: 0 is a seed like any other', () => {
  it('tfjs alone draws fresh numbers for seed 0 (the trap), tfjsSeed(0) the same ones every time', () => {
    const draw = (seed: number | undefined) => Array.from(tf.tidy(() => tf.randomNormal([4], 0, 1, 'float32', seed)).dataSync());
    expect(draw(0)).not.toEqual(draw(0));
    expect(draw(tfjsSeed(0))).toEqual(draw(tfjsSeed(0)));
    expect(draw(tfjsSeed(0))).not.toEqual(draw(tfjsSeed(1)));
    expect(draw(tfjsSeed(5))).toEqual(draw(5));
    expect(tfjsSeed(undefined)).toBeUndefined();
  });

  it('distributions sampled with seed 0 repeat themselves', () => {
    const normal = new Normal({ loc: 0, scale: 1 });
    const bernoulli = new Bernoulli({ probs: 0.3 });
    for (const d of [normal, bernoulli]) {
      const [a, b] = [0, 1].map(() => tf.tidy(() => Array.from(d.sample([6], { seed: 0 }).dataSync())));
      expect(a).toEqual(b);
    }
    normal.dispose();
    bernoulli.dispose();
  });
});
