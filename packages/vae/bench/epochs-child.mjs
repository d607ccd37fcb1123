// The elbo side of epochs.bench.mjs, one fresh process per measurement: the pytorch/examples VAE
// (784-400-20, Bernoulli, Adam 1e-3 with torch's defaults, batch 128) trained for whole epochs on the
// 8000 real training digits with `selectBackend()`'s defaults (the environment chooses the rest:
// ELBO_WASM_RELAXED_SIMD=1, ELBO_WASM_KERNELS=stock), timed per epoch and per step; then log p(x) with
// K = 500 on the test digits, timed. Environment: BENCH_EPOCHS (10), BENCH_IWAE_IMAGES (2000, 0 = skip).
// Prints one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { VAE, mlp } from '../dist/index.js';

const epochs = Number(process.env.BENCH_EPOCHS ?? 10);
const iwaeImages = Number(process.env.BENCH_IWAE_IMAGES ?? 2000);
const selection = await selectBackend();
tf.enableProdMode();
const data = await mnist();

const vae = new VAE({
  encoder: mlp([784, 400, 40], { seed: 0 }),
  decoder: mlp([20, 400, 784], { seed: 3 }),
  latentDim: 20,
  likelihood: 'bernoulli',
});
const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
const epochSeconds = [];
const stepMs = [];
let lastEpoch = performance.now();
let lastStep = lastEpoch;
await vae.fit(data.train.images, {
  epochs,
  batchSize: 128,
  seed: 0,
  optimizer,
  callbacks: {
    // the loss is read back every step (fit's logs), so each stamp follows a finished step
    onBatchEnd: () => {
      const now = performance.now();
      stepMs.push(now - lastStep);
      lastStep = now;
    },
    onEpochEnd: () => {
      const now = performance.now();
      epochSeconds.push((now - lastEpoch) / 1000);
      lastEpoch = lastStep = now;
    },
  },
});
const terms = vae.elbo(data.test.images, { samples: 1, seed: 1000 });
const testLoss = -tf.mean(terms.elbo).dataSync()[0];
tf.dispose(Object.values(terms));
const result = {
  side: selection.name,
  reason: selection.reason,
  epochSeconds,
  fitSeconds: epochSeconds.reduce((s, v) => s + v, 0),
  stepMs,
  testLoss,
};
if (iwaeImages > 0) {
  const x = tf.slice(data.test.images, 0, iwaeImages);
  const t0 = performance.now();
  vae.logLikelihood(x, { samples: 500, seed: 1234 });
  result.iwaeImagesPerSecond = iwaeImages / ((performance.now() - t0) / 1000);
  x.dispose();
}
vae.dispose();
optimizer.dispose();
data.dispose();
console.log(JSON.stringify(result));
