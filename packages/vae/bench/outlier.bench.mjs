// Outlier scores of @elbo/vae: does p(x) tell held-out digits from images that are not digits?
//
//   pnpm --filter @elbo/vae build && node bench/outlier.bench.mjs
//
// Trains the 784-400-20 VAE of the PyTorch example on the 8000 training digits, fits each score on
// 2000 of them (no outlier is ever used to fit or tune anything), and prints the AUROC of every score
// against every probe set: held-out test digits (inliers) against uniform noise, lines, inverted
// digits, constant images and sparse dots. Then a threshold for a 5% false-positive rate, chosen on
// the first half of the test digits, applied to the second half and to the probes.
//
// Environment: ELBO_BACKEND (default wasm), ELBO_SEEDS (default 0), ELBO_OUTLIER_SAMPLES (K, default 100).
// `pnpm test:quality` (ELBO_QUALITY_STRICT=1) exits with status 1 when a target is missed:
// the DoSE score reaches AUROC >= 0.95 on every probe set and >= 0.99 on uniform noise, and
// scoring 2000 images takes under 60 s.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { linesArrays, mnistArrays, probeImages } from '@elbo/datasets';
import { adam, auroc, thresholdAtFalsePositiveRate } from '@elbo/prob';
import { imageStatistics, OUTLIER_METHODS, OutlierScore, VAE, mlp } from '../dist/index.js';

const D = 784;
const N_PROBE = 1000;
const N_FIT = 2000;
const CHOSEN = 'dose';
const seeds = (process.env.ELBO_SEEDS ?? '0').split(',').map(Number);
const samples = Number(process.env.ELBO_OUTLIER_SAMPLES ?? 100);
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'] });
tf.enableProdMode();
console.log(`backend ${selection.name} (${selection.reason ?? 'selected'}); seeds ${seeds.join(',')}; K = ${samples}`);

const { train, test } = await mnistArrays();
const half = test.images.length / D / 2;
const probes = {
  'uniform noise': probeImages({ kind: 'uniform-noise', n: N_PROBE, seed: 11 }).images,
  lines: linesArrays({ n: N_PROBE, size: 28, seed: 12 }).images,
  'inverted digits': test.images.slice(0, N_PROBE * D).map((v) => 1 - v),
  'constant images': probeImages({ kind: 'constant', n: N_PROBE, seed: 13 }).images,
  'sparse dots': probeImages({ kind: 'sparse-dots', n: N_PROBE, seed: 14 }).images,
};

const failures = [];
const check = (name, ok, detail) => {
  console.log(`  [${ok ? 'PASS' : 'FAIL'}] ${name}: ${detail}`);
  if (!ok) failures.push(name);
};
const fmt = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const pad = (s, n) => String(s).padEnd(n);

for (const seed of seeds) {
  console.log(`\nseed ${seed}: 784-400-20 VAE, Bernoulli, Adam 1e-3, batch 128, 10 epochs on ${train.images.length / D} digits`);
  const vae = new VAE({
    encoder: mlp([784, 400, 40], { seed: 7 * seed }),
    decoder: mlp([20, 400, 784], { seed: 7 * seed + 3 }),
    latentDim: 20,
    likelihood: 'bernoulli',
  });
  const xTrain = tf.tensor2d(train.images, [train.images.length / D, D]);
  const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
  await vae.fit(xTrain, { epochs: 10, batchSize: 128, optimizer, seed });
  optimizer.dispose();

  // one pass of statistics per set, shared by every score
  const statsOf = async (images, i) => {
    const x = tf.tensor2d(images, [images.length / D, D]);
    try {
      return await imageStatistics(vae, x, { samples, seed: 1000 * seed + i });
    } finally {
      x.dispose();
    }
  };
  const t0 = performance.now();
  const fitX = xTrain.slice([0, 0], [N_FIT, D]);
  const scores = {};
  for (const method of OUTLIER_METHODS) scores[method] = await OutlierScore.fit(vae, fitX, { method, samples, seed: 1000 * seed });
  fitX.dispose();
  xTrain.dispose();
  const fitS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const testStats = await statsOf(test.images, 0);
  const scoreS = (performance.now() - t1) / 1000;
  console.log(
    `  fitting the ${OUTLIER_METHODS.length} scores on ${N_FIT} training digits: ${fmt(fitS, 1)} s; statistics of the ${test.images.length / D} test digits: ${fmt(scoreS, 1)} s (${fmt(test.images.length / D / scoreS, 0)} images/s)`,
  );
  const probeStats = {};
  for (const [i, [name, images]] of Object.entries(probes).entries()) probeStats[name] = await statsOf(images, i + 1);

  const names = Object.keys(probes);
  console.log(`\n  AUROC, held-out test digits against each probe set (1 = separates, 0.5 = chance, 0 = backwards)`);
  console.log(`  ${pad('score', 16)}${names.map((n) => pad(n, 17)).join('')}`);
  const table = {};
  for (const method of OUTLIER_METHODS) {
    const inlier = scores[method].scoreStatistics(testStats);
    table[method] = Object.fromEntries(names.map((n) => [n, auroc(inlier, scores[method].scoreStatistics(probeStats[n]))]));
    console.log(`  ${pad(method, 16)}${names.map((n) => pad(fmt(table[method][n]), 17)).join('')}`);
  }
  const meanLogPx = (s) => s.logLikelihood.reduce((a, v) => a + v, 0) / s.logLikelihood.length;
  console.log(
    `  mean log p(x): test digits ${fmt(meanLogPx(testStats), 1)}, ${names.map((n) => `${n} ${fmt(meanLogPx(probeStats[n]), 1)}`).join(', ')}`,
  );

  // A threshold for a 5% false-positive rate, chosen on the first half of the test digits.
  const chosen = scores[CHOSEN];
  const testScores = chosen.scoreStatistics(testStats);
  const { threshold, falsePositiveRate } = thresholdAtFalsePositiveRate(testScores.subarray(0, half), 0.05);
  const flagged = (s) => s.filter((v) => v > threshold).length / s.length;
  console.log(
    `\n  ${CHOSEN} threshold for 5% false positives, chosen on ${half} test digits: ${fmt(threshold, 2)} (rate there ${fmt(falsePositiveRate)}); ` +
      `on the other ${half}: ${fmt(flagged(testScores.subarray(half)))}; flagged: ${names.map((n) => `${n} ${fmt(flagged(chosen.scoreStatistics(probeStats[n])))}`).join(', ')}`,
  );

  console.log(`\n  targets (${CHOSEN}, chosen before measuring and used unchanged for every set):`);
  for (const n of names) {
    const target = n === 'uniform noise' ? 0.99 : 0.95;
    check(`${CHOSEN} AUROC vs ${n} >= ${target}`, table[CHOSEN][n] >= target, fmt(table[CHOSEN][n]));
  }
  check('scoring 2000 images under 60 s', scoreS < 60, `${fmt(scoreS, 1)} s`);
  console.log(`  tensors alive after scoring: ${tf.memory().numTensors} (the VAE's weights)`);
  vae.dispose();
}

console.log(failures.length === 0 ? '\nall outlier targets met' : `\n${failures.length} target(s) missed: ${failures.join('; ')}`);
process.exitCode = failures.length > 0 && process.env.ELBO_QUALITY_STRICT === '1' ? 1 : 0;
