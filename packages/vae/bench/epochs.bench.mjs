// Training and log p(x) speed of the VAE and the deep autoencoder beside PyTorch, by the method of
// tooling/bench-method.mjs: real digits, whole epochs (and the steps within them), each side in a fresh
// process, interleaved rounds, min / median / spread for both sides, and no ratio where a side is unstable.
//
//   pnpm --filter @elbo/vae build && node packages/vae/bench/epochs.bench.mjs     (part of `pnpm bench`)
//
// Sides (epochs-sides.mjs): elbo with `selectBackend()`'s defaults, elbo with plain SIMD, tfjs' stock wasm
// kernels (one round: the quality reference), and PyTorch at 1 and 2 threads with its thread pools
// pinned. Each trains the pytorch/examples VAE and autoencoder (784-400-20, Adam 1e-3, batch 128) for
// BENCH_EPOCHS (10) epochs and the Keras example's convolutional VAE for BENCH_CONV_EPOCHS (2) on the 8000
// training digits; the VAE then times log p(x), K = 500, on BENCH_IWAE_IMAGES (2000) test digits. BENCH_ROUNDS (3) rounds; BENCH_MODELS (vae,ae,conv) and BENCH_SIDES (a comma list of keys; the
// optional batch-512 sides, with and without a worker thread, only when named) pick.
import { interleavedRounds } from '../../../tooling/bench-method.mjs';
import {
  NODE_SIDES,
  TARGETS,
  TORCH_SIDES,
  measureProcessSide,
  prepareDigits,
  printQuality,
  printRatios,
  printRawFigures,
  roundLine,
  summarizeSides,
  torchAvailable,
} from './epochs-sides.mjs';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const epochs = Number(process.env.BENCH_EPOCHS ?? 10);
const iwaeImages = Number(process.env.BENCH_IWAE_IMAGES ?? 2000);
const models = (process.env.BENCH_MODELS ?? 'vae,ae,conv').split(',');
const convEpochs = Number(process.env.BENCH_CONV_EPOCHS ?? 2);
const withTorch = torchAvailable();
const picked = (s) => (process.env.BENCH_SIDES == null ? !s.optional : process.env.BENCH_SIDES.split(',').includes(s.key));
const sides = [...NODE_SIDES, ...(withTorch ? TORCH_SIDES : [])].filter(picked);

/** What each model's rounds train: the convolutional VAE's epochs are about 10x the MLP's, so fewer. */
const MODELS = {
  vae: { title: 'VAE 784-400-20', epochs, iwaeImages },
  ae: { title: 'Deep autoencoder 784-400-20', epochs, iwaeImages: 0 },
  conv: { title: "Convolutional VAE (the Keras example's layers, latent 16)", epochs: convEpochs, iwaeImages: 0 },
};
// tfjs' stock wasm kernels cannot train a convolution (no Conv2DBackpropFilter); worker threads are the VAE's.
const sidesOf = (model) =>
  sides.filter((s) => (model !== 'conv' || s.key !== 'elbo-stock') && (model === 'vae' || s.env?.BENCH_WORKERS == null));

const digits = await prepareDigits();
try {
  for (const model of models) {
    const run = MODELS[model];
    if (run == null) throw new Error(`BENCH_MODELS: unknown model ${model}; expected some of ${Object.keys(MODELS).join(', ')}`);
    console.log(
      `\n${run.title}, ${run.epochs} epochs on the ${digits.train.images.length / 784} training digits, batch 128 unless a side says otherwise` +
        `${run.iwaeImages > 0 ? `; log p(x) K = 500 on ${run.iwaeImages} test digits` : ''}; ${rounds} interleaved rounds, a fresh process per side per round` +
        `${withTorch ? '' : '; PyTorch not installed (apt-get install python3-torch libopenblas0-pthread): no peer, no ratio'}`,
    );
    const modelSides = sidesOf(model);
    const results = await interleavedRounds(
      modelSides,
      rounds,
      (side) => measureProcessSide(side, { model, epochs: run.epochs, iwaeImages: run.iwaeImages, dataDir: digits.dataDir }),
      { onRound: (round, line) => console.log(roundLine(round, line)) },
    );
    const figures = summarizeSides(modelSides, results);
    printRawFigures(figures, run.epochs);
    printRatios(figures, { targets: { 'elbo-default': [TARGETS.fitDefault, TARGETS.fitRelaxed] } });
    printQuality(figures);
  }
} finally {
  digits.cleanup();
}
