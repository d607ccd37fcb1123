import * as tf from '@tensorflow/tfjs-core';
import { toFloatTensor } from '@elbo/prob';
import { tensorFrom64 } from './dense';
import { DegenerateDataError } from './errors';
import { subspaceGaussianLogDensity } from './gaussian-subspace';
import { flipSigns, solveFull, solveRandomized } from './pca-solvers';
import type { ComponentCount, PcaSolution } from './pca-solvers';

/** Which algorithm {@link PCA.fit} uses. */
export type PcaSolver = 'auto' | 'full' | 'randomized';

/** Options of {@link PCA.fit}. */
export interface PcaOptions {
  /**
   * Integer k in [1, min(n, d)]: keep k components. A fraction in (0, 1): keep
   * the fewest components whose explained-variance ratio sums above it (full
   * solver). Default min(n, d).
   */
  components?: number;
  /**
   * `'full'`: exact eigendecomposition of the covariance. `'randomized'`: Halko
   * et al. range finder (fast for k << d). `'auto'` (default), as scikit-learn
   * 1.2: full when max(n, d) <= 500 or k is a fraction or k >= 0.8 min(n, d), else randomized.
   */
  solver?: PcaSolver;
  /**
   * Scale the transformed coordinates to unit variance. Default false. A
   * component of (near) zero variance is divided by sqrt(max(w, eps)), eps =
   * 2^-23 (float32's machine epsilon), as scikit-learn >= 1.5 clips its scale
   * at its dtype's eps (1.2 divided by 0, giving Infinity / NaN): whitened
   * coordinates stay finite, and on such a component they are the float
   * rounding of a zero projection magnified by 1 / eps.
   */
  whiten?: boolean;
  /** Seed of the randomized solver. Default 0. */
  seed?: number;
  /** Power iterations of the randomized solver. Default 7 if k < 0.1 min(n, d), else 4 (scikit-learn's rule). */
  powerIterations?: number;
  /**
   * Extra random directions of the randomized solver. Default 20 (scikit-learn
   * uses 10; on MNIST k = 20, where lambda_20 / lambda_21 = 1.08, 10 leaves the
   * largest principal angle to the exact subspace at 1-4 degrees depending on
   * the seed, 20 brings it to ~0.06 degrees for ~30% more time).
   */
  oversamples?: number;
}

/** The serializable state of a fitted {@link PCA} (plain numbers, row-major components [k, d]). */
export interface PcaJSON {
  kind: 'PCA';
  nSamples: number;
  nFeatures: number;
  nComponents: number;
  whiten: boolean;
  solver: 'full' | 'randomized';
  mean: number[];
  components: number[];
  explainedVariance: number[];
  totalVariance: number;
  noiseVariance: number;
}

/**
 * Principal component analysis with scikit-learn's semantics.
 *
 * ```
 * Xc = X - mean,   C = Xc^T Xc / (n - 1) = V diag(w) V^T
 * components = top-k rows V^T,  explainedVariance = w_1..k,  ratio = w / trace(C)
 * singularValues = sqrt((n - 1) w),  noiseVariance = mean of the discarded w over min(n, d) - k
 * transform(x) = (x - mean) V  [/ sqrt(w) when whiten]
 * ```
 *
 * Sign convention (scikit-learn's `svd_flip`, u-based): each component is
 * oriented so that the training sample with the largest |score| on it scores
 * positive. `score` / `scoreSamples` are the probabilistic-PCA log-likelihood
 * (Tipping & Bishop), as sklearn's, and do not depend on `whiten`.
 *
 * The fitted model owns `components` and `mean`; free them with `dispose()`.
 *
 * @example
 * ```ts
 * const pca = PCA.fit(x, { components: 20 });   // x: [n, 784]
 * const z = pca.transform(x);                    // [n, 20]
 * const xHat = pca.inverseTransform(z);          // [n, 784]
 * pca.explainedVarianceRatio;                    // number[20]
 * ```
 */
