import * as tf from '@tensorflow/tfjs-core';
import { linesArrays, probeImages } from '@elbo/datasets';
import { foldIn } from '@elbo/prob';
import { auroc, imageStatistics, OUTLIER_METHODS, OutlierScore, thresholdAtFalsePositiveRate } from '@elbo/vae';
import type { ImageStatistics, OutlierMethod, VAE } from '@elbo/vae';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { pngHtml, svgHtml } from '../figures';
import { math, num, table } from '../format';
import { imageGrid } from '../png';
import { trainedVae } from './vae-models';

/** How each method is named in the page. */
const METHOD_LABEL: Record<OutlierMethod, string> = {
  'log-likelihood': 'raw log p(x)',
  typicality: 'typicality',
  dose: 'DoSE',
};

/** AUROC at or above this counts as telling the sets apart (bold in the table). */
const GOOD_AUROC = 0.95;
/** Whether an AUROC reaches {@link GOOD_AUROC} as printed (3 decimals), so that the words and the bold agree. */
const isGood = (a: number) => Number(a.toFixed(3)) >= GOOD_AUROC;
/** The false-positive rate the threshold is chosen for. */
const TARGET_FPR = 0.05;

interface ScoredSet {
  name: string;
  images: Float32Array;
  stats: ImageStatistics;
  scores: Record<OutlierMethod, Float64Array>;
}

