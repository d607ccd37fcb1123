// Internal: reading a linear-Gaussian VAE (decoder one Linear layer, Gaussian likelihood) into float64 numbers.
import * as tf from '@tensorflow/tfjs-core';
import { Linear, Sequential } from '@elbo/nn';
import type { Layer } from '@elbo/nn';
import { toFloatTensor } from '@elbo/prob';
import type { Likelihood, TensorInput } from '@elbo/prob';
import { cholesky, logDetFromCholesky } from './dense64';

/**
 * Thrown by the linear-Gaussian closed forms when the model is not linear-Gaussian:
 * the decoder is not a single `Linear` layer without activation (alone or as the one
 * layer of a `Sequential`), or the likelihood is not a Gaussian over vectors.
 * @example
 * ```ts
 * try { klToLinearGaussianPosterior(vae, x); } catch (e) { if (e instanceof NotLinearGaussianError) console.log(e.message); }
 * ```
 */
export class NotLinearGaussianError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotLinearGaussianError';
  }
}

/**
 * What the closed forms read from a VAE: its decoder, likelihood and encoder (a {@link VAE} is one).
 * @example
 * ```ts
 * const model: LinearGaussianVAE = new VAE({ encoder: linear({ inputDim: 5, outputDim: 4 }), decoder: linear({ inputDim: 2, outputDim: 5 }), latentDim: 2, likelihood: { name: 'gaussian', sigma: 1 } });
 * ```
 */
export interface LinearGaussianVAE {
  readonly decoder: Layer;
  readonly likelihood: Likelihood;
  readonly latentDim: number;
  encodeParams(x: TensorInput): { mu: tf.Tensor; logVar: tf.Tensor };
}

/**
 * The decoder x | z ~ N(z W + b, sigma^2 I_D) in float64, with the posterior precision
 * P = I + W W^T / sigma^2 (k x k) factored once.
 */
export interface LinearGaussianDecoder {
  /** Latent size k and data size D. */
  k: number;
  D: number;
  /** The kernel W, k rows of length D. */
  w: Float64Array[];
  /** The bias b (zeros when the layer has none), length D. */
  b: Float64Array;
  /** sigma^2. */
  s2: number;
  /** P = I + W W^T / sigma^2, its Cholesky factor and ln det P. */
  precision: number[][];
  cholesky: number[][];
  logDetPrecision: number;
}

/** Reads the decoder's W, b and sigma (float32 values held in float64) and factors P. */
export function readLinearGaussian(vae: LinearGaussianVAE, caller: string): LinearGaussianDecoder {
  const { decoder, likelihood } = vae;
  const layer =
    decoder instanceof Linear ? decoder : decoder instanceof Sequential && decoder.layers.length === 1 ? decoder.layers[0] : null;
  if (!(layer instanceof Linear)) {
    throw new NotLinearGaussianError(
      `${caller}: the decoder must be a single Linear layer (x = z W + b), got ${decoder instanceof Sequential ? `a Sequential of ${decoder.layers.length} layers` : `a ${decoder.constructor.name}`}`,
    );
  }
  if (layer.activation !== 'linear') {
    throw new NotLinearGaussianError(`${caller}: the decoder's Linear layer must have no activation, got '${layer.activation}'`);
  }
  if (likelihood.name !== 'gaussian' || likelihood.eventRank !== 1) {
    throw new NotLinearGaussianError(
      `${caller}: the likelihood must be a Gaussian over vectors (eventRank 1), got '${likelihood.name}' with eventRank ${likelihood.eventRank}`,
    );
  }
  const k = layer.inputDim;
  const D = layer.outputDim;
  const kernel = layer.kernel.dataSync();
  const w = Array.from({ length: k }, (_, i) => Float64Array.from(kernel.subarray(i * D, (i + 1) * D)));
  const b = layer.bias == null ? new Float64Array(D) : Float64Array.from(layer.bias.dataSync());
  const s2 = likelihood.sigma()! ** 2;
  const precision = Array.from({ length: k }, (_, i) =>
    Array.from({ length: k }, (_, j) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += w[i]![d]! * w[j]![d]!;
      return (i === j ? 1 : 0) + s / s2;
    }),
  );
  const chol = cholesky(precision, caller);
  return { k, D, w, b, s2, precision, cholesky: chol, logDetPrecision: logDetFromCholesky(chol) };
}

/** x as float64 rows after prob's checks ([n, D], finite, n >= 1), and the checked float32 tensor for the encoder. */
export function readRows<T>(x: TensorInput, D: number, caller: string, use: (rows: Float64Array[], t: tf.Tensor2D) => T): T {
  const t = toFloatTensor(x, 'x', caller, { rank: 2, lastDim: D, minRows: 1, finite: true }) as tf.Tensor2D;
  try {
    const data = t.dataSync();
    const rows = Array.from({ length: t.shape[0] }, (_, i) => Float64Array.from(data.subarray(i * D, (i + 1) * D)));
    return use(rows, t);
  } finally {
    if (t !== x) t.dispose();
  }
}

/** The encoder's q(z|x): means and log-variances in float64, one row per example. */
export function readEncoder(vae: LinearGaussianVAE, t: tf.Tensor2D): { mq: Float64Array[]; lvq: Float64Array[] } {
  const { mu, logVar } = vae.encodeParams(t);
  try {
    const [n, k] = mu.shape as [number, number];
    const m = mu.dataSync();
    const lv = logVar.dataSync();
    const mq = Array.from({ length: n }, (_, i) => Float64Array.from(m.subarray(i * k, (i + 1) * k)));
    const lvq = Array.from({ length: n }, (_, i) => Float64Array.from(lv.subarray(i * k, (i + 1) * k)));
    return { mq, lvq };
  } finally {
    tf.dispose([mu, logVar]);
  }
}
