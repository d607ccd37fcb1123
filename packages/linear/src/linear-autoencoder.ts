import * as tf from '@tensorflow/tfjs-core';
import { Linear } from '@elbo/nn';
import type { LinearWeights } from '@elbo/nn';
import { FIT_OPTION_NAMES, checkKnownKeys, fit, foldIn, tfjsSeed, toFloatTensor } from '@elbo/prob';
import type { FitOptions, History } from '@elbo/prob';

/** Constructor options of {@link LinearAutoencoder}. */
export interface LinearAutoencoderConfig {
  /** Data dimension d. */
  inputDim: number;
  /** Code dimension k. */
  latentDim: number;
  /** Share the weights: decoder = encoder^T (plus its own bias). Default false. */
  tied?: boolean;
  /** Seed of the PyTorch-default initialization. Default 0. */
  seed?: number;
}

/**
 * Options of {@link LinearAutoencoder.fit}: the one options shape of `fit`
 * from `@elbo/prob` (epochs default 1, batchSize 128, Adam at learningRate
 * 1e-3, seeded shuffling, validationData, callbacks, earlyStopping, signal).
 * @example
 * ```ts
 * const options: LinearAutoencoderFitOptions = { epochs: 20, learningRate: 3e-3, callbacks: { onEpochEnd: (e, logs) => console.log(e, logs.loss) } };
 * ```
 */
export type LinearAutoencoderFitOptions = FitOptions;

/**
 * The autoencoder with no non-linearity, `x_hat = (x W_e + b_e) W_d + b_d`,
 * trained by Adam on the mean squared reconstruction error (through
 * `fit` from `@elbo/prob`).
 *
 * ```
 * loss = mean_{n, i} (x_hat[n, i] - x[n, i])^2
 * ```
 *
 * Its optimum spans the same subspace as PCA's top-k components (Baldi &
 * Hornik 1989), but the decoder's columns are any basis of it, not the
 * orthonormal, variance-ordered one: compare with `principalAngles`,
 * `orthonormalityError` and {@link principalDirectionsFromAutoencoder}.
 *
 * @example
 * ```ts
 * const ae = new LinearAutoencoder({ inputDim: 784, latentDim: 20, seed: 0 });
 * const { history } = await ae.fit(x, { epochs: 20, learningRate: 3e-3 }); // history.loss: 20 epoch means
 * const xHat = ae.reconstruct(x);
 * ```
 */
export class LinearAutoencoder {
  readonly encoder: Linear;
  /** The untied decoder layer (null when tied). */
  readonly decoder: Linear | null;
  /** The tied decoder's own bias (null when untied). */
  private readonly tiedBias: tf.Variable | null;
  private readonly config: Required<LinearAutoencoderConfig>;

