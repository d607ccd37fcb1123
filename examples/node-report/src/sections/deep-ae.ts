import * as tf from '@tensorflow/tfjs-core';
import { Autoencoder, mlp } from '@elbo/autoencoder'; // mlp is @elbo/nn's, re-exported for a one-install start
import { assertFiniteRows, renderChart } from '../charts';
import type { PngFigure, ReportContext, Section, SectionResult, SvgFigure } from '../context';
import { imagesTensor, oneOfEach, rowsTensor, tensorRows } from '../digits-util';
import { pngHtml, svgHtml } from '../figures';
import { num, table } from '../format';
import { imageGrid } from '../png';
import { last, progressCallbacks } from '../training';
import { sharedPca } from './pca';
import { foldIn } from '@elbo/prob';

const LATENT = 20;
const BATCH = 128;

export const deepAeSection: Section = {
  id: 'deep-ae',
  title: 'The deep autoencoder: a nonlinear bottleneck',
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const epochs = ctx.epochs(5, 2);
    const seed = ctx.options.seed;
    const x = imagesTensor(train);
    const xTest = imagesTensor(test);
    const ae = new Autoencoder({
      encoder: mlp([784, 400, LATENT], { activation: 'relu', seed }),
      decoder: mlp([LATENT, 400, 784], { activation: 'relu', seed: foldIn(seed, 1) }),
      likelihood: 'bernoulli',
    });
    try {
      const progress = progressCallbacks(ctx, 'deep autoencoder', { epochs, examples: train.shape[0], batchSize: BATCH });
      const history = await ae.fit(x, { epochs, batchSize: BATCH, seed, validationData: xTest, callbacks: progress.callbacks });
      const evaluation = await ae.evaluate(xTest);
      progress.done(`${epochs} epochs, test loss ${num(evaluation.loss)} nats/image`);

      const curve = history.epoch.flatMap((e, i) => [
        { epoch: e + 1, loss: history.history.loss![i]!, set: 'train' },
        { epoch: e + 1, loss: history.history.valLoss![i]!, set: 'test' },
      ]);
      assertFiniteRows('autoencoder loss', curve);
      const lossSvg = await renderChart({
        width: 320,
        height: 200,
        title: 'reconstruction loss (Bernoulli NLL)',
        data: { values: curve },
        mark: { type: 'line', point: true, strokeWidth: 2 },
        encoding: {
          x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
          y: { field: 'loss', type: 'quantitative', title: 'nats per image', scale: { zero: false } },
          color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['train', 'test'], range: ['#1c7ed6', '#e8590c'] } },
        },
      });

      // Originals, PCA with the same 20 numbers per digit, and the deep AE: two digits of each class.
      const picks = [...oneOfEach(test, 0), ...oneOfEach(test, 1)];
      const originals = rowsTensor(test, picks);
      const pca = (await sharedPca(ctx)).truncate(LATENT);
      const pcaRec = tf.tidy(() => tf.clipByValue(pca.inverseTransform(pca.transform(originals)), 0, 1));
      const pcaMse = tf.tidy(() => tf.mean(tf.square(tf.sub(pca.inverseTransform(pca.transform(xTest)), xTest))));
      const pcaMseValue = (await pcaMse.data())[0]!;
      pca.dispose();
      const aeRec = ae.reconstruct(originals);
      const [o, p, a] = await Promise.all([tensorRows(originals), tensorRows(pcaRec), tensorRows(aeRec)]);
      tf.dispose([originals, pcaRec, aeRec, pcaMse]);
      const half = picks.length / 2;
      const gallery = [...o.slice(0, half), ...p.slice(0, half), ...a.slice(0, half), ...o.slice(half), ...p.slice(half), ...a.slice(half)];
      const galleryPng = imageGrid(gallery, { columns: half, scale: 2 });

      const pngs: PngFigure[] = [
        {
          file: 'deep-ae-reconstructions.png',
          png: galleryPng,
          caption: `Test digits (rows 1 and 4), rebuilt from ${LATENT} PCA coordinates (rows 2 and 5) and from the deep autoencoder's ${LATENT} latent numbers (rows 3 and 6).`,
        },
      ];
      const svgs: SvgFigure[] = [{ file: 'deep-ae-loss.svg', svg: lossSvg, caption: 'Training and test loss per epoch.' }];
      const html = `
<p>Put nonlinearities (ReLU) around the same ${LATENT}-number bottleneck: <code>mlp([784, 400, ${LATENT}])</code> encodes, <code>mlp([${LATENT}, 400, 784])</code> decodes (stacks of <code>Linear</code> layers from <code>@elbo/nn</code>), and <code>Autoencoder</code> from <code>@elbo/autoencoder</code> trains both on the Bernoulli negative log-likelihood of the grey levels (a stable cross-entropy on logits), ${epochs} epochs of Adam on ${train.shape[0]} digits.</p>
${svgHtml(svgs[0]!)}
${table(
  ['model (20 numbers per digit)', 'test MSE per pixel'],
  [
    ['PCA, k = 20 (linear, optimal among linear maps)', num(pcaMseValue)],
    ['deep autoencoder (nonlinear)', `<b>${num(evaluation.mse)}</b>`],
  ],
)}
<p>${
        evaluation.mse < pcaMseValue
          ? `With the same 20 numbers per digit, the nonlinear code rebuilds test digits with ${num((100 * (pcaMseValue - evaluation.mse)) / pcaMseValue)}% less squared error than the best linear one.`
          : `After ${epochs} epochs the nonlinear code has not yet overtaken PCA in squared error (it is trained on the Bernoulli likelihood, not on squared error); more epochs (<code>--epochs</code>) get it there.`
      }</p>
${pngHtml(pngs[0]!)}
<p>The autoencoder's code is a good compression but not a generative model: nothing says what a latent vector between the training codes decodes to. That is what the VAE adds.</p>`;
      return {
        title: this.title,
        html,
        pngs,
        svgs,
        summary: [
          `${epochs} epochs: train loss ${num(last(history.history.loss, 'AE loss'))}, test ${num(evaluation.loss)} nats/image`,
          `test MSE/pixel with 20 numbers: deep AE ${num(evaluation.mse)} vs PCA ${num(pcaMseValue)}`,
        ],
      };
    } finally {
      ae.dispose();
      tf.dispose([x, xTest]);
    }
  },
};
