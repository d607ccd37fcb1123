import * as tf from '@tensorflow/tfjs-core';
import { Autoencoder } from '@elbo/autoencoder';
import { VAE, convDecoder, convEncoder, mlp } from '@elbo/vae';
import { IncrementalPCA, PCA, ProbabilisticPCA } from '@elbo/linear';
import type { PcaJSON } from '@elbo/linear';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fitCodeGaussian, fittedGaussian, GAUSSIAN_FILE, readGaussian, sampleGaussian, type GaussianJSON } from './code-gaussian';
import { CliError, EXIT } from './errors';

/**
 * The model kinds `elbo train --model` knows.
 * @example
 * ```ts
 * MODEL_KINDS.includes('pca'); // true
 * ```
 */
export const MODEL_KINDS = ['conv-vae', 'vae', 'ae', 'pca'] as const;
/**
 * One of {@link MODEL_KINDS}.
 * @example
 * ```ts
 * const kind: ModelKind = 'conv-vae';
 * ```
 */
export type ModelKind = (typeof MODEL_KINDS)[number];

/**
 * What one training run is told.
 * @example
 * ```ts
 * const settings: TrainSettings = { latent: 16, epochs: 20, batchSize: 64, learningRate: 1e-3, seed: 0 };
 * ```
 */