  constructor(config: LinearAutoencoderConfig) {
    const { inputDim, latentDim } = config;
    if (!Number.isInteger(inputDim) || inputDim < 1)
      throw new Error(`LinearAutoencoder: inputDim must be a positive integer, got ${inputDim}`);
    if (!Number.isInteger(latentDim) || latentDim < 1)
      throw new Error(`LinearAutoencoder: latentDim must be a positive integer, got ${latentDim}`);
    const seed = config.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`LinearAutoencoder: seed must be an integer, got ${seed}`);
    this.config = { inputDim, latentDim, tied: config.tied ?? false, seed };
    // one seed, independent streams: encoder foldIn(seed, 0), decoder foldIn(seed, 1), tied bias foldIn(seed, 2)
    this.encoder = new Linear({ inputDim, outputDim: latentDim, seed: foldIn(seed, 0), name: 'linear_ae_encoder' });
    if (this.config.tied) {
      this.decoder = null;
      const bound = 1 / Math.sqrt(latentDim);
      const init = tf.randomUniform([inputDim], -bound, bound, 'float32', tfjsSeed(foldIn(seed, 2)));
      this.tiedBias = tf.variable(init, true);
      init.dispose();
    } else {
      this.decoder = new Linear({ inputDim: latentDim, outputDim: inputDim, seed: foldIn(seed, 1), name: 'linear_ae_decoder' });
      this.tiedBias = null;
    }
  }

  /** The constructor options. */
  getConfig(): Required<LinearAutoencoderConfig> {
    return { ...this.config };
  }

  /** Variables trained by {@link LinearAutoencoder.fit}. */
  get trainableVariables(): tf.Variable[] {
    return [...this.encoder.trainableVariables, ...(this.decoder?.trainableVariables ?? [this.tiedBias!])];
  }

  /** Encoder matrix W_e, shape [inputDim, latentDim] (code = x W_e + b_e). A new tensor: dispose it. */
  get encoderWeights(): tf.Tensor2D {
    return tf.clone(this.encoder.kernel) as tf.Tensor2D;
  }

  /**
   * Decoder matrix as columns in data space, shape [inputDim, latentDim]
   * (x_hat = W z + b_d with W this matrix: PyTorch's `dec.weight`). A new tensor: dispose it.
   */
  get decoderWeights(): tf.Tensor2D {
    return tf.tidy(() => (this.decoder == null ? tf.clone(this.encoder.kernel) : tf.transpose(this.decoder.kernel))) as tf.Tensor2D;
  }

  /** Code of each row: x W_e + b_e. @param x [n, inputDim]. @returns [n, latentDim]. */
  encode(x: tf.Tensor | number[][]): tf.Tensor2D {
    const t = this.toData(x, 'x', 'LinearAutoencoder.encode', this.config.inputDim);
    const z = this.encoder.apply(t) as tf.Tensor2D;
    if (t !== x) t.dispose();
    return z;
  }

  /** Data-space image of codes: z W_d + b_d. @param z [n, latentDim]. @returns [n, inputDim]. */
  decode(z: tf.Tensor | number[][]): tf.Tensor2D {
    const t = this.toData(z, 'z', 'LinearAutoencoder.decode', this.config.latentDim);
    const x = this.decodeTensor(t);
    if (t !== z) t.dispose();
    return x;
  }

  /** decode(encode(x)). @param x [n, inputDim]. @returns [n, inputDim]. */
  reconstruct(x: tf.Tensor | number[][]): tf.Tensor2D {
    const t = this.toData(x, 'x', 'LinearAutoencoder.reconstruct', this.config.inputDim);
    const out = tf.tidy(() => this.decodeTensor(this.encoder.apply(t) as tf.Tensor2D));
    if (t !== x) t.dispose();
    return out;
  }

  /**
   * Trains on the rows of `x` with `fit` from `@elbo/prob` on the mean squared
   * error: Adam, epoch e shuffled as `permutation(n, foldIn(seed, e))`.
   * Continues from the current weights, so a schedule is consecutive calls
   * (or a `learningRate` function of the epoch).
   * @param x [n, inputDim].
   * @param options - {@link LinearAutoencoderFitOptions}; `validationData` as a tensor [m, inputDim].
   * @returns the `History`: `history.loss` holds each epoch's mean training loss.
   * @example
   * ```ts
   * const { history } = await ae.fit(x, { epochs: 5, batchSize: 50, learningRate: 1e-2, seed: 1 });
   * ```
   */
  async fit(x: tf.Tensor | number[][], options: LinearAutoencoderFitOptions = {}): Promise<History> {
    const caller = 'LinearAutoencoder.fit';
    checkKnownKeys(options, FIT_OPTION_NAMES, caller);
    const { validationData } = options;
    const t = this.toData(x, 'x', caller, this.config.inputDim);
    let v: tf.Tensor | null = null;
    try {
      if (validationData instanceof tf.Tensor) v = this.toData(validationData, 'validationData', caller, this.config.inputDim);
      return await fit({
        ...options,
        ...(v == null ? {} : { validationData: v }),
        loss: (xb: tf.Tensor) => tf.mean(tf.squaredDifference(this.decodeTensor(this.encoder.apply(xb) as tf.Tensor2D), xb)),
        variables: this.trainableVariables,
        data: t,
      });
    } finally {
      if (t !== x) t.dispose();
      if (v != null && v !== validationData) v.dispose();
    }
  }

  /** Config and weights as plain numbers. */
  toJSON(): { config: Required<LinearAutoencoderConfig>; encoder: LinearWeights; decoder: LinearWeights } {
    const decoder = this.decoder?.toJSON().weights ?? { kernel: [], bias: Array.from(this.tiedBias!.dataSync()) };
    return { config: this.getConfig(), encoder: this.encoder.toJSON().weights, decoder };
  }

  /** Rebuilds a trained autoencoder from {@link LinearAutoencoder.toJSON}. */
  static fromJSON(json: { config: LinearAutoencoderConfig; encoder: LinearWeights; decoder: LinearWeights }): LinearAutoencoder {
    const ae = new LinearAutoencoder(json.config);
    try {
      ae.encoder.setWeights(json.encoder);
      if (ae.decoder != null) ae.decoder.setWeights(json.decoder);
      else {
        const b = json.decoder.bias ?? [];
        if (b.length !== ae.config.inputDim)
          throw new Error(`LinearAutoencoder.fromJSON: decoder bias must have ${ae.config.inputDim} values, got ${b.length}`);
        const bad = b.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw new Error(`LinearAutoencoder.fromJSON: decoder bias must be finite, got ${b[bad]} at index ${bad}`);
        ae.tiedBias!.assign(tf.tensor1d(b));
      }
    } catch (e) {
      ae.dispose();
      throw e;
    }
    return ae;
  }

  /** Frees the variables. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder?.dispose();
    this.tiedBias?.dispose();
  }

  /** A data argument as a float32 matrix [n, cols] with finite entries (a new tensor unless it was one already). */
  private toData(x: tf.Tensor | number[][], name: string, caller: string, cols: number): tf.Tensor2D {
    return toFloatTensor(x, name, caller, { rank: 2, lastDim: cols, minRows: 1, finite: true }) as tf.Tensor2D;
  }

  private decodeTensor(z: tf.Tensor2D): tf.Tensor2D {
    if (this.decoder != null) return this.decoder.apply(z) as tf.Tensor2D;
    return tf.tidy(() => tf.add(tf.matMul(z, tf.transpose(this.encoder.kernel)), this.tiedBias!)) as tf.Tensor2D;
  }
}