export class PCA {
  /** Principal axes, shape [k, d], orthonormal rows, by decreasing variance. */
  readonly components: tf.Tensor2D;
  /** Per-feature training mean, shape [d]. */
  readonly mean: tf.Tensor1D;
  /** Variance along each component (covariance eigenvalues, n - 1 normalization, clamped at >= 0), [k]. */
  readonly explainedVariance: number[];
  /**
   * explainedVariance / total variance, [k]; every entry 0 when the total
   * variance is 0 (constant data), where scikit-learn 1.2 gives NaN (0 / 0).
   */
  readonly explainedVarianceRatio: number[];
  /** Singular values of the centered training matrix, sqrt((n - 1) explainedVariance), [k]. */
  readonly singularValues: number[];
  /** Mean of the discarded variances (the probabilistic-PCA sigma^2); 0 when k = min(n, d). */
  readonly noiseVariance: number;
  /** Sum of all variances of the training data. */
  readonly totalVariance: number;
  readonly nSamples: number;
  readonly nFeatures: number;
  readonly whiten: boolean;
  /** The solver actually used. */
  readonly solver: 'full' | 'randomized';
  private readonly componentsT: tf.Tensor2D;

  private constructor(state: Omit<PcaJSON, 'kind'>) {
    const { nComponents: k, nFeatures: d } = state;
    this.components = tensorFrom64(state.components, [k, d]) as tf.Tensor2D;
    this.componentsT = tf.tidy(() => tf.transpose(this.components));
    this.mean = tensorFrom64(state.mean, [d]) as tf.Tensor1D;
    // float rounding can leave a zero variance slightly negative: clamp at 0
    this.explainedVariance = state.explainedVariance.map((w) => Math.max(w, 0));
    const total = Math.max(state.totalVariance, 0);
    this.explainedVarianceRatio = this.explainedVariance.map((w) => (total > 0 ? w / total : 0));
    this.singularValues = this.explainedVariance.map((w) => Math.sqrt(w * (state.nSamples - 1)));
    this.noiseVariance = Math.max(state.noiseVariance, 0);
    this.totalVariance = total;
    this.nSamples = state.nSamples;
    this.nFeatures = d;
    this.whiten = state.whiten;
    this.solver = state.solver;
  }

  /** Number of components k. */
  get nComponents(): number {
    return this.explainedVariance.length;
  }

  /**
   * Fits PCA to the rows of `x`.
   * @param x data, shape [n, d], n >= 2 (tensor or number[][]; not modified).
   * @returns the fitted model (owns tensors: call `dispose()`).
   */
  static fit(x: tf.Tensor | number[][], options: PcaOptions = {}): PCA {
    const whiten = options.whiten ?? false;
    const seed = options.seed ?? 0;
    if (typeof whiten !== 'boolean') throw new Error(`PCA.fit: whiten must be a boolean, got ${String(whiten)}`);
    if (!Number.isInteger(seed)) throw new Error(`PCA.fit: seed must be an integer, got ${seed}`);
    for (const name of ['powerIterations', 'oversamples'] as const) {
      const value = options[name];
      if (value != null && !(Number.isInteger(value) && value >= 0)) {
        throw new Error(`PCA.fit: ${name} must be a non-negative integer, got ${String(value)}`);
      }
    }
    const solverOpt = options.solver ?? 'auto';
    if (!['auto', 'full', 'randomized'].includes(solverOpt)) {
      throw new Error(`PCA.fit: solver must be 'auto', 'full' or 'randomized', got ${String(solverOpt)}`);
    }
    const t = toFloatTensor(x, 'x', 'PCA.fit', { rank: 2, minRows: 2, finite: true }) as tf.Tensor2D;
    const owned = t !== x;
    try {
      const [n, d] = t.shape;
      const maxK = Math.min(n, d);
      const c = options.components ?? maxK;
      const fraction = c > 0 && c < 1;
      if (!fraction && !(Number.isInteger(c) && c >= 1 && c <= maxK)) {
        throw new Error(`PCA.fit: components must be an integer in [1, ${maxK}] or a fraction in (0, 1), got ${c}`);
      }
      let solver: 'full' | 'randomized';
      if (solverOpt === 'auto') solver = Math.max(n, d) <= 500 || fraction || c >= 0.8 * maxK ? 'full' : 'randomized';
      else solver = solverOpt;
      if (solver === 'randomized' && fraction) {
        throw new Error(`PCA.fit: components must be an integer with solver 'randomized', got ${c}`);
      }
      // column means as a matMul (ones^T X / n): tfjs reductions over axis 0 are slow on wasm
      const mean = tf.tidy(() => tf.reshape(tf.div(tf.matMul(tf.ones([1, n]), t), n), [d])) as tf.Tensor1D;
      const xc = tf.tidy(() => tf.sub(t, mean)) as tf.Tensor2D;
      try {
        const count: ComponentCount = fraction ? (w) => countForFraction(w, c) : c;
        const sol: PcaSolution =
          solver === 'full'
            ? solveFull(xc, count, t)
            : solveRandomized(xc, c, { seed, powerIterations: options.powerIterations, oversamples: options.oversamples });
        flipSigns(xc, sol.components, sol.k);
        const kept = sol.explainedVariance.reduce((a, b) => a + b, 0);
        const noiseVariance = sol.k < maxK ? Math.max(sol.totalVariance - kept, 0) / (maxK - sol.k) : 0;
        return new PCA({
          nSamples: n,
          nFeatures: d,
          nComponents: sol.k,
          whiten,
          solver,
          mean: Array.from(mean.dataSync()),
          components: Array.from(sol.components),
          explainedVariance: Array.from(sol.explainedVariance),
          totalVariance: sol.totalVariance,
          noiseVariance,
        });
      } finally {
        tf.dispose([mean, xc]);
      }
    } finally {
      if (owned) t.dispose();
    }
  }