const pct = (fraction: number) => `${num(100 * fraction, 3)}%`;
const median = (values: ArrayLike<number>) => {
  const sorted = Float64Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
};
/** [min, max] of finite values, for a chart's axis. */
const extent = (values: readonly number[]): [number, number] => [Math.min(...values), Math.max(...values)];
/** Round tick values (±1, 2, 5 x 10^k) spread evenly along a symlog axis over [lo, hi]. */
function symlogTicks([lo, hi]: [number, number], count = 8): number[] {
  const t = (v: number) => Math.sign(v) * Math.log1p(Math.abs(v));
  const round = [0, ...Array.from({ length: 8 }, (_, k) => [1, 2, 5].map((m) => m * 10 ** k)).flat()];
  const candidates = [...round.map((v) => -v), ...round].filter((v) => v >= lo && v <= hi).sort((a, b) => a - b);
  const gap = (t(hi) - t(lo)) / count;
  const ticks: number[] = [];
  for (const v of candidates) if (ticks.length === 0 || t(v) - t(ticks[ticks.length - 1]!) >= gap) ticks.push(v);
  return ticks;
}
/** Names in prose: "a", "a and b", "a, b and c". */
const listed = (names: readonly string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** Statistics of a set of flat 28x28 images, one pass shared by every score. */
async function statisticsOf(vae: VAE, images: Float32Array, samples: number, seed: number): Promise<ImageStatistics> {
  const x = tf.tensor2d(images, [images.length / 784, 784]);
  try {
    return await imageStatistics(vae, x, { samples, seed });
  } finally {
    x.dispose();
  }
}

/** A robust spread: the median absolute deviation, scaled to a normal's standard deviation. */
const robustSd = (values: ArrayLike<number>) => {
  const m = median(values);
  return 1.4826 * median(Array.from(values, (v) => Math.abs(v - m)));
};

/** Why raw log p(x) fails here, in words that follow the numbers. */
function likelihoodVerdict(inliers: ScoredSet, outliers: readonly ScoredSet[], aurocs: Record<OutlierMethod, number[]>): string {
  const mid = median(inliers.stats.logLikelihood);
  const above = outliers.map((s) => ({
    name: s.name,
    fraction: s.stats.logLikelihood.filter((v) => v > mid).length / s.stats.logLikelihood.length,
  }));
  const fooling = above.filter((a) => a.fraction >= 0.1);
  const backwards = outliers.filter((_, j) => aurocs['log-likelihood'][j]! < 0.5).map((s) => s.name);
  const caught = outliers.filter((_, j) => isGood(aurocs['log-likelihood'][j]!));
  const aboveLine =
    fooling.length > 0
      ? `${listed(fooling.map((a) => `${pct(a.fraction)} of the ${a.name}`))} have a log p(x) <em>above</em> the median test digit's (${num(mid, 4)} nats): to the raw likelihood, they are more digit-like than half the digits.`
      : `No outlier set has a tenth of its images above the median test digit's log p(x) (${num(mid, 4)} nats) here.`;
  const backwardsLine =
    backwards.length > 0
      ? ` On ${listed(backwards)} the raw score is worse than a coin (AUROC below 0.5 in the table below): it ranks them as <em>more</em> typical than the digits.`
      : '';
  const caughtLine =
    caught.length > 0
      ? ` The raw likelihood does catch ${listed(caught.map((s) => `${s.name} (a median ${num(mid - median(s.stats.logLikelihood), 3)} nats below the digits)`))}: images with many bright pixels, which a model of mostly black digits cannot predict.`
      : '';
  return `<p>${aboveLine}${backwardsLine} A model of digits learns that most pixels are black, and a black pixel is cheap to predict; an image that is mostly black (a thin line, a few dots, an all-black constant image) is easy to predict pixel by pixel whatever its shape, so it gets a high p(x).${caughtLine} So a high log p(x) means "simple", and only a low one says "not like the training data".</p>`;
}

/**
 * Of the images of `set` that a threshold on raw log p(x) would let through (log p(x) above the 5th
 * percentile of the test digits'), the statistic (rate or distortion) on which they are furthest
 * from the test digits, in units of the digits' spread; null when log p(x) lets none through.
 */
function giveaway(inliers: ScoredSet, set: ScoredSet): string | null {
  const cut = Float64Array.from(inliers.stats.logLikelihood).sort()[Math.floor(0.05 * inliers.stats.logLikelihood.length)]!;
  const passed = Array.from(set.stats.logLikelihood.keys()).filter((i) => set.stats.logLikelihood[i]! >= cut);
  if (passed.length === 0) return null;
  const candidates = (['rate', 'distortion'] as const).map((name) => {
    const digits = inliers.stats[name];
    const theirs = median(passed.map((i) => set.stats[name][i]!));
    const ours = median(digits);
    return { name, theirs, ours, z: Math.abs(theirs - ours) / (robustSd(digits) || 1) };
  });
  const far = candidates.reduce((x, c) => (c.z > x.z ? c : x));
  return `the ${passed.length} ${set.name} that log p(x) lets through have a median ${far.name} of ${num(far.theirs, 3)} nats against ${num(far.ours, 3)} for the digits`;
}

/** Which score wins on which set, read from the table. */
function methodVerdict(inliers: ScoredSet, outliers: readonly ScoredSet[], aurocs: Record<OutlierMethod, number[]>): string {
  const best = outliers.map((s, j) => {
    const top = Math.max(...OUTLIER_METHODS.map((m) => aurocs[m][j]!));
    return { name: s.name, methods: OUTLIER_METHODS.filter((m) => aurocs[m][j]!.toFixed(3) === top.toFixed(3)), top };
  });
  const bestLine = best.map((b) => `${b.name}: ${listed(b.methods.map((m) => METHOD_LABEL[m]))} (${b.top.toFixed(3)})`).join('; ');
  const good = (m: OutlierMethod) => outliers.filter((_, j) => isGood(aurocs[m][j]!)).map((s) => s.name);
  const worst = (m: OutlierMethod) => Math.min(...aurocs[m]);
  const counts = OUTLIER_METHODS.map((m) => `${METHOD_LABEL[m]} ${good(m).length}`).join(', ');
  const winner = OUTLIER_METHODS.reduce<OutlierMethod>((a, m) => (worst(m) > worst(a) ? m : a), 'dose'); // DoSE on a tie
  // where log p(x) alone fails, what else gives the outliers away
  const rawMissed = outliers.filter((_, j) => !isGood(aurocs['log-likelihood'][j]!));
  const doseRescued = rawMissed.filter((s) => isGood(aurocs.dose[outliers.indexOf(s)]!));
  const giveaways = doseRescued.map((s) => giveaway(inliers, s)).filter((g): g is string => g !== null);
  const rescueLine =
    giveaways.length > 0
      ? ` Where log p(x) alone fails, another statistic gives the outliers away (counting the images whose log p(x) is above the lowest 5% of the test digits', which a threshold on log p(x) would let through): ${giveaways.join('; ')}.`
      : '';
  const doseLine =
    winner === 'dose'
      ? `DoSE has the best worst case (its lowest AUROC is ${worst('dose').toFixed(3)}): to pass, an image has to look typical in log p(x), rate and distortion at once.${rescueLine}`
      : `Here ${METHOD_LABEL[winner]}, not DoSE, has the best worst case (${worst(winner).toFixed(3)} against DoSE's ${worst('dose').toFixed(3)}): with this model and these few images, the extra statistics did not pay off on every set.${rescueLine}`;
  const missed = outliers.filter((_, j) => !isGood(aurocs.typicality[j]!)).map((s) => s.name);
  const typLine =
    missed.length > 0
      ? `Typicality flags images that are too likely as well as too unlikely, but it still misses where an outlier's log p(x) falls inside the digits' band: ${listed(missed)}.`
      : 'Typicality, which flags images that are too likely as well as too unlikely, reaches the bar on every set here.';
  return `<p>Best score per set: ${bestLine}. Sets with AUROC >= ${GOOD_AUROC}, out of ${outliers.length}: ${counts}. ${typLine} ${doseLine}</p>`;
}

export const vaeOutliersSection: Section = {
  id: 'vae-outliers',
  title: 'Outlier scores: telling digits from the rest',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const { vae } = await trainedVae(ctx, 20);
    const n = ctx.options.quick ? 100 : 300;
    const nFit = ctx.options.quick ? 200 : 1000;
    const K = ctx.options.quick ? 20 : 50;
    const seed = ctx.options.seed;
    const d = 784;
    if (test.shape[0] < 2 * n) throw new Error(`vae-outliers: needs ${2 * n} test digits (inliers and inverted), got ${test.shape[0]}`);

    const sets: { name: string; images: Float32Array }[] = [
      { name: 'test digits', images: test.images.slice(0, n * d) },
      { name: 'uniform noise', images: probeImages({ kind: 'uniform-noise', n, size: 28, seed: foldIn(seed, 201) }).images },
      { name: 'lines', images: linesArrays({ n, size: 28, seed: foldIn(seed, 202) }).images },
      // other test digits than the inliers, so no image is in two sets
      { name: 'inverted digits', images: test.images.slice(n * d, 2 * n * d).map((v) => 1 - v) },
      { name: 'constant images', images: probeImages({ kind: 'constant', n, size: 28, seed: foldIn(seed, 204) }).images },
      { name: 'sparse dots', images: probeImages({ kind: 'sparse-dots', n, size: 28, seed: foldIn(seed, 205) }).images },
    ];

    const t0 = performance.now();
    const bar = ctx.progress('outlier scores', OUTLIER_METHODS.length + sets.length);
    // Fitted on training digits only: no outlier is used to fit or tune anything.
    const fitSeed = foldIn(seed, 300);
    const xFit = tf.tensor2d(train.images.slice(0, nFit * d), [nFit, d]);
    const fitted = {} as Record<OutlierMethod, OutlierScore>;
    try {
      for (const [i, method] of OUTLIER_METHODS.entries()) {
        fitted[method] = await OutlierScore.fit(vae, xFit, { method, samples: K, seed: fitSeed });
        bar.update(i + 1);
      }
    } finally {
      xFit.dispose();
    }
    const scored: ScoredSet[] = [];
    for (const [i, set] of sets.entries()) {
      const stats = await statisticsOf(vae, set.images, K, foldIn(seed, 310 + i));
      const scores = Object.fromEntries(OUTLIER_METHODS.map((m) => [m, fitted[m].scoreStatistics(stats)])) as Record<
        OutlierMethod,
        Float64Array
      >;
      scored.push({ ...set, stats, scores });
      bar.update(OUTLIER_METHODS.length + i + 1);
    }
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;

    const [inliers, ...outliers] = scored as [ScoredSet, ...ScoredSet[]];
    const aurocs = Object.fromEntries(
      OUTLIER_METHODS.map((m) => [m, outliers.map((s) => auroc(inliers.scores[m], s.scores[m]))]),
    ) as Record<OutlierMethod, number[]>;
    for (const m of OUTLIER_METHODS) aurocs[m].forEach((a, j) => num(a, 3, `AUROC of ${m} on ${outliers[j]!.name}`));

    // A threshold for a 5% false-positive rate, chosen on the first half of the test digits only.
    const half = n >> 1;
    const doseInlier = inliers.scores.dose;
    const { threshold, falsePositiveRate } = thresholdAtFalsePositiveRate(doseInlier.subarray(0, half), TARGET_FPR);
    const flagged = (s: ArrayLike<number>) => Array.from(s).filter((v) => v > threshold).length / s.length;
    const heldOutRate = flagged(doseInlier.subarray(half));
    const caught = outliers.map((s) => ({ name: s.name, fraction: flagged(s.scores.dose) }));

    // charts: one row of ticks per set, on a symlog axis (noise and inverted digits are thousands of nats away)
    const order = sets.map((s) => s.name);
    const colors = ['#1c7ed6', '#868e96', '#e8590c', '#7048e8', '#2f9e44', '#f08c00'];
    const strip = async (title: string, field: string, axis: string, rows: Record<string, unknown>[]) => {
      const domain = extent(rows.map((r) => r[field] as number));
      return renderChart({
        width: 520,
        height: 170,
        title,
        data: { values: rows },
        mark: { type: 'tick', opacity: 0.45, thickness: 1 },
        encoding: {
          x: {
            field,
            type: 'quantitative',
            scale: { type: 'symlog', domain, nice: false },
            axis: { values: symlogTicks(domain), format: ',.0f' },
            title: axis,
          },
          y: { field: 'set', type: 'nominal', title: null, sort: order },
          color: { field: 'set', type: 'nominal', legend: null, scale: { domain: order, range: colors } },
        },
      });
    };
    const logpxRows = scored.flatMap((s) => Array.from(s.stats.logLikelihood, (v) => ({ set: s.name, logpx: v })));
    const doseRows = scored.flatMap((s) => Array.from(s.scores.dose, (v) => ({ set: s.name, dose: v })));
    assertFiniteRows('outliers, log p(x)', logpxRows);
    assertFiniteRows('outliers, DoSE', doseRows);
    const logpxSvg = await strip('raw log p(x) of each set', 'logpx', 'log p(x), nats (symlog axis; right = more likely)', logpxRows);
    const doseSvg = await strip('DoSE score of each set', 'dose', 'DoSE score (symlog axis; right = more outlying)', doseRows);

    const tiles = sets.flatMap((s) => Array.from({ length: 8 }, (_, i) => s.images.slice(i * d, (i + 1) * d)));
    const pngs: PngFigure[] = [
      {
        file: 'outliers-sets.png',
        png: imageGrid(tiles, { columns: 8, scale: 2 }),
        caption: `Rows: ${order.join(', ')} (the first 8 of the ${n} of each set).`,
      },
    ];
    const svgs: SvgFigure[] = [
      {
        file: 'outliers-logpx.svg',
        svg: logpxSvg,
        caption: `log p(x) (IWAE, K = ${K}) of each image of each set, one tick per image.`,
      },
      {
        file: 'outliers-dose.svg',
        svg: doseSvg,
        caption: `The DoSE score of the same images (fitted on ${nFit} training digits).`,
      },
    ];

    const aurocRows = OUTLIER_METHODS.map((m) => [
      `${METHOD_LABEL[m]} (<code>'${m}'</code>)`,
      ...aurocs[m].map((a) => (isGood(a) ? `<b>${a.toFixed(3)}</b>` : a.toFixed(3))),
    ]);
    const doseAll = aurocs.dose.every((a) => isGood(a));
    const html = `
<p>The last section measured log p(x) on digits, lines and noise. Can the same VAE tell a digit from something that is not one? Six sets of ${n} images each: held-out test digits (the inliers), and five kinds of outlier: uniform noise, lines, inverted digits (1 - x, of other test digits), constant images (black, grey and white, slightly jittered) and sparse dots (a few white pixels on black).</p>
${pngHtml(pngs[0]!)}
${svgHtml(svgs[0]!)}
${likelihoodVerdict(inliers, outliers, aurocs)}
<p>Three scores from <code>@elbo/vae</code>, each higher for an image less like the training digits. <code>OutlierScore.fit(vae, x, { method })</code> fits them on ${nFit} training digits only; no outlier is used to fit or tune anything. They are built from per-image statistics of the VAE, computed once per set with <code>imageStatistics(vae, x, { samples: ${K} })</code> and shared by the three scores with <code>score.scoreStatistics(stats)</code>:</p>
${math(`log p(x)     importance-weighted, K = ${K}
rate         R(x) = KL(q(z|x) || p(z))             nats the encoder spends on x
distortion   D(x) = E_q[-log p(x|z)]                what the decoder cannot explain
H[q(z|x)], E_q[-log p(z)]                           posterior entropy, prior cross-entropy`)}
${math(`raw log p(x)   s(x) = -log p(x)
typicality     s(x) = |log p(x) - m| / s          m, s: mean and sd of log p(x) on the training digits
DoSE           s(x) = -sum_j log f_j(t_j(x))      t_j: the five statistics above,
                                                   f_j: a kernel density of t_j on the training digits`)}
<p><b>Typicality</b> is the one-image form of the typicality test of Nalisnick et al. (2019, "Detecting out-of-distribution inputs to deep generative models using typicality"): the training digits' log p(x) lie in a band, and an image is suspect when its log p(x) is outside it, too high as well as too low. <b>DoSE</b> (Morningstar et al., 2021, "Density of States Estimation for Out-of-Distribution Detection") asks the same of every statistic at once: an image must be typical in log p(x), in rate and in distortion together. The AUROC is the chance that a random outlier scores above a random test digit (1 = separates, 0.5 = chance, below 0.5 = backwards):</p>
${table(['score', ...outliers.map((s) => s.name)], aurocRows)}
${svgHtml(svgs[1]!)}
<p>The statistics the scores read, as medians per set (nats):</p>
${table(
  ['images', 'median log p(x)', 'median rate', 'median distortion'],
  scored.map((s) => [s.name, num(median(s.stats.logLikelihood), 4), num(median(s.stats.rate), 3), num(median(s.stats.distortion), 4)]),
)}
${methodVerdict(inliers, outliers, aurocs)}
<p>An AUROC needs outliers to compute; in use one has only the training-like data. So the threshold is chosen on the first ${half} test digits alone, for a ${pct(TARGET_FPR)} false-positive rate (flag an image when its DoSE score is above ${num(threshold, 4)}; ${pct(falsePositiveRate)} of those ${half} are above it), then applied unchanged to the other ${n - half} test digits and to the outliers:</p>
${table(
  ['images', 'flagged as outliers'],
  [[`the other ${n - half} test digits (false positives)`, pct(heldOutRate)], ...caught.map((c) => [c.name, pct(c.fraction)])],
)}
<p><b>Which score to use.</b> ${doseAll ? `DoSE, by default: here it reaches AUROC >= ${GOOD_AUROC} on every set.` : `DoSE, by default, although here it stays below ${GOOD_AUROC} on ${listed(outliers.filter((_, j) => !isGood(aurocs.dose[j]!)).map((s) => s.name))}.`} Requiring an image to be typical in log p(x), rate and distortion at once leaves an outlier few ways to pass: it would have to be as likely as a digit, cost the encoder as many nats as a digit and be redrawn by the decoder as well as a digit, all at the same time. Typicality when only log p(x) is at hand (a model that gives a likelihood and nothing else, such as a flow or an autoregressive model): it needs no encoder, only the training images' log p(x), and it fails only where an outlier's log p(x) lands in the training band. Raw log p(x) only to compare images already known to come from the training distribution (which of two digits the model finds more likely, or a model against another on the same test set), never to decide whether an image belongs to it. Whatever the score, choose its threshold on held-out training-like data, as above, never on outliers: the outliers one will meet are not the ones one has.</p>`;
    const fmtAurocs = (m: OutlierMethod) => outliers.map((s, j) => `${s.name} ${aurocs[m][j]!.toFixed(3)}`).join(', ');
    return {
      title: this.title,
      html,
      pngs,
      svgs,
      summary: [
        `AUROC of DoSE against test digits: ${fmtAurocs('dose')} (n=${n}, K=${K}, fitted on ${nFit} training digits)`,
        `AUROC of raw log p(x): ${fmtAurocs('log-likelihood')}`,
        `DoSE threshold at ${pct(TARGET_FPR)} false positives: ${pct(heldOutRate)} of held-out digits flagged; scoring took ${num(seconds, 3)} s`,
      ],
    };
  },
};
