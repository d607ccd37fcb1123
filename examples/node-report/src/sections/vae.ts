import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { oneOfEach, rowsTensor, tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { math, num, table } from '../format';
import { imageGrid } from '../png';
import { last } from '../training';
import { trainedVae } from './vae-models';
import { foldIn } from '@elbo/prob';

const LATENT = 20;
/** Digit pairs interpolated in latent space. */
const PAIRS: [number, number][] = [
  [1, 7],
  [3, 8],
  [4, 9],
  [0, 6],
];
const STEPS = 10;
const TRAVERSE = [-3, -2.25, -1.5, -0.75, 0, 0.75, 1.5, 2.25, 3];

export const vaeSection: Section = {
  id: 'vae',
  title: 'The variational autoencoder: a generative model',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const { vae, history, epochs, seconds } = await trainedVae(ctx, LATENT);
    const h = history.history;

    // Loss curves: the two terms of -ELBO apart, train and test.
    const terms: [string, string, string][] = [
      ['-ELBO (total)', 'loss', 'valLoss'],
      ['reconstruction E_q[-log p(x|z)]', 'reconstruction', 'valReconstruction'],
      ['KL(q(z|x) || N(0, I))', 'kl', 'valKl'],
    ];
    const curve = history.epoch.flatMap((e, i) =>
      terms.flatMap(([term, trainKey, testKey]) => [
        { epoch: e + 1, term, set: 'train', nats: h[trainKey]![i]! },
        { epoch: e + 1, term, set: 'test', nats: h[testKey]![i]! },
      ]),
    );
    assertFiniteRows('VAE loss curves', curve);
    const lossSvg = await renderChart({
      data: { values: curve },
      facet: { column: { field: 'term', type: 'nominal', title: null, sort: terms.map((t) => t[0]), header: { labelFontSize: 12 } } },
      spec: {
        width: 200,
        height: 170,
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'nats', type: 'quantitative', title: 'nats per image', scale: { zero: false } },
          color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['train', 'test'], range: ['#1c7ed6', '#e8590c'] } },
        },
      },
      resolve: { scale: { y: 'independent' } },
    });

    const seed = ctx.options.seed;
    // Samples from the prior: z ~ N(0, I), decoded to the Bernoulli means.
    const samples = vae.sample(40, { seed: foldIn(seed, 7) });
    const samplesPng = imageGrid(await tensorRows(samples), { columns: 10, scale: 2 });
    samples.dispose();

    // Interpolations between the latent means of two test digits.
    const firsts = oneOfEach(test);
    const interpRows: Float32Array[] = [];
    for (const [a, b] of PAIRS) {
      const pair = rowsTensor(test, [firsts[a]!, firsts[b]!]);
      const [xa, xb] = tf.unstack(pair);
      const path = vae.interpolate(xa!, xb!, { steps: STEPS });
      interpRows.push(...(await tensorRows(path)));
      tf.dispose([pair, xa!, xb!, path]);
    }
    const interpPng = imageGrid(interpRows, { columns: STEPS, scale: 2 });

    // Traversal: the four latent dimensions with the most KL, each swept from -3 to 3.
    const klPerDim = history.klPerDim[history.klPerDim.length - 1]!;
    const order = klPerDim.map((kl, d) => ({ kl, d })).sort((p, q) => q.kl - p.kl);
    const dims = order.slice(0, 4).map((o) => o.d);
    const xTrav = rowsTensor(test, [firsts[2]!]);
    const { mu } = vae.encodeParams(xTrav);
    const muValues = Array.from(await mu.data());
    mu.dispose();
    const travRows: Float32Array[] = [];
    for (const d of dims) {
      const swept = vae.traverse(
        xTrav,
        d,
        TRAVERSE.map((v) => v),
      );
      travRows.push(...(await tensorRows(swept)));
      swept.dispose();
    }
    xTrav.dispose();
    const travPng = imageGrid(travRows, { columns: TRAVERSE.length, scale: 2 });
    const active = order.filter((o) => o.kl > 0.01).length;

    const pngs: PngFigure[] = [
      {
        file: 'vae-samples.png',
        png: samplesPng,
        caption: '40 new digits: z drawn from the prior N(0, I), decoded (Bernoulli means). None of them is in the data.',
      },
      {
        file: 'vae-interpolations.png',
        png: interpPng,
        caption: `Walking in latent space between two test digits (${PAIRS.map(([a, b]) => `${a} to ${b}`).join(', ')}), ${STEPS} steps from mu(x1) to mu(x2).`,
      },
      {
        file: 'vae-traversal.png',
        png: travPng,
        caption: `Latent traversal of a test "2": each row sweeps one latent dimension (${dims.map((d) => `z${d}`).join(', ')}, the most used by KL) from -3 to 3 with the others held at mu(x).`,
      },
    ];
    const svgs: SvgFigure[] = [
      {
        file: 'vae-loss.svg',
        svg: lossSvg,
        caption: 'The negative ELBO and its two terms per epoch, train and test (the test values at beta = 1).',
      },
    ];
    const testLoss = last(h.valLoss, 'VAE valLoss');
    const html = `
<p>The VAE's encoder outputs a Gaussian q(z|x) = N(mu(x), sigma(x)^2) instead of a point, and z is drawn from it with the reparameterization trick, so the draw is differentiable. The loss is the negative evidence lower bound: a reconstruction term and the KL of q(z|x) to the prior, which keeps the codes where the prior puts its mass &mdash; so that decoding z ~ N(0, I) gives digits.</p>
${math(`z = mu(x) + sigma(x) * eps,   eps ~ N(0, I)
-ELBO(x) = E_q[-log p(x|z)]  +  KL(q(z|x) || N(0, I))
KL = 1/2 * sum_i (mu_i^2 + sigma_i^2 - log sigma_i^2 - 1)      (>= 0, the -1 inside the sum)`)}
<p><code>new VAE({ encoder: mlp([784, 400, 40]), decoder: mlp([20, 400, 784]), latentDim: 20 })</code> from <code>@elbo/vae</code>, Bernoulli decoder on the grey levels, ${epochs} epochs of Adam (batch 128) on ${train.shape[0]} digits in ${num(seconds)} s:</p>
${svgHtml(svgs[0]!)}
${table(
  ['after the last epoch (nats per image)', 'train', 'test'],
  [
    ['-ELBO', num(last(h.loss, 'loss'), 4), `<b>${num(testLoss, 4)}</b>`],
    ['reconstruction', num(last(h.reconstruction, 'reconstruction'), 4), num(last(h.valReconstruction, 'valReconstruction'), 4)],
    ['KL', num(last(h.kl, 'kl'), 4), num(last(h.valKl, 'valKl'), 4)],
  ],
)}
<p>The grey levels are not binary, so the reconstruction term cannot go below the data's own entropy (about 45.7 nats per test image); these numbers are not comparable with published binarized-MNIST results. ${active} of ${LATENT} latent dimensions carry more than 0.01 nats of KL; the others are unused (the prior wins there).${history.warnings.length ? ' Training warned: ' + history.warnings.join('; ') : ''}</p>
<h3>Samples from the prior</h3>
${pngHtml(pngs[0]!)}
<h3>Interpolations</h3>
${pngHtml(pngs[1]!)}
<h3>Latent traversal</h3>
<p>The test digit's own latent values on these dimensions: ${dims.map((d) => `z${d} = ${num(muValues[d]!)}`).join(', ')}.</p>
${pngHtml(pngs[2]!)}`;
    return {
      title: this.title,
      html,
      pngs,
      svgs,
      summary: [
        `${epochs} epochs in ${num(seconds)} s: test -ELBO ${num(testLoss, 4)} = reconstruction ${num(last(h.valReconstruction, 'valReconstruction'), 4)} + KL ${num(last(h.valKl, 'valKl'), 4)} nats`,
        `${active}/${LATENT} active latent dimensions; 40 prior samples, ${PAIRS.length} interpolations, traversal of ${dims.length} dimensions`,
      ],
    };
  },
};
