import * as tf from '@tensorflow/tfjs-core';
import { linesArrays } from '@elbo/datasets';
import { foldIn, mulberry32 } from '@elbo/prob';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { math, num, table } from '../format';
import { imageGrid } from '../png';
import { trainedVae } from './vae-models';

/** What the numbers say, in words that follow the numbers (they differ with seeds and epochs). */
function verdict(results: readonly { name: string; mean: number; se: number }[]): string {
  const [train, test, lines, noise] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0], (typeof results)[0]];
  const gap = train.mean - test.mean;
  const overfit =
    Math.abs(gap) < 2 * Math.hypot(train.se, test.se)
      ? `Training and test digits score alike (difference ${num(gap)} nats, within the noise of the estimate): the model has not memorized its training set.`
      : `Training digits score ${num(gap)} nats ${gap > 0 ? 'higher' : 'lower'} than test digits: the gap a density model opens by fitting its own training set.`;
  const noiseLine = `Uniform noise scores ${num(test.mean - noise.mean)} nats below the test digits: to this model it is astronomically unlikely.`;
  const linesLine =
    lines.mean > test.mean
      ? `<b>Lines, which are not digits, score <em>higher</em> than digits</b> (by ${num(lines.mean - test.mean)} nats). This is a known trap of likelihood models (Nalisnick et al., 2019, "Do deep generative models know what they don't know?"): an image that is mostly empty background is easy to predict pixel by pixel, whatever its shape, so a high log p(x) means "simple", not "like the training data". Telling digits from non-digits needs more than a threshold on log p(x).`
      : `Lines, which are not digits, score ${num(test.mean - lines.mean)} nats below the test digits.`;
  return `<p>${overfit} ${noiseLine}</p>\n<p>${linesLine}</p>\n<p>Below: lines (top) and their reconstructions (bottom), which the model can only express through the digit shapes it knows.</p>`;
}

export const vaeLikelihoodSection: Section = {
  id: 'vae-likelihood',
  title: 'log p(x): what the model finds likely',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const { vae } = await trainedVae(ctx, 20);
    const n = ctx.options.quick ? 100 : 300;
    const K = ctx.options.quick ? 20 : 50;
    const seed = ctx.options.seed;
    const d = 784;

    const random = mulberry32(foldIn(seed, 99)); // the noise images
    const noise = Float32Array.from({ length: n * d }, () => random());
    const lines = linesArrays({ n, size: 28, seed: foldIn(seed, 5) }).images;
    const sets: { name: string; images: Float32Array }[] = [
      { name: 'training digits', images: train.images.slice(0, n * d) },
      { name: 'test digits', images: test.images.slice(0, n * d) },
      { name: 'lines (not digits)', images: lines },
      { name: 'uniform noise', images: noise },
    ];

    const results: { name: string; mean: number; se: number; values: Float64Array }[] = [];
    const bar = ctx.progress('log p(x), IWAE', sets.length);
    for (const [i, set] of sets.entries()) {
      const x = tf.tensor2d(set.images, [n, d]);
      try {
        const r = vae.logLikelihood(x, { samples: K, seed: foldIn(seed, i) });
        results.push({ name: set.name, mean: r.mean, se: r.standardError, values: r.values });
      } finally {
        x.dispose();
      }
      bar.update(i + 1);
    }
    bar.stop();

    const rows = results.flatMap((r) => Array.from(r.values, (v) => ({ set: r.name, logpx: v })));
    assertFiniteRows('log p(x)', rows);
    const order = sets.map((s) => s.name);
    const colors = ['#1c7ed6', '#74c0fc', '#e8590c', '#868e96'];
    // Digits and lines overlap in range: one overlaid histogram on their own axis. Noise is far off: its own chart.
    const near = rows.filter((r) => r.set !== 'uniform noise');
    const histSvg = await renderChart({
      width: 520,
      height: 200,
      title: 'log p(x) of digits and lines',
      data: { values: near },
      mark: { type: 'bar', binSpacing: 0, opacity: 0.6 },
      encoding: {
        x: { field: 'logpx', type: 'quantitative', bin: { maxbins: 60 }, title: 'log p(x), nats (higher = more likely)' },
        y: { aggregate: 'count', type: 'quantitative', title: 'images', stack: null },
        color: { field: 'set', type: 'nominal', title: null, scale: { domain: order.slice(0, 3), range: colors.slice(0, 3) } },
      },
    });
    const allSvg = await renderChart({
      width: 520,
      height: 90,
      title: 'the same with uniform noise: note the scale',
      data: { values: rows },
      mark: { type: 'tick', opacity: 0.5, thickness: 1 },
      encoding: {
        x: { field: 'logpx', type: 'quantitative', title: 'log p(x), nats' },
        y: { field: 'set', type: 'nominal', title: null, sort: order },
        color: { field: 'set', type: 'nominal', legend: null, scale: { domain: order, range: colors } },
      },
    });

    const examples = [...sets.map((s) => s.images.slice(0, 8 * d))].flatMap((images) =>
      Array.from({ length: 8 }, (_, i) => images.slice(i * d, (i + 1) * d)),
    );
    const examplesPng = imageGrid(examples, { columns: 8, scale: 2 });
    // decoded reconstructions of the lines: the VAE turns them into digits
    const xl = tf.tensor2d(lines.slice(0, 8 * d), [8, d]);
    const rec = vae.reconstruct(xl);
    const recRows = await tensorRows(rec);
    tf.dispose([xl, rec]);
    const linesRecPng = imageGrid([...examples.slice(16, 24), ...recRows], { columns: 8, scale: 2 });

    const pngs: PngFigure[] = [
      {
        file: 'logpx-inputs.png',
        png: examplesPng,
        caption: 'Rows: training digits, test digits, lines, uniform noise (the first 8 of each set scored below).',
      },
      { file: 'logpx-lines-reconstructed.png', png: linesRecPng, caption: 'Lines (top) and what the VAE reconstructs from them (bottom).' },
    ];
    const svgs: SvgFigure[] = [
      {
        file: 'logpx-histograms.svg',
        svg: histSvg,
        caption: `Histograms of the importance-weighted log p(x) (K = ${K}) of ${n} training digits, ${n} test digits and ${n} lines.`,
      },
      { file: 'logpx-all.svg', svg: allSvg, caption: 'Every image as a tick, uniform noise included.' },
    ];
    const html = `
<p>A VAE is a density model: it gives every image a probability. <code>vae.logLikelihood(x, { samples: K })</code> estimates log p(x) by importance sampling with q(z|x) as the proposal (IWAE, K = ${K} draws per image; a lower bound that tightens as K grows):</p>
${math('log p(x) ~ log (1/K) sum_k p(x|z_k) p(z_k) / q(z_k|x),    z_k ~ q(z|x)')}
${pngHtml(pngs[0]!)}
${svgHtml(svgs[0]!)}
${svgHtml(svgs[1]!)}
${table(
  ['images', 'mean log p(x) (nats)', '± standard error'],
  results.map((r) => [r.name, `<b>${num(r.mean, 5)}</b>`, num(r.se, 2)]),
)}
${verdict(results)}
${pngHtml(pngs[1]!)}`;
    return {
      title: this.title,
      html,
      pngs,
      svgs,
      summary: results.map((r) => `mean log p(x), ${r.name}: ${num(r.mean, 5)} ± ${num(r.se, 2)} nats (n=${n}, K=${K})`),
    };
  },
};
