import * as tf from '@tensorflow/tfjs-core';
import { Independent, Normal, foldIn, tfjsSeed, toFloatTensor } from '@elbo/prob';
import { subspaceGaussianLogDensity } from './gaussian-subspace';
import { PCA, flooredNoiseVariance } from './pca';
import type { PcaOptions } from './pca';

/**
 * Probabilistic PCA (Tipping & Bishop 1999) in closed form: the linear-Gaussian
 * latent model whose maximum-likelihood fit is PCA, the bridge to the VAE.
 *
 * ```
 * z ~ N(0, I_k),   x | z ~ N(W z + mu, sigma^2 I_d)   =>   x ~ N(mu, W W^T + sigma^2 I)
 * ML solution:  W = V_k (L_k - sigma^2 I)^{1/2},   sigma^2 = mean of the d - k discarded eigenvalues
 * posterior:    z | x ~ N(M^{-1} W^T (x - mu), sigma^2 M^{-1}),   M = W^T W + sigma^2 I
 * ```
 *
 * (V_k, L_k: top-k eigenvectors and eigenvalues of the sample covariance,
 * n - 1 normalization as scikit-learn, so `logLikelihood` equals sklearn's `PCA.score`.)
 *
 * Degenerate data. When the data lie in a subspace of dimension <= k (or k =
 * min(n, d)) the ML sigma^2 is 0 and the density would be singular; sigma^2 is
 * then floored at eps * totalVariance / d (eps: the backend's float epsilon, 1e-7
 * on cpu and wasm), the size of float32 rounding relative to the data, so the
 * log-likelihood, posterior and samples stay finite (the log-likelihood of
 * points on the subspace is then large, as the true density is unbounded).
 * Constant data (total variance 0) have no such scale: `fit` and `fromPCA`
 * throw a `DegenerateDataError`.
 *
 * @example
 * ```ts
 * const ppca = ProbabilisticPCA.fit(x, { components: 20 });
 * ppca.logLikelihood(xTest);                 // mean log p(x) in nats
 * const fakes = ppca.sample(16, { seed: 1 }); // [16, d]
 * ```
 */
export class ProbabilisticPCA {
  /** Loadings W, shape [d, k]. */
  readonly weights: tf.Tensor2D;
  /** mu, shape [d]. */
  readonly mean: tf.Tensor1D;
  /** sigma^2, the isotropic noise variance (floored at eps * totalVariance / d, see the class doc). */
  readonly noiseVariance: number;
  private readonly pca: PCA;

  private constructor(pca: PCA) {
    const { nComponents: k } = pca;
    const s2 = flooredNoiseVariance(pca, 'ProbabilisticPCA');
    this.noiseVariance = s2;
    this.pca = PCA.fromJSON(pca.toJSON());
    this.mean = tf.clone(this.pca.mean);
    this.weights = tf.tidy(() => {
      const scale = tf.tensor1d(pca.explainedVariance.map((w) => Math.sqrt(Math.max(w - s2, 0))));
      return tf.mul(tf.transpose(this.pca.components), scale);
    }) as tf.Tensor2D;
    if (this.weights.shape[1] !== k) throw new Error('ProbabilisticPCA: internal shape mismatch');
  }

  /**
   * Fits by PCA (same options) and the closed form above.
   * @throws DegenerateDataError when the rows of `x` are all the same (total variance 0).
   */
  static fit(x: tf.Tensor | number[][], options: Omit<PcaOptions, 'whiten'> & { components: number }): ProbabilisticPCA {
    const pca = PCA.fit(x, { ...options, whiten: false });
    try {
      return new ProbabilisticPCA(pca);
    } finally {
      pca.dispose();
    }
  }

  /** The pPCA model of an already fitted PCA (its own copy of the tensors). */
  static fromPCA(pca: PCA): ProbabilisticPCA {
    if (!(pca instanceof PCA)) throw new Error('ProbabilisticPCA.fromPCA: pca must be a fitted PCA');
    return new ProbabilisticPCA(pca);
  }

  /** Latent dimension k. */
  get latentDim(): number {
    return this.weights.shape[1];
  }

  /**
   * log p(x) of each row under N(mu, W W^T + sigma^2 I).
   * @param x [n, d]. @returns [n] in nats.
   */
  logLikelihoodSamples(x: tf.Tensor | number[][]): tf.Tensor1D {
    const t = this.data(x, 'logLikelihood');
    const owned = t !== x;
    const out = subspaceGaussianLogDensity(t, this.mean, this.pca.components, this.pca.explainedVariance, this.noiseVariance);
    if (owned) t.dispose();
    return out;
  }

