import * as tf from '@tensorflow/tfjs-core';
import { PCA } from '@elbo/linear';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { imagesTensor, oneOfEach, rowsTensor, tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { math, num, table } from '../format';
import { diverging, imageGrid } from '../png';

/** How many components the curve shows. */
const CURVE_K = 100;
/** Reconstruction ranks shown in the gallery. */
const RANKS = [2, 5, 10, 20, 50];

/**
 * The PCA of the training digits with CURVE_K components, fitted once and
 * shared with the sections that compare against it.
 */
export function sharedPca(ctx: ReportContext): Promise<PCA> {
  return ctx.shared(
    'pca',
    async () => {
      const { train } = await ctx.digits();
      const x = imagesTensor(train);
      try {
        return PCA.fit(x, { components: Math.min(CURVE_K, train.shape[0] - 1), seed: ctx.options.seed });
      } finally {
        x.dispose();
      }
    },
    (pca) => pca.dispose(),
  );
}

export const pcaSection: Section = {
  id: 'pca',
  title: 'PCA: the best linear bottleneck',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const xTest = imagesTensor(test);
    const t0 = performance.now();
    const pca = await sharedPca(ctx);
    const fitSeconds = (performance.now() - t0) / 1000;
    const k = pca.nComponents;
    try {
      const ratio = pca.explainedVarianceRatio;
      let cumulative = 0;
      const curve = ratio.map((r, i) => ({ k: i + 1, ratio: r, cumulative: (cumulative += r) }));
      assertFiniteRows('explained variance', curve);
      const at = (n: number) => curve[Math.min(n, curve.length) - 1]!.cumulative;
      const k90 = curve.find((c) => c.cumulative >= 0.9)?.k;

      const curveSvg = await renderChart({
        width: 520,
        height: 220,
        title: 'explained variance of the first principal components',
        data: { values: curve },
        encoding: { x: { field: 'k', type: 'quantitative', title: 'number of components k', scale: { domain: [0, k] } } },
        layer: [
          {
            mark: { type: 'bar', color: '#a5b4fc', width: 3 },
            encoding: {
              y: { field: 'ratio', type: 'quantitative', title: 'ratio of component k', axis: { titleColor: '#6366f1', format: '.0%' } },
            },
          },
          {
            mark: { type: 'line', color: '#e8590c', strokeWidth: 2.5 },
            encoding: {
              y: {
                field: 'cumulative',
                type: 'quantitative',
                title: 'cumulative ratio',
                scale: { domain: [0, 1] },
                axis: { titleColor: '#e8590c', format: '.0%' },
              },
            },
          },
        ],
        resolve: { scale: { y: 'independent' } },
      });

      // The first 16 components as images, and the mean digit.
      const firstComponents = tf.slice(pca.components, [0, 0], [Math.min(16, k), -1]);
      const components = await tensorRows(firstComponents);
      firstComponents.dispose();
      const mean = (await pca.mean.data()) as Float32Array;
      const componentsPng = imageGrid(components, { columns: 8, scale: 3, colormap: diverging, normalize: 'symmetric' });
      const meanPng = imageGrid([mean], { columns: 1, scale: 4 });

      // Reconstructions of one test digit of each class from 2 ... 50 components.
      const picks = oneOfEach(test);
      const originals = rowsTensor(test, picks);
      const galleryRows: Float32Array[] = [];
      const mse: { k: number; mse: number }[] = [];
      for (const r of RANKS.filter((r) => r <= k)) {
        const sub = pca.truncate(r);
        try {
          const rec = tf.tidy(() => tf.clipByValue(sub.inverseTransform(sub.transform(originals)), 0, 1));
          galleryRows.push(...(await tensorRows(rec)));
          rec.dispose();
          const err = tf.tidy(() => tf.mean(tf.square(tf.sub(sub.inverseTransform(sub.transform(xTest)), xTest))));
          mse.push({ k: r, mse: (await err.data())[0]! });
          err.dispose();
        } finally {
          sub.dispose();
        }
      }
      galleryRows.push(...(await tensorRows(originals)));
      originals.dispose();
      const galleryPng = imageGrid(galleryRows, { columns: picks.length, scale: 2 });

      const pngs: PngFigure[] = [
        {
          file: 'pca-components.png',
          png: componentsPng,
          caption: 'The first 16 principal components (red positive, blue negative), by decreasing variance.',
        },
        { file: 'pca-mean.png', png: meanPng, caption: 'The mean digit, subtracted before PCA.' },
        {
          file: 'pca-reconstructions.png',
          png: galleryPng,
          caption: `Test digits rebuilt from ${RANKS.filter((r) => r <= k).join(', ')} components (rows, top to bottom); last row: the originals.`,
        },
      ];
      const svgs: SvgFigure[] = [
        {
          file: 'pca-explained-variance.svg',
          svg: curveSvg,
          caption: 'Explained-variance ratio per component (bars) and cumulative (line).',
        },
      ];
      const html = `
<p>PCA finds the k orthonormal directions U that keep the most variance, equivalently the rank-k projection with the smallest squared reconstruction error. <code>PCA.fit</code> from <code>@elbo/linear</code> on the ${train.shape[0]} training digits (784 pixels each), k = ${k}, took ${num(fitSeconds)} s (${pca.solver} solver):</p>
${math('Xc = X - mean,   Xc^T Xc / (n-1) = V diag(w) V^T,   U = first k columns of V,   x_hat = mean + U U^T (x - mean)')}
${svgHtml(svgs[0]!)}
${table(
  ['components k', '10', '20', '50', String(k)],
  [['variance kept', num(at(10) * 100) + '%', num(at(20) * 100) + '%', num(at(50) * 100) + '%', num(at(k) * 100) + '%']],
)}
<p>${k90 === undefined ? `Even ${k} components keep less than 90% of the variance.` : `${k90} of 784 dimensions keep 90% of the variance`}: digits live near a low-dimensional subspace. The components themselves are strokes and their contrasts:</p>
${pngHtml(pngs[0]!)}${pngHtml(pngs[1]!)}
<p>Rebuilding test digits from more and more components (mean squared error per pixel on all ${test.shape[0]} test digits: ${mse.map((m) => `k = ${m.k}: ${num(m.mse)}`).join(', ')}):</p>
${pngHtml(pngs[2]!)}`;
      return {
        title: this.title,
        html,
        pngs,
        svgs,
        summary: [
          `variance kept: k=10 ${num(at(10) * 100)}%, k=20 ${num(at(20) * 100)}%, k=50 ${num(at(50) * 100)}%${k90 ? `; 90% at k=${k90}` : ''}`,
          `test MSE/pixel: ${mse.map((m) => `k=${m.k} ${num(m.mse)}`).join(', ')}`,
        ],
      };
    } finally {
      xTest.dispose();
    }
  },
};
