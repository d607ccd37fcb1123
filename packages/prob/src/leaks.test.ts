import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  Bernoulli,
  Categorical,
  ContinuousBernoulli,
  Independent,
  Laplace,
  Normal,
  Uniform,
  klDivergence,
  klNormalStandard,
  entropy,
  crossEntropy,
  type Distribution,
} from './index';
import { expectNoLeaks } from '../../../tooling/testing';

// Every public method of every distribution leaves tf.memory().numTensors as it found it
// (apart from the tensors it returns), and dispose() frees what the constructor made.
const makers: [string, () => Distribution, number[]][] = [
  ['Normal', () => new Normal({ loc: [0, 1], scale: [1, 2] }), [0.3, -1]],
  ['Normal.fromLogVar', () => Normal.fromLogVar([0, 1], [0.1, -0.2]), [0.3, -1]],
  ['Independent', () => new Independent(new Normal({ loc: [0, 1], scale: [1, 2] }), 1), [0.3, -1]],
  ['Bernoulli', () => new Bernoulli({ probs: [0.2, 0.9] }), [0, 1]],
  [
    'Categorical',
    () =>
      new Categorical({
        logits: [
          [0, 1, 2],
          [1, 1, 1],
        ],
      }),
    [0, 2],
  ],
  ['ContinuousBernoulli', () => new ContinuousBernoulli({ probs: [0.2, 0.5] }), [0.1, 0.9]],
  ['Uniform', () => new Uniform({ low: [0, -1], high: [1, 1] }), [0.5, 0]],
  ['Laplace', () => new Laplace({ loc: [0, 1], scale: [1, 2] }), [0.3, -1]],
];

describe('no leaked tensors', () => {
  for (const [name, make, value] of makers) {
    it(name, async () => {
      const before = tf.memory().numTensors;
      const d = make();
      const methods: (() => tf.Tensor | { value: tf.Tensor; standardError: tf.Tensor })[] = [
        () => d.sample([3], { seed: 1 }),
        () => d.logProb(value),
        () => d.prob(value),
        () => d.entropy(),
        () => d.mean(),
        () => d.variance(),
        () => d.stddev(),
        () => klDivergence(d, d, { samples: 10, seed: 1 }),
      ];
      if (d.hasRsample) methods.push(() => d.rsample([3], { seed: 1 }));
      if (!['Bernoulli', 'Categorical'].includes(name)) methods.push(() => d.cdf(value));
      if (name !== 'ContinuousBernoulli')
        methods.push(
          () => klDivergence(d, d),
          () => entropy(d),
          () => crossEntropy(d, d),
        );
      for (const m of methods) {
        const out = await expectNoLeaks(m);
        tf.dispose(out as never);
      }
      await expectNoLeaks(() => {
        expect(() => d.logProb([[[1, 2, 3]]])).toThrow();
      });
      d.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('klNormalStandard', async () => {
    const out = await expectNoLeaks(() => klNormalStandard([[0.5, 1]], [[0.1, -0.3]]));
    out.dispose();
  });
});