export interface TrainSettings {
  latent: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * Training images: a tensor in memory, or the batches of epoch e streamed from disk (the loop disposes them).
 * @example
 * ```ts
 * const data: TrainData = tf.zeros([8, 16, 16, 3]);
 * ```
 */
export type TrainData = tf.Tensor4D | ((epoch: number) => AsyncIterable<tf.Tensor4D>);

/**
 * Where samples come from; see {@link RunModel.sample}.
 * @example
 * ```ts
 * const from: SampleSource = 'prior';
 * ```
 */
export type SampleSource = (typeof SAMPLE_SOURCES)[number];

/**
 * The values of `elbo sample --from`.
 * @example
 * ```ts
 * SAMPLE_SOURCES.includes('prior'); // true
 * ```
 */
export const SAMPLE_SOURCES = ['codes', 'prior'] as const;

/** Called during `fit`: after each batch (steps done in the run) and each epoch (its logs). */
export interface TrainHooks {
  signal?: AbortSignal;
  onBatch?: (step: number, logs: Record<string, number>) => void;
  onEpoch?: (epoch: number, logs: Record<string, number>) => void;
}

/**
 * What each score means, for the report, the CSV header and --help. Higher is always more typical.
 * @example
 * ```ts
 * console.log(SCORE_NAMES['conv-vae']);
 * ```
 */
export const SCORE_NAMES: Record<ModelKind, string> = {
  'conv-vae': 'ELBO (nats per image, one draw): a lower bound on log p(x)',
  vae: 'ELBO (nats per image, one draw): a lower bound on log p(x)',
  ae: 'log-likelihood of the reconstruction, -NLL (nats per image)',
  pca: 'probabilistic-PCA log-likelihood (nats per image)',
};

/**
 * One trained model of any kind behind the same calls, so the commands and the
 * report need not know which. Images are [n, h, w, c] in [0, 1].
 * @example
 * ```ts
 * const model = createModel('conv-vae', [32, 32, 3], settings);
 * await model.fit(train, validation, settings, {});
 * ```
 */
export interface RunModel {
  readonly kind: ModelKind;
  readonly itemShape: [number, number, number];
  /** Trains; returns the per-epoch history (empty for PCA, fitted in one step) and whether it was stopped. */
  fit(
    train: TrainData,
    validation: tf.Tensor4D | null,
    settings: TrainSettings,
    hooks: TrainHooks,
  ): Promise<{ history: Record<string, number[]>; aborted: boolean }>;
  /** Latent means [n, latent]. */
  encode(x: tf.Tensor4D): tf.Tensor2D;
  /** Images decoded from latent points. */
  decode(z: tf.Tensor2D): tf.Tensor4D;
  reconstruct(x: tf.Tensor4D): tf.Tensor4D;
  /**
   * n new images. `'codes'` (default) decodes codes drawn from a Gaussian fitted to the training
   * images' codes (for a VAE the posterior means: Ghosh et al. 2020's ex-post density), `'prior'`
   * a VAE's z ~ N(0, I). PCA's probabilistic-PCA Gaussian is both.
   */
  sample(n: number, seed: number, from?: SampleSource): tf.Tensor4D;
  /** Per-image score, higher = more typical (see {@link SCORE_NAMES}). */
  score(x: tf.Tensor4D, seed: number): Promise<Float64Array>;
  /** Writes the model's files into `dir`. */
  save(dir: string): Promise<void>;
  dispose(): void;
}

const CHUNK = 256;

/**
 * A fresh, untrained model of `kind` for images of `itemShape`.
 * @example
 * ```ts
 * const model = createModel('ae', [16, 16, 1], { latent: 8, epochs: 1, batchSize: 32, learningRate: 1e-3, seed: 0 });
 * ```
 */
export function createModel(kind: ModelKind, itemShape: [number, number, number], settings: TrainSettings): RunModel {
  const d = itemShape[0] * itemShape[1] * itemShape[2];
  const { latent, seed } = settings;
  if (kind === 'conv-vae') {
    const encoder = convEncoder({ inputShape: itemShape, outputDim: 2 * latent, seed });
    // Transposed convolutions of 32 and 16 channels (the Keras example's 64 and 32 cost 4x the time at
    // full resolution): 30 epochs of 3786 emoji at 32 x 32 fit in the 5 minutes the default promises.
    const decoder = convDecoder({ inputDim: latent, outputShape: itemShape, filters: [32, 16], seed: seed + 1 });
    return vaeModel(kind, itemShape, new VAE({ encoder, decoder, likelihood: 'bernoulli' }));
  }
  if (kind === 'vae') {
    const vae = new VAE({
      encoder: mlp([d, 512, 2 * latent], { seed }),
      decoder: mlp([latent, 512, d], { seed: seed + 1 }),
      likelihood: 'bernoulli',
    });
    return vaeModel(kind, itemShape, vae);
  }
  if (kind === 'ae') {
    const ae = new Autoencoder({
      encoder: mlp([d, 512, latent], { seed }),
      decoder: mlp([latent, 512, d], { seed: seed + 1 }),
      likelihood: 'bernoulli',
    });
    return aeModel(itemShape, ae, null);
  }
  return pcaModel(itemShape, null);
}

/**
 * Loads the model files `save` wrote into `dir`.
 * @example
 * ```ts
 * const model = await loadModel('conv-vae', [32, 32, 3], 'runs/x/model');
 * ```
 */
export async function loadModel(kind: ModelKind, itemShape: [number, number, number], dir: string): Promise<RunModel> {
  if (kind === 'conv-vae' || kind === 'vae') {
    return vaeModel(kind, itemShape, await VAE.load(`file://${dir}`), await readGaussian(dir));
  }
  if (kind === 'ae') return aeModel(itemShape, await Autoencoder.load(`file://${dir}`), await readGaussian(dir));
  return pcaModel(itemShape, PCA.fromJSON(JSON.parse(await readFile(join(dir, 'pca.json'), 'utf8')) as PcaJSON));
}

/** The conv VAE sees images; the MLP VAE flat rows (reshaped here, so both take and give images). */
function vaeModel(kind: 'conv-vae' | 'vae', itemShape: [number, number, number], vae: VAE, loaded: GaussianJSON | null = null): RunModel {
  let gaussian = loaded;
  const toModel = (x: tf.Tensor4D): tf.Tensor => (kind === 'vae' ? tf.reshape(x, [x.shape[0], -1]) : x);
  const encodeMeans = (x: tf.Tensor) => tf.tidy(() => vae.encodeParams(x).mu);
  const toImages = (y: tf.Tensor): tf.Tensor4D => tf.reshape(y, [y.shape[0]!, ...itemShape]);
  return {
    kind,
    itemShape,
    async fit(train, validation, settings, hooks) {
      const trained = await fitWithCodes(
        (data, options) => vae.fit(data, options),
        toModel,
        encodeMeans,
        train,
        validation,
        settings,
        hooks,
      );
      gaussian = trained.gaussian;
      return { history: trained.history, aborted: trained.aborted };
    },
    encode: (x) => tf.tidy(() => encodeMeans(toModel(x)) as tf.Tensor2D),
    decode: (z) => tf.tidy(() => toImages(vae.decode(z))),
    reconstruct: (x) => tf.tidy(() => toImages(vae.reconstruct(toModel(x)))),
    sample(n, seed, from = 'codes') {
      if (from === 'prior') return tf.tidy(() => toImages(vae.sample(n, { seed })));
      const g = fittedGaussian(gaussian);
      return tf.tidy(() => toImages(vae.decode(sampleGaussian(g, n, seed))));
    },
    score: (x, seed) =>
      chunked(x, (part, c) => {
        const input = toModel(part);
        const terms = vae.elbo(input, { seed: seed + c });
        const elbo = terms.elbo.dataSync();
        tf.dispose([...Object.values(terms), ...(input === part ? [] : [input])]);
        return elbo;
      }),
    async save(dir) {
      await vae.save(`file://${dir}`);
      await writeFile(join(dir, GAUSSIAN_FILE), JSON.stringify(fittedGaussian(gaussian)));
    },
    dispose: () => vae.dispose(),
  };
}

function aeModel(itemShape: [number, number, number], ae: Autoencoder, loaded: GaussianJSON | null): RunModel {
  let gaussian = loaded;
  const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]);
  const toImages = (y: tf.Tensor): tf.Tensor4D => tf.reshape(y, [y.shape[0]!, ...itemShape]);
  return {
    kind: 'ae',
    itemShape,
    async fit(train, validation, settings, hooks) {
      const trained = await fitWithCodes(
        (data, options) => ae.fit(data, options),
        flat,
        (x) => ae.encode(x),
        train,
        validation,
        settings,
        hooks,
      );
      gaussian = trained.gaussian;
      return { history: trained.history, aborted: trained.aborted };
    },
    encode: (x) => tf.tidy(() => ae.encode(flat(x)) as tf.Tensor2D),
    decode: (z) => tf.tidy(() => toImages(ae.decode(z))),
    reconstruct: (x) => tf.tidy(() => toImages(ae.reconstruct(flat(x)))),
    sample(n, seed, from = 'codes') {
      if (from === 'prior')
        throw new CliError("elbo: an autoencoder has no prior to sample: use --from codes (its codes' Gaussian)", EXIT.usage);
      const g = fittedGaussian(gaussian);
      return tf.tidy(() => toImages(ae.decode(sampleGaussian(g, n, seed))));
    },
    score: (x) => chunked(x, (part) => readOnce(tf.tidy(() => tf.neg(ae.negLogLikelihood(flat(part)))))),
    async save(dir) {
      await ae.save(`file://${dir}`);
      await writeFile(join(dir, GAUSSIAN_FILE), JSON.stringify(fittedGaussian(gaussian)));
    },
    dispose: () => ae.dispose(),
  };
}