  /**
   * Coordinates of `x` in the principal basis: `(x - mean) V`, divided by
   * sqrt(explainedVariance) when whitened (that scale clipped below at eps =
   * 2^-23, as scikit-learn >= 1.5, so a zero-variance component gives finite
   * values, never Infinity or NaN; see {@link PcaOptions.whiten}).
   * @param x [n, d]. @returns [n, k].
   */
  transform(x: tf.Tensor | number[][]): tf.Tensor2D {
    const t = toFloatTensor(x, 'x', 'PCA.transform', { rank: 2, lastDim: this.nFeatures, minRows: 1, finite: true }) as tf.Tensor2D;
    const owned = t !== x;
    const z = tf.tidy(() => {
      const proj = tf.matMul(tf.sub(t, this.mean), this.componentsT);
      return this.whiten ? tf.div(proj, tf.tensor1d(this.explainedVariance.map(whitenScale))) : proj;
    });
    if (owned) t.dispose();
    return z as tf.Tensor2D;
  }

  /**
   * Back to data space: `z V^T + mean` (z first rescaled by sqrt(explainedVariance) when whitened).
   * @param z [n, k]. @returns [n, d].
   */
  inverseTransform(z: tf.Tensor | number[][]): tf.Tensor2D {
    const t = toFloatTensor(z, 'z', 'PCA.inverseTransform', {
      rank: 2,
      lastDim: this.nComponents,
      minRows: 1,
      finite: true,
    }) as tf.Tensor2D;
    const owned = t !== z;
    const x = tf.tidy(() => {
      const zz = this.whiten ? tf.mul(t, tf.tensor1d(this.explainedVariance.map(Math.sqrt))) : t;
      return tf.add(tf.matMul(zz, this.components), this.mean);
    });
    if (owned) t.dispose();
    return x as tf.Tensor2D;
  }

  /**
   * Log-likelihood of each row under the probabilistic-PCA model
   * `N(mean, V diag(w - sigma^2) V^T + sigma^2 I)` (scikit-learn's `score_samples`).
   * sigma^2 is floored at eps * totalVariance / d (eps: the backend's float
   * epsilon), so data of rank <= k get a finite density (see {@link ProbabilisticPCA}).
   * @param x [n, d]. @returns [n] log-densities in nats.
   * @throws DegenerateDataError when the training data were constant (total
   * variance 0): no Gaussian density exists.
   */
  scoreSamples(x: tf.Tensor | number[][]): tf.Tensor1D {
    const noise = flooredNoiseVariance(this, 'PCA.scoreSamples');
    const t = toFloatTensor(x, 'x', 'PCA.scoreSamples', { rank: 2, lastDim: this.nFeatures, minRows: 1, finite: true }) as tf.Tensor2D;
    const owned = t !== x;
    const out = subspaceGaussianLogDensity(t, this.mean, this.components, this.explainedVariance, noise);
    if (owned) t.dispose();
    return out;
  }

