import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Bernoulli, ContinuousBernoulli, Laplace, Normal, Uniform, klDivergence } from './index';

/** Runs `make`, expects it to throw `message`, and that it left no tensor behind. */
function expectThrowsClean(make: () => unknown, message: string | RegExp): void {
  const before = tf.memory().numTensors;
  expect(make).toThrow(message);
  expect(tf.memory().numTensors).toBe(before);
}

describe('distribution constructors: named errors, nothing left behind', () => {
  it('name the parameters they expect when given no object (not a destructuring TypeError)', () => {
    const bad = [null, undefined, 3, [0, 1]] as unknown as { loc: number; scale: number }[];
    for (const params of bad) {
      expectThrowsClean(() => new Normal(params), /^Normal: expected \{ loc, scale \}, got /);
      expectThrowsClean(() => new Laplace(params), /^Laplace: expected \{ loc, scale \}, got /);
      expectThrowsClean(() => new Uniform(params as never), /^Uniform: expected \{ low, high \}, got /);
    }
    expectThrowsClean(() => new Normal(null as never), 'Normal: expected { loc, scale }, got null');
  });

  it('use the class name, not the bundler renaming (_Normal), in their messages, also as published (dist)', async () => {
    expectThrowsClean(() => new Normal({ loc: [0, 1], scale: [1, -1] }), /^Normal: scale must be positive/);
    const published = (await import('../dist/index.js')) as unknown as typeof import('./index');
    expectThrowsClean(() => new published.Normal({ loc: [0, 1], scale: [1, -1] }), /^Normal: scale must be positive/);
    expectThrowsClean(() => new published.Laplace({ loc: 0, scale: 0 }), /^Laplace: scale must be positive/);
  });

  it('free the tensors made for earlier parameters when a later one is refused', () => {
    expectThrowsClean(() => new Normal({ loc: [0, 1, 2], scale: 'x' as never }), /^Normal: scale must be a tensor/);
    expectThrowsClean(() => new Normal({ loc: [0, 1, 2], scale: undefined as never }), 'Normal: parameter scale is missing');
    expectThrowsClean(
      () => new Normal({ loc: [0, 1, 2], scale: [1, 2] }),
      'Normal: loc of shape [3] and scale of shape [2] must broadcast: shapes [3] and [2] do not broadcast',
    );
    expectThrowsClean(
      () => new Uniform({ low: [0, 1, 2], high: [[3, 4]] as never }),
      /^Uniform: low of shape \[3\] and high of shape \[1, 2\] must broadcast/,
    );
    expectThrowsClean(
      () => new Laplace({ loc: [[0, 1]], scale: [1, 2, 3] }),
      /^Laplace: loc of shape \[1, 2\] and scale of shape \[3\] must broadcast/,
    );
    expectThrowsClean(() => new Bernoulli({ probs: [0.5, 2] }), /^Bernoulli: probs must be in the unit interval/);
    expectThrowsClean(() => new ContinuousBernoulli({ logits: [0, Number.NaN] }), /^ContinuousBernoulli: logits/);
  });
});

describe('klDivergence between distributions that do not match', () => {
  it('names both batch shapes instead of tfjs broadcast error, closed form and Monte Carlo', () => {
    const p = new Normal({ loc: [0, 1, 2], scale: 1 });
    const q = new Normal({ loc: [0, 1], scale: 1 });
    const message =
      'klDivergence: the batch shapes of p (batchShape [3], eventShape []) and q (batchShape [2], eventShape []) must broadcast: shapes [3] and [2] do not broadcast';
    expectThrowsClean(() => klDivergence(p, q), message);
    expectThrowsClean(() => klDivergence(p, q, { samples: 10, seed: 0 }), message);
    p.dispose();
    q.dispose();
  });

  it('says a Monte Carlo KL is infinite when p samples outside q support, and is Infinity without validation', () => {
    const p = new Normal({ loc: 0, scale: 1 });
    const q = new Uniform({ low: 0, high: 1 });
    expectThrowsClean(
      () => klDivergence(p, q, { samples: 50, seed: 1 }),
      'klDivergence: a sample of p (Normal) lies outside the support of q (Uniform), so KL(p || q) is infinite',
    );
    const unchecked = new Uniform({ low: 0, high: 1 }, { validateArgs: false });
    const { value, standardError } = klDivergence(p, unchecked, { samples: 50, seed: 1 });
    expect(value.dataSync()[0]).toBe(Number.POSITIVE_INFINITY);
    tf.dispose([value, standardError]);
    tf.dispose([p, q, unchecked].flatMap((d) => (d.dispose(), [])));
  });
});
