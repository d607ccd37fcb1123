import * as tf from '@tensorflow/tfjs-core';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { imagesTensor, tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { num } from '../format';
import { imageGrid } from '../png';
import { last } from '../training';
import { showProgress, trainedVae } from './vae-models';

const GRID = 14;

export const vaeLatentSection: Section = {
  id: 'vae-latent',
  title: 'The latent map: digits in two dimensions',
  prepare(ctx: ReportContext): void {
    // Start training on the other core right away; run() picks the model up.
    trainedVae(ctx, 2, { background: true }).catch(() => {});
  },
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { test } = await ctx.digits();
    showProgress(2);
    const { vae, history, epochs, seconds, where } = await trainedVae(ctx, 2, { background: true });

    // Where the test digits land: the posterior means mu(x) of a VAE whose latent space is 2-D.
    const xTest = imagesTensor(test);
    const { mu, logVar } = vae.encodeParams(xTest);
    const [muData, sigmaMean] = await Promise.all([mu.data(), tf.tidy(() => tf.mean(tf.exp(tf.mul(logVar, 0.5)))).data()]);
    tf.dispose([xTest, mu, logVar]);
    const points = Array.from(test.labels, (label, i) => ({ z1: muData[2 * i]!, z2: muData[2 * i + 1]!, digit: String(label) }));
    assertFiniteRows('latent map', points);
    // One square scale for both axes, wide enough for every point.
    const extent = Math.ceil(Math.max(2, ...points.map((p) => Math.max(Math.abs(p.z1), Math.abs(p.z2)))));
    const mapSvg = await renderChart({
      width: 420,
      height: 420,
      title: `test digits at their posterior means mu(x) (${test.shape[0]} points)`,
      data: { values: points },
      mark: { type: 'circle', size: 16, opacity: 0.8 },
      encoding: {
        x: { field: 'z1', type: 'quantitative', title: 'z1', scale: { domain: [-extent, extent] } },
        y: { field: 'z2', type: 'quantitative', title: 'z2', scale: { domain: [-extent, extent] } },
        color: { field: 'digit', type: 'nominal', title: 'digit', sort: 'ascending', scale: { scheme: 'tableau10' } },
      },
    });

    // The decoder's view of the same plane: a grid of z at the prior's quantiles, decoded.
    const grid = vae.latentGrid({ size: GRID });
    const edge = (await grid.z.data())[1]!; // z of the top-left tile is (q_min, q_max)
    const manifold = await tensorRows(grid.images);
    tf.dispose([grid.z, grid.images]);
    const manifoldPng = imageGrid(manifold, { columns: GRID, scale: 2, gap: 1 });

    const pngs: PngFigure[] = [
      {
        file: 'vae-latent-grid.png',
        png: manifoldPng,
        caption: `The decoder over the latent plane: a ${GRID} x ${GRID} grid of z at evenly spaced quantiles of N(0, 1), from ${num(-edge)} to ${num(edge)} in each direction (z1 left to right, z2 bottom to top), each decoded.`,
      },
    ];
    const svgs: SvgFigure[] = [
      {
        file: 'vae-latent-map.svg',
        svg: mapSvg,
        caption: 'The 2-D latent map of the test digits, coloured by their true label (the VAE never saw labels).',
      },
    ];
    const html = `
<p>To draw the latent space without a projection, this section trains a <b>second VAE whose latent space is two-dimensional</b> (784-400-2, otherwise as above; ${epochs} epochs, ${num(seconds)} s in a ${where}, test -ELBO ${num(last(history.history.valLoss, 'valLoss'), 4)} nats: two numbers per digit keep less than twenty). Each test digit is placed at the mean of its q(z|x); the colours are the labels, which the model never saw. The prior N(0, I) pulls the codes into a disk, and the classes still sort themselves into regions (mean posterior sigma: ${num(sigmaMean[0]!)}).</p>
${svgHtml(svgs[0]!)}${pngHtml(pngs[0]!)}
<p>Because the KL term keeps the codes near the prior, every point of the plane decodes to something digit-like, and moving across it morphs one class into the next.</p>`;
    return {
      title: this.title,
      html,
      pngs,
      svgs,
      summary: [`2-D VAE (${epochs} epochs, ${num(seconds)} s): ${test.shape[0]} test digits mapped; ${GRID}x${GRID} decoded latent grid`],
    };
  },
};
