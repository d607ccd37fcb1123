// The convolutional VAE (the Keras VAE example's layers, latent 16) beside PyTorch, in one run:
//   1. speed: one training step, batch 128, elbo on this backend vs PyTorch 1.13 on one thread
//      (../shared/anchors/ref_torch_convvae.py --steps-only, run before and after elbo's steps);
//   2. quality: 3 seeds x 10 epochs on the 8000-digit split, test -ELBO vs ../shared/reference/conv_vae_mnist.json
//      (PyTorch 117.16), and tf.memory().numTensors over every training step;
// (100 x 100 images streamed from disk: conv-stream.bench.mjs, in a process of its own for its peak RSS.)
//
//   pnpm --filter @elbo/vae build && pnpm --filter @elbo/vae bench:conv
//
// Environment: ELBO_BACKEND (default wasm), ELBO_SEEDS (default 0,1,2), ELBO_PARTS (comma list of speed,quality;
// default both). PyTorch's quality runs now when a seed is not in the reference file, or with ELBO_TORCH_QUALITY=1.
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
const parts = new Set((process.env.ELBO_PARTS ?? 'speed,quality').split(','));
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
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

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

/** PyTorch's one-thread step for batch 128 (ms), or null when /usr/bin/python3 has no torch. */
function torchStep() {
  const digits = { train: data.train.images.dataSync(), test: data.test.images.dataSync() };
  const run = runTorchAnchor(join(shared, 'anchors'), 'ref_torch_convvae.py', ['--steps-only'], digits);
  if (run.json == null) console.log(`  PyTorch not measured: ${run.skipped}`);
  return run.json?.step_ms_batch128.threads1 ?? null;
}

// ---------------------------------------------------------------- 1. speed
if (parts.has('speed')) {
  console.log('\n1. one training step (forward, backward, Adam), batch 128, 28 x 28 digits');
  const before = torchStep();
  const vae = convVae(0);
  const optimizer = adam(1e-3);
  const stamps = [];
  const batches = 23; // 3 warm-ups
  const x = xTrain.slice([0, 0, 0, 0], [128 * batches, 28, 28, 1]);
  await vae.fit(x, {
    epochs: 1,
    batchSize: 128,
    optimizer,
    seed: 0,
    callbacks: { onBatchEnd: () => stamps.push(performance.now()) },
  });
  const steps = stamps.slice(3).map((t, i) => t - stamps[i + 2]);
  const elboMs = median(steps);
  x.dispose();
  optimizer.dispose();
  vae.dispose();
  const after = torchStep();
  if (before == null) {
    console.log(`  elbo ${fmt(elboMs, 1)} ms; PyTorch not measured (apt-get install -y python3-torch for the side-by-side ratio)`);
  } else {
    // PyTorch's step drifts with the machine's load: the mean of the runs before and after elbo's
    const torchMs = (before + (after ?? before)) / 2;
    console.log(
      `  elbo (${selection.name}) ${fmt(elboMs, 1)} ms   PyTorch 1 thread ${fmt(before, 1)} ms before, ${fmt(after, 1)} ms after   ratio ${fmt(elboMs / torchMs, 2)}x their mean`,
    );
    check('step within 1.5x of PyTorch one thread', elboMs <= 1.5 * torchMs, `${fmt(elboMs / torchMs, 2)}x`);
  }
}

// ---------------------------------------------------------------- 2. quality and memory
if (parts.has('quality')) {
  console.log('\n2. 10 epochs, Adam 1e-3, batch 128, on the 8000-digit split; test -ELBO (1 sample) vs PyTorch');
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
