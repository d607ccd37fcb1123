import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { bayes } from './index';
import { expectRef, ref } from './testing/reference';

// The class of 20: one student has flu; 5 are girls (indices 0-4), 15 are boys.
// Student ABC is index 0 (a girl) or index 19 (a boy). The evidence: the sick one is a girl.
const prior = Array.from({ length: 20 }, () => 1 / 20);
const sickIsAGirl = Array.from({ length: 20 }, (_, i) => (i < 5 ? 1 : 0));

describe("Bayes' rule", () => {
  it('the class-of-20 flu example (reference/prob.json)', () => {
    const f = ref.bayes;
    expectRef('bayes.prior', prior[0]!, f.prior_ABC_has_flu, { rtol: 1e-15 });
    const { posterior, evidence } = bayes({ prior, likelihood: sickIsAGirl });
    expectRef('bayes.girl', posterior[0]!, f.posterior_if_ABC_is_a_girl, { rtol: 1e-12 });
    expect(posterior[19]).toBe(f.posterior_if_ABC_is_a_boy);
    expect(evidence).toBeCloseTo(5 / 20, 15);
    expect(posterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('takes tensors and explains zero evidence and mismatched lengths', () => {
    const r = bayes({ prior: tf.tensor1d([0.5, 0.5]), likelihood: [0.9, 0.3] });
    expect(r.posterior[0]).toBeCloseTo(0.75, 6);
    expect(() => bayes({ prior: [1, 0], likelihood: [0, 1] })).toThrow(/evidence has probability 0/);
    expect(() => bayes({ prior: [0.5, 0.5], likelihood: [1] })).toThrow(
      'bayes: prior and likelihood must have one entry per hypothesis, got 2 and 1',
    );
    expect(() => bayes({ prior: [0.5, 0.6], likelihood: [1, 1] })).toThrow(/prior must sum to 1/);
    expect(() => bayes({ prior: [0.5, 0.5], likelihood: [1, -1] })).toThrow(
      'bayes: likelihood must hold probabilities in [0, 1], got -1 at index 1',
    );
  });
});
