// The convolutional VAE (the Keras VAE example's layers, latent 16) beside PyTorch: quality, 3 seeds x 10
// epochs on the 8000-digit split, test -ELBO vs ../shared/reference/conv_vae_mnist.json (PyTorch 117.16), and
// tf.memory().numTensors over every training step. Its speed beside PyTorch is epochs.bench.mjs's
// (BENCH_MODELS=conv); 100 x 100 images streamed from disk: conv-stream.bench.mjs (its own process, for peak RSS).
//
//   pnpm --filter @elbo/vae build && pnpm --filter @elbo/vae bench:conv
//
// Environment: ELBO_BACKEND (default wasm), ELBO_SEEDS (default 0,1,2). PyTorch's quality runs now when a seed is not in the reference file, or with ELBO_TORCH_QUALITY=1.
// ELBO_QUALITY_STRICT=1 exits with status 1 when a target is missed.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { runTorchAnchor } from '../../../tooling/torch-anchor.mjs';
import { VAE, convDecoder, convEncoder } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '../../../../shared');
const ref = JSON.parse(readFileSync(join(shared, 'reference/conv_vae_mnist.json'), 'utf8'));
const seeds = (process.env.ELBO_SEEDS ?? '0,1,2').split(',').map(Number);
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'], fallback: false });
tf.enableProdMode();
console.log(`backend ${selection.name} (${selection.reason ?? 'selected'})`);

const failures = [];
const check = (name, ok, detail) => {
  console.log(`  [${ok ? 'PASS' : 'FAIL'}] ${name}: ${detail}`);
  if (!ok) failures.push(name);
};
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

/** The anchor's model: convEncoder/convDecoder's defaults are the Keras example's layers, PyTorch's init. */
const convVae = (seed) =>
  new VAE({
    encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 32, seed }),
    decoder: convDecoder({ inputDim: 16, outputShape: [28, 28, 1], seed: seed + 1000 }),
    likelihood: 'bernoulli',
  });

const data = await mnist();
const xTrain = tf.reshape(data.train.images, [-1, 28, 28, 1]);
const xTest = tf.reshape(data.test.images, [-1, 28, 28, 1]);

// ---------------------------------------------------------------- quality and memory
{
  console.log('\n10 epochs, Adam 1e-3, batch 128, on the 8000-digit split; test -ELBO (1 sample) vs PyTorch');
  // PyTorch's figures for these seeds: the reference file's where it has them all, else the anchor run now
  // (ELBO_TORCH_QUALITY=1 runs it now in any case), so a mean is always over the same seeds on both sides.
  let torchPerSeed = ref.test_neg_elbo_per_seed;
  let torchSource = 'reference file';
  if (process.env.ELBO_TORCH_QUALITY === '1' || seeds.some((s) => torchPerSeed[String(s)] == null)) {
    const digits = { train: data.train.images.dataSync(), test: data.test.images.dataSync() };
    const args = ['--seeds', seeds.join(','), '--epochs', '10'];
    const run = runTorchAnchor(join(shared, 'anchors'), 'ref_torch_convvae.py', args, digits, { timeoutMs: seeds.length * 900_000 });
    torchPerSeed = Object.fromEntries((run.json?.runs ?? []).map((r) => [String(r.seed), r.test_neg_elbo]));
    torchSource = run.json == null ? `not measured: ${run.skipped}` : 'this run';
  }
  const losses = [];
  const allCounts = []; // numTensors after every step of every seed: the same models, so the same count
  for (const seed of seeds) {
    const vae = convVae(seed);
    const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
    const counts = [];
    const t0 = performance.now();
    await vae.fit(xTrain, {
      epochs: 10,
      batchSize: 128,
      optimizer,
      seed,
      callbacks: { onBatchEnd: () => counts.push(tf.memory().numTensors) },
    });
    const seconds = (performance.now() - t0) / 1000;
    optimizer.dispose();
    const terms = vae.elbo(xTest, { samples: 1, seed: 1000 + seed });
    const [loss, rec, kl] = tf.tidy(() => [terms.elbo, terms.reconstruction, terms.kl].map((t) => tf.mean(t).dataSync()[0]));
    tf.dispose(Object.values(terms));
    const pyTorch = torchPerSeed[String(seed)];
    losses.push(-loss);
    console.log(
      `  seed ${seed}: test -ELBO ${fmt(-loss)} (reconstruction ${fmt(rec)}, KL ${fmt(kl)})  PyTorch seed ${seed}: ${fmt(pyTorch)}  ` +
        `${fmt(seconds, 0)} s (${fmt(80000 / seconds, 0)} images/s); numTensors over ${counts.length} steps: ${Math.min(...counts.slice(1))}..${Math.max(...counts.slice(1))}`,
    );
    allCounts.push(...counts.slice(1));
    vae.dispose();
  }
  const spread = Math.max(...allCounts) - Math.min(...allCounts);
  check(`tf.memory().numTensors flat over ${allCounts.length} training steps (${seeds.length} runs)`, spread === 0, `spread ${spread}`);
  const ours = mean(losses);
  const torchLosses = seeds.map((s) => torchPerSeed[String(s)] ?? NaN);
  const theirs = mean(torchLosses);
  console.log(`  mean of ${seeds.length} seeds: elbo ${fmt(ours)}  PyTorch ${fmt(theirs)} (the same seeds; ${torchSource})`);
  const sd = (a) => Math.sqrt(a.reduce((acc, v) => acc + (v - mean(a)) ** 2, 0) / (a.length - 1));
  if (seeds.length > 1) {
    const standardError = Math.sqrt((sd(losses) ** 2 + sd(torchLosses) ** 2) / seeds.length);
    console.log(
      `  seed-to-seed sd: elbo ${fmt(sd(losses))}  PyTorch ${fmt(sd(torchLosses))}; standard error of the difference of means ${fmt(standardError)}`,
    );
  }
  if (Number.isFinite(theirs))
    check('test -ELBO, mean of seeds, within 1 nat of PyTorch', Math.abs(ours - theirs) <= 1, `diff ${fmt(ours - theirs)}`);
  else console.log('  not compared: PyTorch has no figure for every seed here (apt-get install -y python3-torch)');
}
tf.dispose([xTrain, xTest]);

if (failures.length > 0) {
  console.log(`\n${failures.length} target(s) missed: ${failures.join('; ')}`);
  if (process.env.ELBO_QUALITY_STRICT === '1') process.exitCode = 1;
}
