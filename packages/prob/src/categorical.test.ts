import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Categorical, klDivergence } from './index';
import { expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

describe('Categorical against scipy (reference/prob.json)', () => {
  ref.categorical.forEach((c: any) => {
    it(`probs ${JSON.stringify(c.params.probs)}`, async () => {
      const k = c.params.probs.length;
      const byProbs = new Categorical({ probs: c.params.probs });
      const byLogits = new Categorical({ logits: c.logits.map((l: number) => l + 3) }); // shift-invariant
      const values = Array.from({ length: k }, (_, i) => i);
      for (const d of [byProbs, byLogits]) {
        const lp = await expectNoLeaks(() => d.logProb(values));
        expectRef('categorical.logProb', lp, c.logProb);
        expectRef('categorical.entropy', await expectNoLeaks(() => d.entropy()), c.entropy);
        expectRef('categorical.logits', d.logits, c.logits);
        tf.dispose(lp);
      }
      expect(byProbs.batchShape).toEqual([]);
      expect(byProbs.numCategories).toBe(k);
      byProbs.dispose();
      byLogits.dispose();
    });
  });

  it('KL(Categorical || Categorical)', async () => {
    for (const c of ref.kl.categorical_categorical) {
      const [p, q] = [new Categorical(c.p), new Categorical(c.q)];
      const kl = await expectNoLeaks(() => klDivergence(p, q));
      expectRef('kl.categorical', kl, c.kl, { atol: 1e-6 });
      tf.dispose(kl);
    }
  });

  it('handles zero probabilities: log 0 = -Infinity, 0 log 0 = 0, KL Infinity where q = 0 < p', () => {
    const d = new Categorical({ probs: [0.5, 0.5, 0] });
    expectRef('categorical.zero.logProb', d.logProb([0, 2]), [Math.log(0.5), -Infinity]);
    expectRef('categorical.zero.entropy', d.entropy(), Math.log(2));
    expectRef('categorical.zero.kl', klDivergence(new Categorical({ probs: [1, 0, 0] }), d), Math.log(2));
    expectRef('categorical.zero.klInf', klDivergence(d, new Categorical({ probs: [1, 0, 0] })), Infinity);
  });

  it('batches over leading axes and samples by Gumbel-max reproducibly', () => {
    const d = new Categorical({
      logits: tf.tensor2d([
        [0, 0, 10],
        [10, 0, 0],
      ]),
    });
    expect(d.batchShape).toEqual([2]);
    const s = d.sample([500], { seed: 2 });
    expect(s.shape).toEqual([500, 2]);
    const col = (j: number) => (s.arraySync() as number[][]).map((r) => r[j]);
    // P(category 2) = e^10 / (e^10 + 2) in row 0: at most a couple of misses in 500
    expect(col(0).filter((v) => v === 2).length).toBeGreaterThan(495);
    expect(col(1).filter((v) => v === 0).length).toBeGreaterThan(495);
    expect(Array.from(d.sample([500], { seed: 2 }).dataSync())).toEqual(Array.from(s.dataSync()));
  });

  it('checks parameters and values', () => {
    expect(() => new Categorical({ probs: [0.5, 0.6] })).toThrow(
      /Categorical: probs must be a probability vector along the last axis .*, got \[0.5, 0.6\] at index 0 \(probs has shape \[2\]\)/,
    );
    expect(() => new Categorical({ logits: 1 })).toThrow(/at least one axis/);
    const d = new Categorical({ probs: [0.2, 0.8] });
    expect(() => d.logProb([2])).toThrow(/value must be an integer in \{0, \.\.\., 1\}, got 2 at index 0/);
    expect(() => d.logProb([0.5])).toThrow(/got 0.5 at index 0/);
  });
});

describe('Categorical with no categories', () => {
  it('is refused, naming the parameter and the shape, and leaks nothing', () => {
    const empty = tf.zeros([3, 0]);
    const before = tf.memory().numTensors;
    expect(() => new Categorical({ logits: empty })).toThrow(
      'Categorical: logits must hold at least one category on its last axis, got shape [3, 0]',
    );
    expect(() => new Categorical({ probs: [] })).toThrow(
      'Categorical: probs must hold at least one category on its last axis, got shape [0]',
    );
    expect(tf.memory().numTensors).toBe(before);
    empty.dispose();
  });
});
