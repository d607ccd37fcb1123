// How loose is the ELBO on the digits? log p(x) = ELBO(x) + KL(q(z|x) || p(z|x)), measured.
//
//   pnpm --filter @elbo/vae build && pnpm --filter @elbo/vae bench:bound
//
// Trains the pytorch/examples VAE (784-400-20, ReLU, Bernoulli, Adam 1e-3, batch 128) on the 8000
// training digits, then for test digits prints the importance-weighted bound for each K (K = 1 is
// the ELBO) and the gap log p(x) - ELBO, with log p(x) taken as the K = max bound: the estimate of
// KL(q(z|x) || p(z|x)), overall and per digit class.
//
// Environment: ELBO_BACKEND (default wasm), ELBO_BOUND_EPOCHS (default 10), ELBO_BOUND_N (test
// digits, default 500), ELBO_BOUND_KS (default 1,5,50,500; the largest stands for log p(x)).
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { adam } from '@elbo/prob';
import { VAE, mlp } from '../dist/index.js';

const epochs = Number(process.env.ELBO_BOUND_EPOCHS ?? 10);
const n = Number(process.env.ELBO_BOUND_N ?? 500);
const Ks = (process.env.ELBO_BOUND_KS ?? '1,5,50,500').split(',').map(Number);
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'] });
tf.enableProdMode();
console.log(`backend ${selection.name}; ${epochs} epochs; ${n} test digits; K = ${Ks.join(', ')}`);

const data = await mnist();
const vae = new VAE({
  encoder: mlp([784, 400, 40], { seed: 0 }),
  decoder: mlp([20, 400, 784], { seed: 3 }),
  latentDim: 20,
  likelihood: 'bernoulli',
});
const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
const t0 = performance.now();
await vae.fit(data.train.images, { epochs, batchSize: 128, optimizer, seed: 0 });
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
optimizer.dispose();

// n test digits spread over the whole test split (evenly spaced rows), with their labels.
const stride = Math.max(1, Math.floor(data.test.images.shape[0] / n));
const rows = Array.from({ length: n }, (_, i) => i * stride);
const x = tf.tidy(() => tf.gather(data.test.images, tf.tensor1d(rows, 'int32')));
const labels = rows.map((r) => data.test.labelArray[r]);

const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
const se = (a) => Math.sqrt(a.reduce((s, v) => s + (v - mean(a)) ** 2, 0) / (a.length - 1) / a.length);
const fmt = (v, d = 2) => v.toFixed(d);

const results = [];
for (const K of Ks) {
  const t = performance.now();
  const r = vae.logLikelihood(x, { samples: K, seed: 1 });
  results.push({ K, r, seconds: (performance.now() - t) / 1000 });
}
const top = results.at(-1).r;
const logPx = Array.from(top.values);
// The ELBO from the K = max draws (mean_k log w_k): the same expectation as K = 1, with far less noise.
const elbo = Array.from(top.elbo);
const gap = logPx.map((v, i) => v - elbo[i]);

console.log(`\n| K | bound (nats, mean over ${n} digits) | standard error | bound - ELBO | mean Monte Carlo error per digit | seconds |`);
console.log('|---|---|---|---|---|---|');
for (const { K, r, seconds } of results) {
  const mcse = K > 1 ? fmt(mean(Array.from(r.monteCarloStandardError)), 3) : '-';
  const rise = Array.from(r.values, (v, i) => v - elbo[i]);
  console.log(`| ${K} | ${fmt(r.mean)} | ${fmt(r.standardError)} | ${fmt(mean(rise))} ± ${fmt(se(rise))} | ${mcse} | ${fmt(seconds, 1)} |`);
}
console.log(`\nELBO (mean_k log w_k over the K = ${results.at(-1).K} draws): ${fmt(mean(elbo))} ± ${fmt(se(elbo))}`);
console.log(`gap log p(x) - ELBO, the estimate of KL(q(z|x) || p(z|x)): ${fmt(mean(gap))} ± ${fmt(se(gap))} nats\n`);
console.log('| digit | n | log p(x) (K = max) | ELBO | gap = KL(q || p(z|x)) estimate |');
console.log('|---|---|---|---|---|');
for (let d = 0; d < 10; d++) {
  const idx = labels.map((l, i) => (l === d ? i : -1)).filter((i) => i >= 0);
  if (idx.length < 2) continue;
  const pick = (a) => idx.map((i) => a[i]);
  console.log(
    `| ${d} | ${idx.length} | ${fmt(mean(pick(logPx)))} | ${fmt(mean(pick(elbo)))} | ${fmt(mean(pick(gap)))} ± ${fmt(se(pick(gap)))} |`,
  );
}
x.dispose();
vae.dispose();
data.train.dispose();
data.test.dispose();
