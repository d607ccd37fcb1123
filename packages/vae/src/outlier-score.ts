import { checkKnownKeys, checkSeed, describeValue } from '@elbo/prob';
import type { TensorInput } from '@elbo/prob';
import { checkScoringInput, IMAGE_STATISTICS, statisticsOfChecked } from './image-statistics';
import type { ImageStatisticName, ImageStatistics, ImageStatisticsOptions } from './image-statistics';
import { logKernelDensity, silvermanBandwidth } from './kernel-density';
import { meanAndSd } from './sample-moments';
import { checkSamples } from './settings';
import type { VAE } from './vae';

/** The outlier scores {@link OutlierScore} can fit. */
export const OUTLIER_METHODS = ['log-likelihood', 'typicality', 'dose'] as const;

/** One of {@link OUTLIER_METHODS}; see {@link OutlierScore}. */
export type OutlierMethod = (typeof OUTLIER_METHODS)[number];

/** Fewest training images a score may be fitted on: fewer cannot place the tails of a density. */
export const MIN_FIT_IMAGES = 50;

/**
 * Options of {@link OutlierScore.fit}.
 * @example
 * ```ts
 * const options: OutlierScoreOptions = { method: 'dose', samples: 100, seed: 0 };
 * ```
 */
export interface OutlierScoreOptions extends ImageStatisticsOptions {
  /** Which score; default `'dose'`, the one that works on every probe set measured (see the README). */
  method?: OutlierMethod;
}

/** The serializable form of a fitted {@link OutlierScore}: `JSON.stringify` it, read it back with {@link OutlierScore.fromJSON}. */
export interface OutlierScoreJSON {
  format: 'elbo-outlier-score';
  version: 1;
  method: OutlierMethod;
  samples: number;
  seed: number;
  /** The statistics the score uses, and their values on the training images. */
  training: Partial<Record<ImageStatisticName, number[]>>;
}

/** What each method reads of the statistics. */
const METHOD_STATISTICS: Record<OutlierMethod, readonly ImageStatisticName[]> = {
  'log-likelihood': ['logLikelihood'],
  typicality: ['logLikelihood'],
  dose: IMAGE_STATISTICS,
};

/**
 * A score of how unlike a VAE's training images an image is: higher means
 * more of an outlier. Fitted on training images only (never on outliers),
 * from the per-image statistics of {@link imageStatistics}:
 *
 * - `'log-likelihood'`: `-log p(x)`. The raw likelihood, kept to show how it
 *   fails: a model of digits gives simpler images (mostly black lines,
 *   constant black images) a *higher* p(x) than digits (Nalisnick et al. 2019,
 *   "Do deep generative models know what they don't know?"), so this score
 *   ranks them as the most typical.
 * - `'typicality'`: `|log p(x) - m| / s`, with m and s the mean and standard
 *   deviation of log p(x) over the training images: the one-image form of the
 *   typicality test (Nalisnick et al. 2019, "Detecting out-of-distribution
 *   inputs to deep generative models using typicality"). Flags images that are
 *   too likely as well as too unlikely. Fails where an outlier's log p(x)
 *   happens to fall in the training range (sparse dots, some lines).
 * - `'dose'`: `-sum_j log f_j(t_j(x))`, where t_j are the five statistics
 *   (log p(x), rate, distortion, posterior entropy, prior cross-entropy) and
 *   f_j a Gaussian kernel density (Silverman's bandwidth) of t_j over the
 *   training images (Morningstar et al. 2021, DoSE with per-statistic KDEs).
 *   An outlier has to look typical in every statistic at once to pass. Fails
 *   when it does: images the encoder maps inside the prior's bulk with a
 *   training-like log p(x) (for example near-copies of training images with
 *   small changes the decoder cannot see). A statistic that is constant over
 *   the training images carries no information and is left out.
 *
 * Scores are comparable only within one fitted score. Pick a threshold on
 * held-out training-like images with `thresholdAtFalsePositiveRate` from @elbo/prob.
 *
 * The score reads the VAE at each call; it does not own it (keep it undisposed).
 *
 * @example
 * ```ts
 * const score = await OutlierScore.fit(vae, xTrain.slice(0, 2000), { method: 'dose' });
 * const s = await score.score(xNew); // Float64Array, one score per image
 * ```
 */