  /** `x` as a finite float32 [n, d] matrix of this model's width (the caller disposes it when it is not `x`). */
  private data(x: tf.Tensor | number[][], method: string): tf.Tensor2D {
    const expect = { rank: 2, lastDim: this.pca.nFeatures, minRows: 1, finite: true };
    return toFloatTensor(x, 'x', `ProbabilisticPCA.${method}`, expect) as tf.Tensor2D;
  }

  /** Mean log-likelihood per row (nats), = scikit-learn `PCA.score`. @param x [n, d]. */
  logLikelihood(x: tf.Tensor | number[][]): number {
    const s = this.logLikelihoodSamples(x);
    const m = tf.tidy(() => tf.mean(s).dataSync()[0]!);
    s.dispose();
    return m;
  }

  /**
   * Posterior mean of the latent code, `E[z | x] = M^{-1} W^T (x - mu)`.
   * @param x [n, d]. @returns [n, k].
   */
  encode(x: tf.Tensor | number[][]): tf.Tensor2D {
    return this.posteriorMean(x, 'encode');
  }

  private posteriorMean(x: tf.Tensor | number[][], method: string): tf.Tensor2D {
    const t = this.data(x, method);
    const owned = t !== x;
    const z = tf.tidy(() => {
      // with W = V diag(a), M = diag(a^2 + s2): M^{-1} W^T = diag(a / (a^2 + s2)) V^T
      const a = this.pca.explainedVariance.map((w) => Math.sqrt(Math.max(w - this.noiseVariance, 0)));
      const scale = tf.tensor1d(a.map((ai) => ai / (ai * ai + this.noiseVariance)));
      return tf.mul(tf.matMul(tf.sub(t, this.mean), tf.transpose(this.pca.components)), scale);
    });
    if (owned) t.dispose();
    return z as tf.Tensor2D;
  }

  /**
   * The exact posterior p(z | x) of each row, an `Independent(Normal)` of @elbo/prob:
   *
   * ```
   * z | x ~ N(M^{-1} W^T (x - mu), sigma^2 M^{-1}),   M = W^T W + sigma^2 I
   * ```
   *
   * Diagonal: the fitted W = V diag(a) has orthogonal columns, so M = diag(a^2 + sigma^2) and
   * the posterior variances are sigma^2 / (a_i^2 + sigma^2), the same for every x. The mean is {@link encode}'s.
   *
   * @param x [n, d], finite.
   * @returns batchShape [n], eventShape [k]; it owns its tensors: `dispose()` frees them.
   * @example
   * ```ts
   * const post = ppca.posterior(xTest);
   * const kl = klDivergence(q, post); // KL(q || p(z|x)) = log p(x) - ELBO_q(x), [n]
   * post.dispose();
   * ```
   */
  posterior(x: tf.Tensor | number[][]): Independent {
    const loc = this.posteriorMean(x, 'posterior');
    const scale = tf.tidy(() => {
      const s2 = this.noiseVariance;
      const v = this.pca.explainedVariance.map((w) => s2 / (Math.max(w - s2, 0) + s2));
      return tf.broadcastTo(tf.sqrt(tf.tensor1d(v)), loc.shape);
    });
    return new OwningIndependent(new Normal({ loc, scale }, { validateArgs: false }), [loc, scale]);
  }

  /**
   * Draws x = W z + mu + sigma eps with z ~ N(0, I_k), eps ~ N(0, I_d).
   * @param n number of samples. @returns [n, d].
   */
  sample(n: number, { seed = 0 }: { seed?: number } = {}): tf.Tensor2D {
    if (!Number.isInteger(n) || n < 1) throw new Error(`ProbabilisticPCA.sample: n must be a positive integer, got ${n}`);
    if (!Number.isInteger(seed)) throw new Error(`ProbabilisticPCA.sample: seed must be an integer, got ${seed}`);
    const d = this.pca.nFeatures;
    return tf.tidy(() => {
      const z = tf.randomNormal([n, this.latentDim], 0, 1, 'float32', tfjsSeed(seed));
      const eps = tf.randomNormal([n, d], 0, Math.sqrt(this.noiseVariance), 'float32', tfjsSeed(foldIn(seed, 1)));
      return tf.add(tf.add(tf.matMul(z, tf.transpose(this.weights)), this.mean), eps);
    }) as tf.Tensor2D;
  }

  /** Frees the tensors. */
  dispose(): void {
    tf.dispose([this.weights, this.mean]);
    this.pca.dispose();
  }
}

/** An `Independent(Normal)` that also frees the loc and scale it was built from. */
class OwningIndependent extends Independent {
  constructor(
    base: Normal,
    private readonly params: tf.Tensor[],
  ) {
    super(base, 1);
  }

  override dispose(): void {
    super.dispose();
    tf.dispose(this.params);
  }
}
