// One measurement of speed.bench.mjs, in its own process (elbo's kernels are chosen once per process).
// Environment: BENCH_MODEL vae|ae, BENCH_MODE step|fit, BENCH_WORKERS (replicas in worker threads, VAE only),
// ELBO_BACKEND (wasm|cpu), ELBO_WASM_KERNELS (elbo|stock), ELBO_WASM_RELAXED_SIMD (1 = on). Prints one JSON line.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
// The deep autoencoder is measured beside the VAE (a devDependency of the bench only); it builds its parts
// with its own mlp() while it has one, else with @elbo/nn's.
import * as autoencoder from '@elbo/autoencoder';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { VAE, mlp } from '../dist/index.js';
import { workerThreads } from '../dist/node.js';

const model = process.env.BENCH_MODEL ?? 'vae';
const mode = process.env.BENCH_MODE ?? 'step';
const workers = Number(process.env.BENCH_WORKERS ?? 0);
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'], fallback: false });
tf.enableProdMode();
const data = await mnist();
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

// The pytorch/examples models with nn.Linear's init, as in quality.bench.mjs.
const aeMlp = autoencoder.mlp ?? mlp;
const make = () =>
  model === 'vae'
    ? new VAE({
        encoder: mlp([784, 400, 40], { seed: 0 }),
        decoder: mlp([20, 400, 784], { seed: 3 }),
        latentDim: 20,
        likelihood: 'bernoulli',
      })
    : new autoencoder.Autoencoder({ encoder: aeMlp([784, 400, 20], { seed: 0 }), decoder: aeMlp([20, 400, 784], { seed: 1 }) });
const net = make();
const optimizer = adam(1e-3, 0.9, 0.999, 1e-8); // torch's Adam; tfjs' own arithmetic under ELBO_WASM_KERNELS=stock
// The workers select the same backend through the same module (the application's set-up).
const setup = {
  module: import.meta.resolve('@elbo/backend-node'),
  export: 'selectBackend',
  options: { prefer: [selection.name], fallback: false },
};
// only the VAE takes `parallel` (fit rejects options a model does not have, undefined or not)
const parallelOption = workers > 0 ? { parallel: workerThreads({ workers, setup }) } : {};
const result = { model, mode, workers, backend: selection.name, reason: selection.reason };

if (mode === 'step') {
  // one fit over copies of one batch: the time between consecutive onBatchEnd calls is one step
  const steps = selection.name === 'cpu' ? 8 : 70;
  const x = tf.slice(data.train.images, [0, 0], [128, 784]);
  const stamps = [];
  await net.fit(
    Array.from({ length: steps }, () => x),
    { optimizer, ...parallelOption, callbacks: { onBatchEnd: () => void stamps.push(performance.now()) } },
  );
  const skip = selection.name === 'cpu' ? 2 : 10;
  const times = stamps.slice(skip).map((t, i) => t - stamps[i + skip - 1]);
  result.stepMs = median(times);
  result.steps = times.length;
  x.dispose();
} else if (mode === 'soak') {
  // 10,000 steps (fit over the training digits); numTensors and RSS every 1000 steps
  const steps = Number(process.env.BENCH_SOAK_STEPS ?? 10_000);
  const epochs = Math.ceil(steps / Math.ceil(8000 / 128));
  const samples = [];
  let step = 0;
  const controller = new AbortController();
  await net.fit(data.train.images, {
    epochs,
    batchSize: 128,
    seed: 0,
    optimizer,
    ...parallelOption,
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
  result.soak = samples;
} else {
  const t0 = performance.now();
  const history = await net.fit(data.train.images, { epochs: 10, batchSize: 128, seed: 0, optimizer, ...parallelOption });
  result.fitSeconds = (performance.now() - t0) / 1000;
  result.trainLoss = history.history.loss.at(-1);
  if (model === 'vae') {
    const terms = net.elbo(data.test.images, { samples: 1, seed: 1000 });
    result.testLoss = -tf.mean(terms.elbo).dataSync()[0];
    tf.dispose(Object.values(terms));
  } else {
    result.testLoss = (await net.evaluate(data.test.images)).loss;
  }
}
net.dispose();
optimizer.dispose();
data.dispose();
console.log(JSON.stringify(result));