export class OutlierScore {
  private constructor(
    private readonly vae: VAE,
    readonly method: OutlierMethod,
    /** Importance samples K used for log p(x). */
    readonly samples: number,
    readonly seed: number,
    private readonly training: Partial<Record<ImageStatisticName, Float64Array>>,
    private readonly bandwidths: Partial<Record<ImageStatisticName, number>>,
  ) {}

  /** The statistics this score reads (for `'dose'`, those that vary over the training images). */
  get statistics(): ImageStatisticName[] {
    return Object.keys(this.bandwidths) as ImageStatisticName[];
  }

  /**
   * Fits a score on training images (at least {@link MIN_FIT_IMAGES}).
   * @param vae - the trained VAE.
   * @param x - training images, [n, ...itemShape]; a held-out part of the training set is best.
   * @example
   * ```ts
   * const typicality = await OutlierScore.fit(vae, xTrain, { method: 'typicality', samples: 100 });
   * ```
   */
  static async fit(vae: VAE, x: TensorInput, options: OutlierScoreOptions = {}): Promise<OutlierScore> {
    const caller = 'OutlierScore.fit';
    checkKnownKeys(options, ['method', 'samples', 'seed', 'signal'], caller);
    const method = checkMethod(options.method ?? 'dose', caller);
    const { method: _, ...rest } = options;
    const { t, samples, seed, signal } = checkScoringInput(vae, x, rest, caller);
    try {
      if (t.shape[0]! < MIN_FIT_IMAGES)
        throw new Error(`${caller}: x must hold at least ${MIN_FIT_IMAGES} training images to fit a score on, got ${t.shape[0]}`);
      const stats = await statisticsOfChecked(vae, t, samples, seed, signal);
      return OutlierScore.fromTraining(vae, method, samples, seed, stats, caller);
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /**
   * Reads back a score saved with `JSON.stringify(score)`, for the same trained VAE.
   * @example
   * ```ts
   * const again = OutlierScore.fromJSON(vae, JSON.parse(text));
   * ```
   */
  static fromJSON(vae: VAE, json: OutlierScoreJSON): OutlierScore {
    const caller = 'OutlierScore.fromJSON';
    if (json == null || typeof json !== 'object' || json.format !== 'elbo-outlier-score')
      throw new Error(`${caller}: json must be an object with format 'elbo-outlier-score', got ${describeValue(json)}`);
    if (json.version !== 1) throw new Error(`${caller}: json.version must be 1, got ${describeValue(json.version)}`);
    const method = checkMethod(json.method, caller);
    const samples = checkSamples(json.samples, caller);
    const seed = checkSeed(json.seed, caller);
    const training: Partial<Record<ImageStatisticName, Float64Array>> = {};
    for (const name of METHOD_STATISTICS[method]) {
      const values = json.training?.[name];
      if (values === undefined && method === 'dose') continue; // left out at fit time: constant
      if (!Array.isArray(values) || values.length < MIN_FIT_IMAGES || !values.every(Number.isFinite))
        throw new Error(
          `${caller}: json.training.${name} must be an array of at least ${MIN_FIT_IMAGES} finite numbers, got ${describeValue(values)}`,
        );
      training[name] = Float64Array.from(values);
    }
    return OutlierScore.fromTraining(vae, method, samples, seed, training, caller);
  }

  private static fromTraining(
    vae: VAE,
    method: OutlierMethod,
    samples: number,
    seed: number,
    stats: Partial<ImageStatistics>,
    caller: string,
  ): OutlierScore {
    const training: Partial<Record<ImageStatisticName, Float64Array>> = {};
    const bandwidths: Partial<Record<ImageStatisticName, number>> = {};
    for (const name of METHOD_STATISTICS[method]) {
      const values = stats[name];
      if (values === undefined) continue;
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${caller}: the ${name} of training image ${bad} is ${values[bad]}, not a finite number`);
      const h = silvermanBandwidth(values);
      if (!(h > 0)) {
        if (method === 'dose') continue;
        throw new Error(`${caller}: the ${name} is the same for every training image, so it cannot tell images apart`);
      }
      training[name] = values;
      bandwidths[name] = h;
    }
    if (Object.keys(bandwidths).length === 0)
      throw new Error(`${caller}: every statistic is the same for every training image, so no score can tell images apart`);
    return new OutlierScore(vae, method, samples, seed, training, bandwidths);
  }

  /**
   * Scores images: one number per image, higher = less like the training images.
   * Uses the fitted `samples` and `seed`, so the same image in the same place scores the same.
   * @param x - images [n, ...itemShape] in the likelihood's support, n >= 1.
   * @example
   * ```ts
   * const scores = await score.score(xTest, { signal: AbortSignal.timeout(60_000) });
   * ```
   */
  async score(x: TensorInput, { signal }: { signal?: AbortSignal } = {}): Promise<Float64Array> {
    const { t, samples, seed } = checkScoringInput(this.vae, x, { samples: this.samples, seed: this.seed, signal }, 'OutlierScore.score');
    try {
      return this.scoreStatistics(await statisticsOfChecked(this.vae, t, samples, seed, signal));
    } finally {
      if (t !== x) t.dispose();
    }
  }

  /**
   * The score of images whose statistics are already computed (with {@link imageStatistics} and
   * this score's `samples`): lets several scores share one pass over the images.
   * @example
   * ```ts
   * const stats = await imageStatistics(vae, x, { samples: dose.samples });
   * const [a, b] = [dose.scoreStatistics(stats), typicality.scoreStatistics(stats)];
   * ```
   */
  scoreStatistics(stats: ImageStatistics): Float64Array {
    const names = this.statistics;
    const first = stats?.[names[0]!];
    if (!(first instanceof Float64Array))
      throw new Error(`OutlierScore.scoreStatistics: stats must hold a Float64Array ${names[0]}, got ${describeValue(first)}`);
    for (const name of names) {
      if (!(stats[name] instanceof Float64Array) || stats[name].length !== first.length)
        throw new Error(
          `OutlierScore.scoreStatistics: stats.${name} must be a Float64Array of length ${first.length}, got ${describeValue(stats[name])}`,
        );
    }
    const n = first.length;
    for (const name of names) {
      const bad = stats[name].findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new Error(`OutlierScore.scoreStatistics: stats.${name}[${bad}] is ${stats[name][bad]}, not a finite number`);
    }
    const out = new Float64Array(n);
    const logp = this.training.logLikelihood;
    if (this.method === 'log-likelihood') {
      for (let i = 0; i < n; i++) out[i] = -stats.logLikelihood[i]!;
    } else if (this.method === 'typicality') {
      const { mean, sd } = meanAndSd(logp!);
      for (let i = 0; i < n; i++) out[i] = Math.abs(stats.logLikelihood[i]! - mean) / sd;
    } else {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (const name of names) s -= logKernelDensity(this.training[name]!, this.bandwidths[name]!, stats[name][i]!);
        out[i] = s;
      }
    }
    return out;
  }

  /** The serializable form (the training statistics the score reads). */
  toJSON(): OutlierScoreJSON {
    return {
      format: 'elbo-outlier-score',
      version: 1,
      method: this.method,
      samples: this.samples,
      seed: this.seed,
      training: Object.fromEntries(this.statistics.map((name) => [name, Array.from(this.training[name]!)])),
    };
  }
}

function checkMethod(method: unknown, caller: string): OutlierMethod {
  if (!(OUTLIER_METHODS as readonly unknown[]).includes(method))
    throw new Error(`${caller}: method must be one of ${OUTLIER_METHODS.map((m) => `'${m}'`).join(', ')}, got ${describeValue(method)}`);
  return method as OutlierMethod;
}
