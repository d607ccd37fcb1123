import type { TensorInput } from '@elbo/prob';
import { choleskySolve, dot } from './dense64';
import { readEncoder, readLinearGaussian, readRows } from './linear-gaussian-model';
import type { LinearGaussianDecoder, LinearGaussianVAE } from './linear-gaussian-model';

export { NotLinearGaussianError } from './linear-gaussian-model';
export type { LinearGaussianVAE } from './linear-gaussian-model';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The exact posterior p(z|x) of a linear-Gaussian VAE, in float64.
 * @example
 * ```ts
 * const { mean, covariance } = linearGaussianPosterior(vae, x); // [n][k], [k][k]
 * ```
 */
export interface LinearGaussianPosterior {
  /** Posterior means mu_p, one row of length k per example. */
  mean: number[][];
  /** Posterior covariance Sigma_p = P^{-1}, k x k, the same for every x. */
  covariance: number[][];
  /** Posterior precision P = I + W W^T / sigma^2, k x k. */
  precision: number[][];
  /** ln det Sigma_p = -ln det P. */
  logDetCovariance: number;
}

/**
 * The exact posterior of a linear-Gaussian VAE (decoder one `Linear` layer x = z W + b,
 * W the [k, D] kernel, Gaussian likelihood with sigma, fixed or learned; prior N(0, I)):
 *
 * ```
 * p(z|x) = N(mu_p, Sigma_p),   P = Sigma_p^{-1} = I + W W^T / sigma^2,   mu_p = Sigma_p W (x - b) / sigma^2
 * ```
 *
 * Sigma_p is full unless W's rows are orthogonal. The k x k algebra (Cholesky of P) runs in
 * float64 on the float32 weights, so what it returns is exact for the model as stored.
 *
 * @param vae - a VAE whose decoder is a single `Linear` layer without activation (alone or in a
 *   `Sequential`) and whose likelihood is Gaussian over vectors.
 * @param x - data, [n, D] (finite, n >= 1).
 * @returns means [n][k], covariance and precision [k][k], ln det Sigma_p: plain numbers, no tensors.
 * @throws NotLinearGaussianError for another decoder or likelihood; an Error naming `x` for bad data.
 * @example
 * ```ts
 * const vae = new VAE({ encoder: linear({ inputDim: 5, outputDim: 4 }), decoder: linear({ inputDim: 2, outputDim: 5 }), latentDim: 2, likelihood: { name: 'gaussian', sigma: 0.5 } });
 * const { mean, covariance } = linearGaussianPosterior(vae, [[1, 0, 0, 0, 0]]); // mean[0]: length 2, covariance 2 x 2
 * ```
 */
export function linearGaussianPosterior(vae: LinearGaussianVAE, x: TensorInput): LinearGaussianPosterior {
  const caller = 'linearGaussianPosterior';
  const m = readLinearGaussian(vae, caller);
  const mean = readRows(x, m.D, caller, (rows) => rows.map((row) => posteriorMean(m, residual(m, row))));
  const covariance = Array.from({ length: m.k }, () => new Array<number>(m.k));
  for (let j = 0; j < m.k; j++) {
    const col = choleskySolve(
      m.cholesky,
      Array.from({ length: m.k }, (_, i) => (i === j ? 1 : 0)),
    );
    for (let i = 0; i < m.k; i++) covariance[i]![j] = col[i]!;
  }
  return { mean, covariance, precision: m.precision.map((r) => r.slice()), logDetCovariance: -m.logDetPrecision };
}

/**
 * KL(q(z|x) || p(z|x)) per example, in closed form and float64: the VAE's own diagonal
 * q = N(m_q, diag(v_q)) against the exact full-covariance posterior of a linear-Gaussian VAE
 * (see {@link linearGaussianPosterior}). It is the gap of the ELBO:
 *
 * ```
 * KL = 1/2 [tr(P S_q) + (mu_p - m_q)^T P (mu_p - m_q) - k - ln det P - ln det S_q],   P = Sigma_p^{-1}
 * log p(x) = ELBO(x) + KL(q(z|x) || p(z|x))
 * ```
 *
 * @param vae - a linear-Gaussian VAE (as for {@link linearGaussianPosterior}).
 * @param x - data, [n, D].
 * @returns KL per example (nats, >= 0), length n.
 * @throws NotLinearGaussianError for another decoder or likelihood.
 * @example
 * ```ts
 * const gap = klToLinearGaussianPosterior(vae, x); // Float64Array [n]
 * ```
 */
