import * as tf from '@tensorflow/tfjs-core';
import { adam, minimize, tfjsSeed, toFloatTensor } from '@elbo/prob';
import { Linear } from '@elbo/nn';
import type { LinearWeights } from '@elbo/nn';

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

/** Options of {@link LinearAutoencoder.fit}. */
export interface LinearAutoencoderFitOptions {
  /** Passes over the data. Default 10. */
  epochs?: number;
  /** Rows per step. Default 128. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-3 (PyTorch's default, as the reference run). */
  learningRate?: number;
  /** Seed of the per-epoch shuffling. Default 0. */
  seed?: number;
  /** Called after each epoch with its mean training loss; returning `false` stops. */
  onEpoch?: (info: { epoch: number; loss: number }) => void | boolean | Promise<void | boolean>;
  /** Stops between steps. */
  signal?: AbortSignal;
}

/**
 * The autoencoder with no non-linearity, `x_hat = (x W_e + b_e) W_d + b_d`,
 * trained by Adam on the mean squared reconstruction error (through
 * `minimize` from `@elbo/prob`).
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
 * await ae.fit(x, { epochs: 20, learningRate: 3e-3 });
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
    if (!Number.isInteger(inputDim) || inputDim < 1) throw new Error(`LinearAutoencoder: inputDim must be a positive integer, got ${inputDim}`);
    if (!Number.isInteger(latentDim) || latentDim < 1) throw new Error(`LinearAutoencoder: latentDim must be a positive integer, got ${latentDim}`);
    const seed = config.seed ?? 0;
    if (!Number.isInteger(seed)) throw new Error(`LinearAutoencoder: seed must be an integer, got ${seed}`);
    this.config = { inputDim, latentDim, tied: config.tied ?? false, seed };
    this.encoder = new Linear({ inputDim, outputDim: latentDim, seed, name: 'linear_ae_encoder' });
    if (this.config.tied) {
      this.decoder = null;
      const bound = 1 / Math.sqrt(latentDim);
      const init = tf.randomUniform([inputDim], -bound, bound, 'float32', tfjsSeed(seed + 2));
      this.tiedBias = tf.variable(init, true);
      init.dispose();
    } else {
      this.decoder = new Linear({ inputDim: latentDim, outputDim: inputDim, seed: seed + 1, name: 'linear_ae_decoder' });
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
   * Trains on the rows of `x` with Adam on the mean squared error, shuffling each epoch (seeded).
   * @param x [n, inputDim].
   * @returns the mean training loss of each epoch.
   */
  async fit(x: tf.Tensor2D, options: LinearAutoencoderFitOptions = {}): Promise<{ epochLosses: number[] }> {
    const { epochs = 10, batchSize = 128, learningRate = 1e-3, seed = 0, onEpoch, signal } = options;
    if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`LinearAutoencoder.fit: epochs must be a positive integer, got ${epochs}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`LinearAutoencoder.fit: batchSize must be a positive integer, got ${batchSize}`);
    if (!(learningRate > 0)) throw new Error(`LinearAutoencoder.fit: learningRate must be > 0, got ${learningRate}`);
    if (!Number.isInteger(seed)) throw new Error(`LinearAutoencoder.fit: seed must be an integer, got ${seed}`);
    const t = this.toData(x, 'x', 'LinearAutoencoder.fit', this.config.inputDim);
    const n = t.shape[0];
    const stepsPerEpoch = Math.ceil(n / batchSize);
    const optimizer = adam(learningRate);
    const epochLosses: number[] = [];
    let sum = 0;
    let count = 0;
    let stop = false;
    try {
      await minimize(
        (idx: Int32Array) =>
          tf.tidy(() => {
            const xb = tf.gather(t, tf.tensor1d(idx, 'int32'));
            return tf.mean(tf.squaredDifference(this.decodeTensor(this.encoder.apply(xb) as tf.Tensor2D), xb));
          }),
        {
          variables: this.trainableVariables,
          optimizer,
          batches: shuffledBatches(n, batchSize, epochs, seed),
          signal,
          onStep: async ({ step, loss }) => {
            sum += loss;
            count++;
            if ((step + 1) % stepsPerEpoch === 0) {
              const mean = sum / count;
              epochLosses.push(mean);
              sum = 0;
              count = 0;
              if (onEpoch != null && (await onEpoch({ epoch: epochLosses.length - 1, loss: mean })) === false) stop = true;
            }
            return !stop;
          },
        },
      );
    } finally {
      optimizer.dispose();
      if (t !== x) t.dispose();
    }
    return { epochLosses };
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
        if (b.length !== ae.config.inputDim) throw new Error(`LinearAutoencoder.fromJSON: decoder bias must have ${ae.config.inputDim} values, got ${b.length}`);
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

/** Index batches for `epochs` seeded shuffles of 0..n-1 (Fisher-Yates with a mulberry32 stream). */
function* shuffledBatches(n: number, batchSize: number, epochs: number, seed: number): Generator<Int32Array> {
  let state = (seed ^ 0x2545f491) >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let r = Math.imul(state ^ (state >>> 15), 1 | state);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const perm = new Int32Array(n);
  for (let e = 0; e < epochs; e++) {
    for (let i = 0; i < n; i++) perm[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const tmp = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = tmp;
    }
    for (let s = 0; s < n; s += batchSize) yield perm.slice(s, Math.min(n, s + batchSize));
  }
}
