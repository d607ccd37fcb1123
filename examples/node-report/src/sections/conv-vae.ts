import * as tf from '@tensorflow/tfjs-core';
import type { PngFigure, ReportContext, Section, SectionResult } from '../context';
import { oneOfEach, rowsTensor, tensorRows } from '../digits-util';
import { pngHtml } from '../figures';
import { math, num, table } from '../format';
import { imageGrid } from '../png';
import { last } from '../training';
import { showProgress, trainedVae, type TrainedVae } from './vae-models';
import { foldIn } from '@elbo/prob';

const LATENT = 20;
const SAMPLES = 20;

/** Test -ELBO after `epochs` epochs (from the per-epoch validation history). */
function testLossAfter(trained: TrainedVae, epochs: number): number {
  const values = trained.history.history.valLoss;
  if (values == null || values.length < epochs) throw new Error(`the ${trained.latentDim}-D VAE has no test loss after ${epochs} epochs`);
  return values[epochs - 1]!;
}

const parameters = (trained: TrainedVae): number => trained.vae.trainableVariables.reduce((n, v) => n + v.size, 0);

export const convVaeSection: Section = {
  id: 'conv-vae',
  title: 'A convolutional VAE beside the MLP one',
  prepare(ctx: ReportContext): void {
    // On the other core from the start; run() picks it up.
    trainedVae(ctx, LATENT, { background: true, kind: 'conv' }).catch(() => {});
  },
  async run(ctx: ReportContext): Promise<SectionResult> {
    const { train, test } = await ctx.digits();
    const mlpModel = await trainedVae(ctx, LATENT);
    showProgress(LATENT, 'conv');
    const convModel = await trainedVae(ctx, LATENT, { background: true, kind: 'conv' });
    const epochs = Math.min(convModel.epochs, mlpModel.epochs);
    const seed = ctx.options.seed;

    // Reconstructions of one test digit of each class: the digit, the MLP's, the conv VAE's.
    const picks = oneOfEach(test);
    const rows: Float32Array[] = [];
    const digits = rowsTensor(test, picks);
    rows.push(...(await tensorRows(digits)));
    for (const { vae } of [mlpModel, convModel]) {
      const x = vae.inputShape?.length === 3 ? tf.reshape(digits, [-1, ...vae.inputShape]) : digits;
      const r = vae.reconstruct(x);
      rows.push(...(await tensorRows(r)));
      tf.dispose(x === digits ? [r] : [x, r]);
    }
    digits.dispose();
    const reconstructionsPng = imageGrid(rows, { columns: 10, scale: 2, gap: 1 });

    // Samples from the prior, the same z for both models' decoders.
    const sampleRows: Float32Array[] = [];
    for (const { vae } of [mlpModel, convModel]) {
      const s = vae.sample(SAMPLES, { seed: foldIn(seed, 11) });
      sampleRows.push(...(await tensorRows(s)));
      s.dispose();
    }
    const samplesPng = imageGrid(sampleRows, { columns: SAMPLES / 2, scale: 2, gap: 1 });

    const pngs: PngFigure[] = [
      {
        file: 'conv-vae-reconstructions.png',
        png: reconstructionsPng,
        caption:
          'One test digit of each class (top row), its reconstruction by the MLP VAE (middle) and by the convolutional VAE (bottom).',
      },
      {
        file: 'conv-vae-samples.png',
        png: samplesPng,
        caption: `${SAMPLES} draws of z from the prior, decoded by the MLP VAE (top two rows) and, the same z, by the convolutional VAE (bottom two rows).`,
      },
    ];
    const mlpLoss = testLossAfter(mlpModel, epochs);
    const convLoss = testLossAfter(convModel, epochs);
    const html = `
<p>Images have neighbours: a convolution looks at a small window of pixels with the same filter everywhere, so it needs far fewer weights than a dense layer for the same image, and it knows that a stroke shifted by a pixel is still a stroke. The convolutional VAE below is the Keras VAE example's: two stride-2 convolutions (28 &rarr; 14 &rarr; 7), a dense layer of 256, and a decoder that mirrors it with transposed convolutions. Padding has PyTorch's meaning (one row of zeros on every side), so the model is layer for layer the PyTorch anchor's.</p>
${math(`encoder  [28, 28, 1] -> conv 3x3 /2 (32) -> conv 3x3 /2 (64) -> flatten 3136 -> dense 256 -> mu, log sigma^2 (${LATENT} each)
decoder  z -> dense 3136 -> [7, 7, 64] -> convT 3x3 x2 (64) -> convT 3x3 x2 (32) -> convT 3x3 (1) = logits`)}
<p><code>new VAE({ encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: ${2 * LATENT} }), decoder: convDecoder({ inputDim: ${LATENT}, outputShape: [28, 28, 1] }) })</code>. TF.js cannot train a convolution on its WebAssembly backend (it has no kernel for the filter's gradient); elbo's backend adds one, with its own SIMD kernels for the convolutions.</p>
${table(
  [`after ${epochs} epoch${epochs === 1 ? '' : 's'} on ${train.shape[0]} digits, same seed and batch 128`, 'MLP VAE', 'convolutional VAE'],
  [
    ['test -ELBO (nats per image)', num(mlpLoss, 4), `<b>${num(convLoss, 4)}</b>`],
    ['trainable weights', parameters(mlpModel).toLocaleString('en'), parameters(convModel).toLocaleString('en')],
    [
      'seconds per epoch (this machine)',
      num(mlpModel.seconds / mlpModel.epochs),
      `${num(convModel.seconds / convModel.epochs)} (${convModel.where})`,
    ],
  ],
)}
<p>The report trains the convolutional model for ${convModel.epochs} epoch${convModel.epochs === 1 ? '' : 's'} (an epoch costs ${num(convModel.seconds / convModel.epochs / (mlpModel.seconds / mlpModel.epochs), 1)} times the MLP's here) and compares both after the same number; the MLP VAE goes on to ${mlpModel.epochs} epochs (${num(last(mlpModel.history.history.valLoss, 'VAE valLoss'), 4)}). A few epochs in, the convolutional model often still sits on a plateau that PyTorch's goes through too (its loss stalls for an epoch or two before the decoder starts to use z); it pulls ahead later. After 10 epochs on this split the PyTorch anchors reach 122.72 (MLP) and 117.16 (convolutional), means of 3 seeds; elbo's MLP VAE matches within a nat (122.54), and its convolutional VAE reaches 120.1 on average over 5 seeds, about 2 nats behind, with a spread of several nats between seeds in both frameworks (<code>pnpm --filter @elbo/vae bench:conv</code>).</p>
<h3>Reconstructions</h3>
${pngHtml(pngs[0]!)}
<h3>Samples</h3>
${pngHtml(pngs[1]!)}`;
    return {
      title: this.title,
      html,
      pngs,
      summary: [`conv VAE test -ELBO ${num(convLoss)} vs MLP ${num(mlpLoss)} after ${epochs} epoch${epochs === 1 ? '' : 's'}`],
    };
  },
};