function pcaModel(itemShape: [number, number, number], loaded: PCA | null): RunModel {
  let pca = loaded;
  const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], -1]);
  const toImages = (y: tf.Tensor): tf.Tensor4D => tf.reshape(tf.clipByValue(y, 0, 1), [y.shape[0]!, ...itemShape]);
  const fitted = (): PCA => {
    if (!pca) throw new Error('elbo: PCA is not fitted yet');
    return pca;
  };
  return {
    kind: 'pca',
    itemShape,
    async fit(train, _validation, settings) {
      const [h, w, c] = itemShape;
      if (typeof train !== 'function') {
        const x = flat(train);
        const components = Math.min(settings.latent, train.shape[0], h * w * c);
        pca = PCA.fit(x, { components, solver: h * w * c > 1024 ? 'randomized' : 'full', seed: settings.seed });
        x.dispose();
      } else {
        // one pass of incremental PCA over the streamed batches (a batch needs at least k rows)
        const incremental = new IncrementalPCA({ components: Math.min(settings.latent, h * w * c) });
        for await (const batch of train(0)) {
          if (batch.shape[0] >= settings.latent) tf.tidy(() => void incremental.partialFit(flat(batch)));
          batch.dispose();
        }
        pca = incremental.toPCA();
      }
      return { history: {}, aborted: false };
    },
    encode: (x) => tf.tidy(() => fitted().transform(flat(x))),
    decode: (z) => tf.tidy(() => toImages(fitted().inverseTransform(z))),
    reconstruct: (x) => tf.tidy(() => toImages(fitted().inverseTransform(fitted().transform(flat(x))))),
    sample(n, seed) {
      const ppca = ProbabilisticPCA.fromPCA(fitted());
      try {
        return tf.tidy(() => toImages(ppca.sample(n, { seed })));
      } finally {
        ppca.dispose();
      }
    },
    score: (x) => chunked(x, (part) => readOnce(tf.tidy(() => fitted().scoreSamples(flat(part))))),
    save: (dir) => writeFile(join(dir, 'pca.json'), JSON.stringify(fitted().toJSON())),
    dispose: () => pca?.dispose(),
  };
}

