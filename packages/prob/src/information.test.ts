import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { crossEntropy, entropy, information, jsDivergence, klDivergence, mutualInformation, Normal } from './index';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { expectRef, ref } from './testing/reference';

// Plain vectors are computed in float64, so the tolerance is float64's, not the backend's.
const RTOL = 1e-12;
const info = ref.information;

describe('information measures on plain vectors (reference/prob.json)', () => {
  it('entropy in nats and bits', () => {
    for (const c of info.entropy) expectRef('entropy', entropy(c.p), c.nats, { rtol: RTOL });
    for (const c of info.entropy_bits) expectRef('entropy.bits', entropy(c.p, { base: 2 }), c.bits, { rtol: RTOL });
  });

  it('cross-entropy, KL and Jensen-Shannon', () => {
    for (const c of info.cross_entropy) expectRef('crossEntropy', crossEntropy(c.p, c.q), c.nats, { rtol: RTOL });
    for (const c of info.kl) expectRef('kl', klDivergence(c.p, c.q), c.nats, { rtol: RTOL });
    for (const c of info.js) expectRef('js', jsDivergence(c.p, c.q), c.nats, { rtol: RTOL });
  });

  it('mutual information of a joint table, from arrays and 2-D tensors', async () => {
    for (const c of info.mutual_information) {
      expectRef('mutualInformation', mutualInformation(c.joint), c.nats, { rtol: RTOL, atol: 1e-15 });
      const t = tf.tensor2d(c.joint);
      // float32 storage of the table: backend precision
      expectRef('mutualInformation.tensor', await expectNoLeaks(() => mutualInformation(t)), c.nats, { rtol: 1e-5, atol: 1e-7 });
      t.dispose();
    }
  });

  it('information content of a likely, a rare and a certain event', () => {
    for (const e of ref.informationContent.events) {
      expectRef('information.nats', information(e.p), e.nats, { rtol: RTOL, atol: 1e-300 });
      expectRef('information.bits', information(e.p, { base: 2 }), e.bits, { rtol: RTOL, atol: 1e-300 });
    }
    expect(information([0.5, 0])).toEqual([Math.LN2, Infinity]);
  });

  it('accepts float32 tensors within the stated tolerance', async () => {
    const p = tf.tensor1d(info.entropy[3].p);
    const h = await expectNoLeaks(() => entropy(p));
    expectRef('entropy.tensor', h, info.entropy[3].nats, { rtol: 1e-6 });
    p.dispose();
  });

  it('follows 0 log 0 = 0 and KL = Infinity where q = 0 < p', () => {
    expect(entropy([1, 0])).toBe(0);
    expect(klDivergence([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(crossEntropy([0.5, 0.5], [1, 0])).toBe(Infinity);
    expect(klDivergence([1, 0], [0.5, 0.5])).toBeCloseTo(Math.LN2, 14);
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(Math.LN2, 14);
  });

  it('rejects inputs that are not distributions, with the offending index and value', () => {
    expect(() => entropy([0.5, -0.1, 0.6])).toThrow('entropy: p must hold probabilities in [0, 1], got -0.1 at index 1');
    expect(() => entropy([0.5, NaN])).toThrow('entropy: p must hold probabilities in [0, 1], got NaN at index 1');
    expect(() => entropy([0.5, 0.4])).toThrow('entropy: p must sum to 1 (within 0.00001), got sum 0.9');
    expect(() => klDivergence([0.5, 0.5], [0.2, 0.3, 0.5])).toThrow('klDivergence: p and q must have the same length, got 2 and 3');
    expect(() => information(1.5)).toThrow('information: p must hold probabilities in [0, 1], got 1.5 at index 0');
    expect(() => entropy([0.5, 0.5], { base: 1 })).toThrow('entropy: base must be a finite number > 0 other than 1, got 1');
    expect(() => mutualInformation([[0.5], [0.25, 0.25]])).toThrow(/rows must have equal lengths/);
    expect(() => entropy([])).toThrow('entropy: p is empty');
  });
});

describe('the same functions on distributions', () => {
  it('entropy(d) = d.entropy(), crossEntropy(p, q) = H(p) + KL(p || q)', async () => {
    const c = ref.kl.normal_normal[2];
    const [p, q] = [new Normal(c.p), new Normal(c.q)];
    const hEntropy = 0.5 + 0.5 * Math.log(2 * Math.PI) + Math.log(c.p.scale);
    expectRef('entropy(dist)', await expectNoLeaks(() => entropy(p)), hEntropy);
    expectRef('entropy(dist).bits', entropy(p, { base: 2 }), hEntropy / Math.LN2);
    expectRef('crossEntropy(dist)', await expectNoLeaks(() => crossEntropy(p, q)), hEntropy + c.kl);
    expect(() => crossEntropy(p, [0.5, 0.5] as never)).toThrow(/q must be a Distribution when p is one/);
    expect(() => klDivergence([0.5, 0.5] as never, q)).toThrow(/p must be a Distribution when q is one/);
    expectClose(klDivergence(p, p), 0, { atol: 1e-7 });
  });
});
