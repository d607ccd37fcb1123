// Memory over a long training run: the 784-400-20 VAE (wasm, `selectBackend()`'s defaults) trained for
// BENCH_SOAK_STEPS (10,000) steps of batch 128 on the 8000 digits; prints tf.memory().numTensors and the
// process's RSS every 1000 steps. (Speed beside PyTorch: epochs.bench.mjs.)
//
//   pnpm --filter @elbo/vae build && node packages/vae/bench/soak.bench.mjs
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { VAE, mlp } from '../dist/index.js';

const steps = Number(process.env.BENCH_SOAK_STEPS ?? 10_000);
const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
tf.enableProdMode();
const data = await mnist();
const vae = new VAE({
  encoder: mlp([784, 400, 40], { seed: 0 }),
  decoder: mlp([20, 400, 784], { seed: 3 }),
  latentDim: 20,
  likelihood: 'bernoulli',
});
const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
const samples = [];
let step = 0;
const controller = new AbortController();
console.log(`Memory over ${steps} VAE training steps (${selection.name}): tensors and RSS every 1000 steps`);
await vae.fit(data.train.images, {
  epochs: Math.ceil(steps / Math.ceil(8000 / 128)),
  batchSize: 128,
  seed: 0,
  optimizer,
  signal: controller.signal,
  callbacks: {
    onBatchEnd: () => {
      step++;
      if (step === 1 || step % 1000 === 0)
        samples.push({ step, numTensors: tf.memory().numTensors, rssMiB: process.memoryUsage().rss / 2 ** 20 });
      if (step >= steps) controller.abort();
    },
  },
});
vae.dispose();
optimizer.dispose();
data.dispose();
console.log(`  ${samples.map((p) => `${p.step}: ${p.numTensors} tensors, ${p.rssMiB.toFixed(0)} MiB`).join(' | ')}`);
const [first, second, last] = [samples[0], samples[1] ?? samples[0], samples.at(-1)];
console.log(
  `  numTensors ${first.numTensors} -> ${last.numTensors} (${last.numTensors === first.numTensors ? 'flat' : 'GROWS'}); RSS after 1000 steps ${second.rssMiB.toFixed(0)} MiB, at the end ${last.rssMiB.toFixed(0)} MiB`,
);
if (last.numTensors !== first.numTensors) process.exitCode = 1;