/**
 * Trains a VAE or an autoencoder on `train` as the model takes it (`toModel`: images or flat rows),
 * then fits the Gaussian of its training codes that samples come from.
 */
async function fitWithCodes(
  fit: (
    data: tf.Tensor | ((epoch: number) => AsyncIterable<tf.Tensor>),
    options: ReturnType<typeof fitOptions> & { validationData?: tf.Tensor },
  ) => Promise<{ history: Record<string, number[]>; aborted: boolean }>,
  toModel: (x: tf.Tensor4D) => tf.Tensor,
  encode: (x: tf.Tensor) => tf.Tensor,
  train: TrainData,
  validation: tf.Tensor4D | null,
  settings: TrainSettings,
  hooks: TrainHooks,
): Promise<{ history: Record<string, number[]>; aborted: boolean; gaussian: GaussianJSON }> {
  const v = validation && toModel(validation);
  const data = typeof train === 'function' ? mapBatches(train, toModel) : toModel(train);
  try {
    const { history, aborted } = await fit(data, { ...fitOptions(settings, hooks), ...(v ? { validationData: v } : {}) });
    return { history, aborted, gaussian: await fitCodeGaussian(data, encode) };
  } finally {
    if (typeof data !== 'function' && data !== train) data.dispose();
    if (v && v !== validation) v.dispose();
  }
}

function fitOptions(settings: TrainSettings, hooks: TrainHooks) {
  let step = 0;
  return {
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    seed: settings.seed,
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    callbacks: {
      onBatchEnd: (_batch: number, logs: Record<string, number>) => void hooks.onBatch?.(++step, logs),
      onEpochEnd: (epoch: number, logs: Record<string, number>) => void hooks.onEpoch?.(epoch, logs),
    },
  };
}

/** Streamed batches, each mapped (the input batch disposed). */
function mapBatches(batches: (epoch: number) => AsyncIterable<tf.Tensor4D>, each: (x: tf.Tensor4D) => tf.Tensor) {
  return (epoch: number) =>
    (async function* () {
      for await (const batch of batches(epoch)) {
        const out = each(batch);
        if (out !== batch) batch.dispose();
        yield out;
      }
    })();
}

/** The values of a tensor, which is then disposed. */
function readOnce(t: tf.Tensor): Float32Array {
  const values = t.dataSync() as Float32Array;
  t.dispose();
  return values;
}

/** Runs `each` over blocks of rows, so a large set never needs one big intermediate. */
async function chunked(x: tf.Tensor4D, each: (part: tf.Tensor4D, chunk: number) => ArrayLike<number>): Promise<Float64Array> {
  const n = x.shape[0];
  const out = new Float64Array(n);
  for (let start = 0, c = 0; start < n; start += CHUNK, c++) {
    const part = tf.slice(x, start, Math.min(CHUNK, n - start));
    out.set(Array.from(each(part, c)), start);
    part.dispose();
    await new Promise((resolve) => setImmediate(resolve)); // let Ctrl-C and the progress bar through
  }
  return out;
}