export function klToLinearGaussianPosterior(vae: LinearGaussianVAE, x: TensorInput): Float64Array {
  const caller = 'klToLinearGaussianPosterior';
  const m = readLinearGaussian(vae, caller);
  return readRows(x, m.D, caller, (rows, t) => {
    const { mq, lvq } = readEncoder(vae, t);
    return Float64Array.from(rows, (row, n) => {
      const d = posteriorMean(m, residual(m, row)).map((v, i) => v - mq[n]![i]!);
      let trace = 0;
      let logDetQ = 0;
      for (let i = 0; i < m.k; i++) {
        trace += m.precision[i]![i]! * Math.exp(lvq[n]![i]!);
        logDetQ += lvq[n]![i]!;
      }
      const quad = dot(
        d,
        m.precision.map((r) => dot(r, d)),
      );
      return 0.5 * (trace + quad - m.k - m.logDetPrecision - logDetQ);
    });
  });
}

/**
 * The exact log p(x) of a linear-Gaussian VAE per example, in float64, through the k x k
 * precision (Woodbury and the determinant lemma), never the D x D covariance:
 *
 * ```
 * p(x) = N(x; b, W^T W + sigma^2 I_D)      (W the [k, D] kernel: x = z W + b + sigma eps)
 * log p(x) = -1/2 [|r|^2 / sigma^2 - u^T P^{-1} u + D ln sigma^2 + ln det P + D ln 2 pi],   r = x - b,  u = W r / sigma^2
 * ```
 *
 * @param vae - a linear-Gaussian VAE. @param x - data, [n, D].
 * @returns log p(x) per example (nats), length n.
 * @example
 * ```ts
 * const logPx = linearGaussianLogLikelihood(vae, x); // Float64Array [n]
 * ```
 */
export function linearGaussianLogLikelihood(vae: LinearGaussianVAE, x: TensorInput): Float64Array {
  const caller = 'linearGaussianLogLikelihood';
  const m = readLinearGaussian(vae, caller);
  return readRows(x, m.D, caller, (rows) =>
    Float64Array.from(rows, (row) => {
      const r = residual(m, row);
      const u = m.w.map((wi) => dot(wi, r) / m.s2);
      const mahalanobis = dot(r, r) / m.s2 - dot(u, choleskySolve(m.cholesky, u));
      return -0.5 * (mahalanobis + m.D * Math.log(m.s2) + m.logDetPrecision + m.D * LOG_2PI);
    }),
  );
}

/**
 * The ELBO of a linear-Gaussian VAE per example with both terms in closed form (no sampling),
 * in float64, for the VAE's encoder q = N(m, diag(v)):
 *
 * ```
 * E_q[log p(x|z)] = -1/(2 sigma^2) (|x - b - m W|^2 + sum_j v_j |w_j|^2) - D/2 ln(2 pi sigma^2)    (w_j: row j of W)
 * KL(q || N(0, I)) = 1/2 sum_j (m_j^2 + v_j - ln v_j - 1)
 * ELBO = E_q[log p(x|z)] - KL(q || N(0, I))
 * ```
 *
 * `vae.elbo(x, { samples })` estimates the same number by sampling.
 *
 * @param vae - a linear-Gaussian VAE. @param x - data, [n, D].
 * @returns the ELBO per example (nats), length n.
 * @example
 * ```ts
 * const elbo = linearGaussianElbo(vae, x); // Float64Array [n], <= linearGaussianLogLikelihood(vae, x)
 * ```
 */
export function linearGaussianElbo(vae: LinearGaussianVAE, x: TensorInput): Float64Array {
  const caller = 'linearGaussianElbo';
  const m = readLinearGaussian(vae, caller);
  const rowNorms = m.w.map((wi) => dot(wi, wi));
  return readRows(x, m.D, caller, (rows, t) => {
    const { mq, lvq } = readEncoder(vae, t);
    return Float64Array.from(rows, (row, n) => {
      const mean = mq[n]!;
      const r = residual(m, row);
      let squared = 0;
      for (let dIdx = 0; dIdx < m.D; dIdx++) {
        let e = r[dIdx]!;
        for (let j = 0; j < m.k; j++) e -= mean[j]! * m.w[j]![dIdx]!;
        squared += e * e;
      }
      let spread = 0;
      let kl = 0;
      for (let j = 0; j < m.k; j++) {
        const v = Math.exp(lvq[n]![j]!);
        spread += v * rowNorms[j]!;
        kl += 0.5 * (mean[j]! ** 2 + v - lvq[n]![j]! - 1);
      }
      const reconstruction = -(squared + spread) / (2 * m.s2) - 0.5 * m.D * (LOG_2PI + Math.log(m.s2));
      return reconstruction - kl;
    });
  });
}

/** r = x - b. */
function residual(m: LinearGaussianDecoder, row: Float64Array): Float64Array {
  return Float64Array.from(row, (v, i) => v - m.b[i]!);
}

/** mu_p = P^{-1} W r / sigma^2. */
function posteriorMean(m: LinearGaussianDecoder, r: Float64Array): number[] {
  return choleskySolve(
    m.cholesky,
    m.w.map((wi) => dot(wi, r) / m.s2),
  );
}
