import * as tf from '@tensorflow/tfjs-core';
import { LinearAutoencoder, orthonormalityError, principalAngles, principalDirectionsFromAutoencoder } from '@elbo/linear';
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { imagesTensor, tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { math, num, table } from '../format';
import { diverging, imageGrid } from '../png';
import { sharedPca } from './pca';

const LATENT = 20;
const SHOWN = 8;
const LEARNING_RATE = 5e-3;

export const linearAeSection: Section = {
  id: 'linear-ae',
  title: 'The linear autoencoder: PCA learned by gradient descent',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const epochs = ctx.epochs(15, 3);
    const seed = ctx.options.seed;
    const pca = (await sharedPca(ctx)).truncate(LATENT);
    const x = imagesTensor(train);
    const xTest = imagesTensor(test);
    const pcaBasis = tf.transpose(pca.components); // [784, 20], orthonormal columns
    const ae = new LinearAutoencoder({ inputDim: 784, latentDim: LATENT, seed });
    try {
      const pcaMse = tf.tidy(() => tf.mean(tf.square(tf.sub(pca.inverseTransform(pca.transform(xTest)), xTest))).dataSync()[0]!);
      const pcaOrtho = orthonormalityError(pcaBasis);

      // After every epoch: the angles between the decoder's span and PCA's, and how far the decoder is from orthonormal.
      const track: { epoch: number; maxAngle: number; meanAngle: number; ortho: number; mse: number }[] = [];
      const bar = ctx.progress('linear autoencoder', epochs);
      const t0 = performance.now();
      await ae.fit(x, {
        epochs,
        learningRate: LEARNING_RATE,
        seed,
        callbacks: {
          onEpochEnd: (epoch, { loss }) => {
            const w = ae.decoderWeights;
            const angles = principalAngles(w, pcaBasis);
            const ortho = orthonormalityError(w);
            w.dispose();
            const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(ae.reconstruct(xTest), xTest))).dataSync()[0]!);
            track.push({
              epoch: epoch + 1,
              maxAngle: angles[angles.length - 1]!,
              meanAngle: angles.reduce((a, b) => a + b, 0) / angles.length,
              ortho,
              mse,
            });
            bar.update(epoch + 1, { epoch: epoch + 1, epochs, loss });
          },
        },
      });
      bar.stop();
      const seconds = (performance.now() - t0) / 1000;
      ctx.log(`  linear autoencoder: ${epochs} epochs (${seconds.toFixed(1)} s)`);
      assertFiniteRows('linear AE tracking', track);
      const end = track[track.length - 1]!;

      const angleRows = track.flatMap((t) => [
        { epoch: t.epoch, degrees: t.maxAngle, which: 'largest' },
        { epoch: t.epoch, degrees: t.meanAngle, which: 'mean' },
      ]);
      const anglesSvg = await renderChart({
        width: 300,
        height: 200,
        title: 'decoder span vs PCA span',
        data: { values: angleRows },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'degrees', type: 'quantitative', title: 'principal angle (degrees)', scale: { domain: [0, 90] } },
          color: { field: 'which', type: 'nominal', title: 'angle', scale: { range: ['#e8590c', '#1c7ed6'] } },
        },
      });
      const mseRows = track.map((t) => ({ epoch: t.epoch, mse: t.mse }));
      const mseSvg = await renderChart({
        width: 300,
        height: 200,
        title: 'test reconstruction error',
        layer: [
          {
            data: { values: mseRows },
            mark: { type: 'line', point: true, strokeWidth: 2, color: '#2b8a3e' },
            encoding: {
              x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
              y: { field: 'mse', type: 'quantitative', title: 'MSE per pixel', scale: { zero: false } },
            },
          },
          {
            data: { values: [{ mse: pcaMse, label: `PCA, k = 20: ${num(pcaMse)}` }] },
            layer: [
              { mark: { type: 'rule', strokeDash: [5, 4], color: '#555' }, encoding: { y: { field: 'mse', type: 'quantitative' } } },
              {
                mark: { type: 'text', align: 'right', dy: -6, x: 'width', fontSize: 11, color: '#555' },
                encoding: { y: { field: 'mse', type: 'quantitative' }, text: { field: 'label' } },
              },
            ],
          },
        ],
      });

      // Bases as images: PCA's components, the decoder's raw columns, and PCA directions recovered from the decoder.
      const recovered = principalDirectionsFromAutoencoder(ae, x);
      const decoder = ae.decoderWeights;
      const [pcaRows, decRows, recRows] = await Promise.all([
        tensorRows(tf.tidy(() => tf.slice(pca.components, [0, 0], [SHOWN, -1]))),
        tensorRows(tf.tidy(() => tf.slice(tf.transpose(decoder), [0, 0], [SHOWN, -1]))),
        tensorRows(tf.tidy(() => tf.slice(recovered.components, [0, 0], [SHOWN, -1]))),
      ]);
      const recoveredBasis = tf.transpose(recovered.components);
      const recoveredAngles = principalAngles(recoveredBasis, pcaBasis);
      tf.dispose([decoder, recovered.components, recoveredBasis]);
      const basesPng = imageGrid([...pcaRows, ...decRows, ...recRows], {
        columns: SHOWN,
        scale: 2,
        colormap: diverging,
        normalize: 'symmetric',
      });

      const pngs: PngFigure[] = [
        {
          file: 'linear-ae-bases.png',
          png: basesPng,
          caption: `Top: PCA's first ${SHOWN} components. Middle: the linear autoencoder's first ${SHOWN} decoder columns, a mixed, non-orthogonal basis. Bottom: the same decoder orthonormalized and ordered by variance (principalDirectionsFromAutoencoder).`,
        },
      ];
      const svgs: SvgFigure[] = [
        {
          file: 'linear-ae-angles.svg',
          svg: anglesSvg,
          caption: 'Principal angles between the decoder span and the top-20 PCA subspace, per epoch.',
        },
        { file: 'linear-ae-mse.svg', svg: mseSvg, caption: "Test MSE per pixel, approaching PCA's (dashed)." },
      ];
      const html = `
<p>Drop the nonlinearities and the autoencoder becomes linear: <code>x_hat = (x W_e + b_e) W_d + b_d</code>, trained by Adam on the squared error. Its best solution spans the same subspace as PCA's top 20 components (Baldi &amp; Hornik, 1989) &mdash; but any basis of that subspace is as good, so nothing makes the decoder's columns orthonormal or ordered.</p>
${math(`min ||X - X U U^T||^2   with  U^T U = I    (PCA: U orthonormal by construction)
min ||X - X W_e W_d||^2                       (autoencoder: any W_d spanning the same space is optimal)`)}
<p><code>LinearAutoencoder</code> from <code>@elbo/linear</code>, 784 &rarr; 20 &rarr; 784, ${epochs} epochs at learning rate ${LEARNING_RATE} (${num(seconds)} s). After every epoch, <code>principalAngles</code> measures how far the decoder's span is from PCA's, and <code>orthonormalityError</code> how far its columns are from orthonormal:</p>
${svgHtml(svgs[0]!)}${svgHtml(svgs[1]!)}
${table(
  ['after the last epoch', 'PCA (k = 20)', 'linear autoencoder'],
  [
    ['||U<sup>T</sup> U - I||<sub>F</sub>', num(pcaOrtho), `<b>${num(end.ortho)}</b>`],
    ['largest / mean principal angle to the PCA subspace', '0&deg; / 0&deg;', `${num(end.maxAngle)}&deg; / ${num(end.meanAngle)}&deg;`],
    ['test MSE per pixel', num(pcaMse), num(end.mse)],
  ],
)}
<p>The mean angle falls quickly while the largest closes slowly: the directions with the least variance (components 15-20 explain about 1% each) give the squared error little to pull on. The error approaches PCA's, yet the decoder's basis is far from orthonormal &mdash; PCA's is orthonormal to float precision. Orthonormalizing the decoder and diagonalizing the data's covariance inside its span recovers PCA-like directions (largest angle to PCA's subspace ${num(recoveredAngles[recoveredAngles.length - 1]!)}&deg;, the same span as the decoder):</p>
${pngHtml(pngs[0]!)}`;
      return {
        title: this.title,
        html,
        pngs,
        svgs,
        summary: [
          `${epochs} epochs: angles to PCA subspace largest ${num(end.maxAngle)} deg, mean ${num(end.meanAngle)} deg; test MSE ${num(end.mse)} vs PCA ${num(pcaMse)}`,
          `||U^T U - I||: linear AE ${num(end.ortho)}, PCA ${num(pcaOrtho)}`,
        ],
      };
    } finally {
      ae.dispose();
      pca.dispose();
      tf.dispose([x, xTest, pcaBasis]);
    }
  },
};
