// The elbo side of epochs.bench.mjs, one fresh process per measurement: the pytorch/examples VAE, or
// its deterministic autoencoder (784-400-20, Bernoulli, Adam 1e-3 with torch's defaults, batch 128), or
// the Keras example's convolutional VAE (latent 16, as ../shared/anchors/ref_torch_convvae.py),
// trained for whole epochs on the 8000 real training digits with `selectBackend()`'s defaults (the
// environment chooses the rest: ELBO_WASM_RELAXED_SIMD=0, ELBO_WASM_KERNELS=stock), timed per epoch and
// per step; then, for the VAE, log p(x) with K = 500 on the test digits, timed. Environment:
// BENCH_MODEL (vae, ae or conv), BENCH_EPOCHS (10), BENCH_IWAE_IMAGES (2000, 0 = skip), BENCH_BATCH (128),
// BENCH_WORKERS (0; VAE only: replicas in worker threads, `parallel: workerThreads(...)`). Prints one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { Autoencoder } from '@elbo/autoencoder';
import { VAE, convDecoder, convEncoder, mlp } from '../dist/index.js';
import { workerThreads } from '../dist/node.js';
import { measureFit } from './measure-fit.mjs';

const epochs = Number(process.env.BENCH_EPOCHS ?? 10);
const iwaeImages = Number(process.env.BENCH_IWAE_IMAGES ?? 2000);
const batchSize = Number(process.env.BENCH_BATCH ?? 128);
const workers = Number(process.env.BENCH_WORKERS ?? 0);
const selection = await selectBackend();
tf.enableProdMode();
const data = await mnist();

const model = process.env.BENCH_MODEL ?? 'vae';
/** The anchors' models: the pytorch/examples VAE and autoencoder, and the Keras example's convolutional VAE. */
const MODELS = {
  vae: () =>
    new VAE({
      encoder: mlp([784, 400, 40], { seed: 0 }),
      decoder: mlp([20, 400, 784], { seed: 3 }),
      latentDim: 20,
      likelihood: 'bernoulli',
    }),
  ae: () => new Autoencoder({ encoder: mlp([784, 400, 20], { seed: 0 }), decoder: mlp([20, 400, 784], { seed: 3 }) }),
  conv: () =>
    new VAE({
      encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 32, seed: 0 }),
      decoder: convDecoder({ inputDim: 16, outputShape: [28, 28, 1], seed: 1000 }),
      likelihood: 'bernoulli',
    }),
};
if (MODELS[model] == null) throw new Error(`BENCH_MODEL must be one of ${Object.keys(MODELS).join(', ')}, got ${model}`);
const vae = MODELS[model]();
const images = (x) => (model === 'conv' ? tf.reshape(x, [-1, 28, 28, 1]) : x);
const [trainImages, testImages] = [images(data.train.images), images(data.test.images)];
const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
// The workers select the same backend through the same module, as an application's set-up would.
const setup = {
  module: import.meta.resolve('@elbo/backend-node'),
  export: 'selectBackend',
  options: { prefer: [selection.name], fallback: false },
};
const parallelOption = workers > 0 ? { parallel: workerThreads({ workers, setup }) } : {};
const result = await measureFit(tf, vae, {
  train: trainImages,
  test: testImages,
  epochs,
  fitOptions: { batchSize, optimizer, ...parallelOption },
  iwaeImages: model === 'vae' ? iwaeImages : 0,
  selection,
});
vae.dispose();
optimizer.dispose();
data.dispose();
console.log(JSON.stringify(result));