  /** Mean of {@link PCA.scoreSamples} over the rows of `x` (scikit-learn's `score`). */
  score(x: tf.Tensor | number[][]): number {
    const s = this.scoreSamples(x);
    const m = tf.tidy(() => tf.mean(s).dataSync()[0]!);
    s.dispose();
    return m;
  }

  /**
   * The same model with only its first `k` components (no refit): what
   * `fit` with `components: k` gives with the full solver, noise variance included.
   * @param k integer in [1, nComponents]. @returns a new model (dispose it too).
   */
  truncate(k: number): PCA {
    if (!Number.isInteger(k) || k < 1 || k > this.nComponents) {
      throw new Error(`PCA.truncate: k must be an integer in [1, ${this.nComponents}], got ${k}`);
    }
    const json = this.toJSON();
    const maxK = Math.min(this.nSamples, this.nFeatures);
    const explainedVariance = json.explainedVariance.slice(0, k);
    const kept = explainedVariance.reduce((a, b) => a + b, 0);
    return new PCA({
      ...json,
      nComponents: k,
      components: json.components.slice(0, k * this.nFeatures),
      explainedVariance,
      noiseVariance: k < maxK ? Math.max(this.totalVariance - kept, 0) / (maxK - k) : 0,
    });
  }

  /** Plain-number state, for `JSON.stringify`. */
  toJSON(): PcaJSON {
    return {
      kind: 'PCA',
      nSamples: this.nSamples,
      nFeatures: this.nFeatures,
      nComponents: this.nComponents,
      whiten: this.whiten,
      solver: this.solver,
      mean: Array.from(this.mean.dataSync()),
      components: Array.from(this.components.dataSync()),
      explainedVariance: this.explainedVariance.slice(),
      totalVariance: this.totalVariance,
      noiseVariance: this.noiseVariance,
    };
  }

  /** Rebuilds a fitted model from {@link PCA.toJSON}. */
  static fromJSON(json: PcaJSON): PCA {
    if (json == null || json.kind !== 'PCA') throw new Error(`PCA.fromJSON: expected an object with kind 'PCA', got ${json?.kind}`);
    const { nComponents: k, nFeatures: d } = json;
    if (json.components.length !== k * d) {
      throw new Error(`PCA.fromJSON: components must have nComponents * nFeatures = ${k * d} values, got ${json.components.length}`);
    }
    if (json.mean.length !== d) throw new Error(`PCA.fromJSON: mean must have ${d} values, got ${json.mean.length}`);
    if (json.explainedVariance.length !== k) {
      throw new Error(`PCA.fromJSON: explainedVariance must have ${k} values, got ${json.explainedVariance.length}`);
    }
    return new PCA(json);
  }

  /** Frees the model's tensors. */
  dispose(): void {
    tf.dispose([this.components, this.componentsT, this.mean]);
  }
}

/** scikit-learn's rule: the fewest components whose cumulative ratio exceeds `fraction`. */
function countForFraction(values: Float64Array, fraction: number): number {
  const total = values.reduce((a, b) => a + Math.max(b, 0), 0);
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc += Math.max(values[i]!, 0);
    if (acc / total > fraction) return i + 1;
  }
  return values.length;
}

/** Float32's machine epsilon, 2^-23: the floor of the whitening scale (scikit-learn clips at its dtype's eps). */
const WHITEN_MIN_SCALE = 2 ** -23;

/** sqrt(w) clipped below at float32's eps, as scikit-learn >= 1.5's whitening. */
export function whitenScale(w: number): number {
  return Math.max(Math.sqrt(Math.max(w, 0)), WHITEN_MIN_SCALE);
}

/**
 * The noise variance sigma^2 used by the probabilistic-PCA density: the
 * fitted one, floored at eps * totalVariance / d (eps: the backend's float
 * epsilon; below that the variance is float rounding). Throws
 * {@link DegenerateDataError} when the total variance is 0 (constant data).
 */
export function flooredNoiseVariance(pca: PCA, method: string): number {
  if (!(pca.totalVariance > 0)) {
    throw new DegenerateDataError(
      `${method}: the training data are constant (total variance 0): no Gaussian density exists; ` +
        'check the data (every row is the same)',
    );
  }
  const floor = (tf.backend().epsilon() * pca.totalVariance) / pca.nFeatures;
  return Math.max(pca.noiseVariance, floor);
}
