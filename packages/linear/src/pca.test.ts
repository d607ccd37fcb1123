import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { PCA, orthonormalityError } from '@elbo/linear';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';

/** n x d data with a decaying spectrum, seeded. */
function data(n: number, d: number, seed = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const scales = tf.tensor1d(Array.from({ length: d }, (_, i) => 2 / (1 + i)));
    const mix = tf.randomNormal([d, d], 0, 1, 'float32', seed + 7);
    return tf.add(tf.matMul(tf.mul(tf.randomNormal([n, d], 0, 1, 'float32', seed), scales), mix), 0.5) as tf.Tensor2D;
  });
}

/** Column variances (n - 1) of a matrix, in float64. */
function columnVariances(m: number[][]): number[] {
  const n = m.length;
  return m[0]!.map((_, j) => {
    const mean = m.reduce((s, r) => s + r[j]!, 0) / n;
    return m.reduce((s, r) => s + (r[j]! - mean) ** 2, 0) / (n - 1);
  });
}

describe('PCA (small data, closed-form checks)', () => {
  it('full solver: orthonormal components, transformed variances = explainedVariance, ratio of the trace', () => {
    const x = data(200, 8);
    const pca = PCA.fit(x, { components: 3, solver: 'full' });
    const rows = x.arraySync();
    const total = columnVariances(rows).reduce((a, b) => a + b, 0);
    expectClose(pca.totalVariance, total, { rtol: 1e-5 });
    const z = pca.transform(x);
    expectClose(columnVariances(z.arraySync()), pca.explainedVariance, { rtol: 1e-4 });
    expectClose(
      pca.explainedVarianceRatio,
      pca.explainedVariance.map((w) => w / total),
      { rtol: 1e-5 },
    );
    expectClose(
      pca.singularValues,
      pca.explainedVariance.map((w) => Math.sqrt(199 * w)),
      { rtol: 1e-6 },
    );
    const comps = tf.transpose(pca.components);
    expect(orthonormalityError(comps)).toBeLessThan(1e-5);
    // noise variance: the variance left over, spread over the other d - k directions
    expectClose(pca.noiseVariance, (total - pca.explainedVariance.reduce((a, b) => a + b, 0)) / 5, { rtol: 1e-4 });
    tf.dispose([x, z, comps]);
    pca.dispose();
  });

  it('with all components, inverseTransform(transform(x)) = x; whitened coordinates have unit variance', async () => {
    const x = data(60, 5);
    const pca = PCA.fit(x, { whiten: true });
    expect(pca.nComponents).toBe(5);
    const z = await expectNoLeaks(() => pca.transform(x));
    expectClose(columnVariances(z.arraySync()), 1, { rtol: 1e-3 });
    const back = await expectNoLeaks(() => pca.inverseTransform(z));
    expectClose(back, Array.from(x.dataSync()), { atol: 1e-4 });
    tf.dispose([x, z, back]);
    pca.dispose();
  });

  it('wide data (n < d) goes through the Gram matrix and gives the same kind of model', () => {
    const x = data(6, 20);
    const pca = PCA.fit(x, { components: 4 });
    const z = pca.transform(x);
    expectClose(columnVariances(z.arraySync()), pca.explainedVariance, { rtol: 1e-3 });
    const comps = tf.transpose(pca.components);
    expect(orthonormalityError(comps)).toBeLessThan(1e-4);
    tf.dispose([x, z, comps]);
    pca.dispose();
  });

  it('randomized agrees with full on data with a spectral gap', () => {
    const x = data(400, 30);
    const full = PCA.fit(x, { components: 3, solver: 'full' });
    const rnd = PCA.fit(x, { components: 3, solver: 'randomized', seed: 4 });
    expect(rnd.solver).toBe('randomized');
    expectClose(rnd.explainedVariance, full.explainedVariance, { rtol: 1e-4 });
    const dots = tf.tidy(() => tf.sum(tf.mul(full.components, rnd.components), 1).dataSync());
    expectClose(Array.from(dots), 1, { atol: 1e-4 }); // same vectors, same signs (svd_flip rule)
    full.dispose();
    rnd.dispose();
    x.dispose();
  });

  it('auto picks full for small data and randomized for large k-sparse cases, as scikit-learn', () => {
    const x = data(50, 10);
    const p = PCA.fit(x, { components: 2 });
    expect(p.solver).toBe('full');
    p.dispose();
    const big = data(600, 20);
    const q = PCA.fit(big, { components: 2 });
    expect(q.solver).toBe('randomized');
    const r = PCA.fit(big, { components: 18 });
    expect(r.solver).toBe('full');
    [q, r].forEach((m) => m.dispose());
    tf.dispose([x, big]);
  });

  it('truncate(k) equals a fit with k components; toJSON/fromJSON round-trips; fit and score leak nothing', async () => {
    const x = data(100, 6);
    const five = PCA.fit(x, { components: 5, solver: 'full' });
    const two = PCA.fit(x, { components: 2, solver: 'full' });
    const cut = five.truncate(2);
    expectClose(cut.explainedVariance, two.explainedVariance, { rtol: 1e-6 });
    expectClose(cut.noiseVariance, two.noiseVariance, { rtol: 1e-5 });
    expectClose(cut.components, Array.from(two.components.dataSync()), { atol: 1e-6 });
    const copy = PCA.fromJSON(JSON.parse(JSON.stringify(two.toJSON())));
    expectClose(copy.score(x), two.score(x), { rtol: 1e-6 });
    await expectNoLeaks(() => {
      PCA.fit(x, { components: 2 }).dispose();
      two.scoreSamples(x).dispose();
      two.score(x);
    });
    [five, two, cut, copy].forEach((m) => m.dispose());
    x.dispose();
  });

  it('randomized solver: powerIterations 0 and oversamples 0 are valid (a single range-finder pass, l = k)', async () => {
    const x = data(60, 10);
    const exact = PCA.fit(x, { components: 2, solver: 'full' });
    const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
    await expectNoLeaks(() => {
      const rough = PCA.fit(x, { components: 2, solver: 'randomized', powerIterations: 0, oversamples: 0 });
      expect(rough.nComponents).toBe(2);
      const columns = tf.transpose(rough.components);
      expect(orthonormalityError(columns)).toBeLessThan(1e-4);
      // a subspace of the data: its variance cannot exceed the top-2 sum
      expect(sum(rough.explainedVariance)).toBeLessThanOrEqual(sum(exact.explainedVariance) * (1 + 1e-5));
      expect(sum(rough.explainedVariance)).toBeGreaterThan(0);
      tf.dispose(columns);
      rough.dispose();
    });
    [x, exact].forEach((m) => m.dispose());
  });

  it('rejects bad input before fitting, naming the argument', () => {
    const x = data(10, 4);
    expect(() => PCA.fit(x, { components: 5 })).toThrow(/components must be an integer in \[1, 4\] or a fraction in \(0, 1\), got 5/);
    expect(() => PCA.fit(x, { components: 0.5, solver: 'randomized' })).toThrow(/must be an integer with solver 'randomized', got 0.5/);
    expect(() => PCA.fit(x, { solver: 'svd' as 'full' })).toThrow(/solver must be 'auto', 'full' or 'randomized', got svd/);
    for (const [name, value] of [
      ['powerIterations', -1],
      ['powerIterations', 1.5],
      ['powerIterations', NaN],
      ['powerIterations', Infinity],
      ['powerIterations', '4'],
      ['oversamples', -2],
      ['oversamples', 2.5],
      ['oversamples', Infinity],
      ['oversamples', '10'],
    ] as const) {
      for (const solver of ['randomized', 'full'] as const) {
        expect(() => PCA.fit(x, { components: 2, solver, [name]: value as number }), `${name} ${value} ${solver}`).toThrow(
          `PCA.fit: ${name} must be a non-negative integer, got ${value}`,
        );
      }
    }
    expect(() => PCA.fit([[1, 2]])).toThrow('PCA.fit: x must have at least 2 rows, got shape [1, 2]');
    expect(() =>
      PCA.fit([
        [1, 2],
        [3, Infinity],
      ]),
    ).toThrow(/x must be finite, got Infinity at index \[1, 1\]/);
    const v = tf.tensor1d([1, 2, 3]);
    expect(() => PCA.fit(v)).toThrow('PCA.fit: x must have rank 2, got shape [3]');
    const pca = PCA.fit(x, { components: 2 });
    expect(() => pca.transform([[1, 2, 3]])).toThrow('PCA.transform: x must have 4 values on its last axis, got shape [1, 3]');
    expect(() => pca.inverseTransform([[1, 2, 3]])).toThrow(
      'PCA.inverseTransform: z must have 2 values on its last axis, got shape [1, 3]',
    );
    expect(() => pca.truncate(3)).toThrow(/k must be an integer in \[1, 2\], got 3/);
    expect(() => PCA.fromJSON({ ...pca.toJSON(), mean: [1] })).toThrow(/mean must have 4 values, got 1/);
    tf.dispose([x, v]);
    pca.dispose();
  });
});
