// The Bernoulli log-likelihood runs on every pixel of every step: one
// 128 x 784 logProb + gradient in the logits through Likelihood, against the
// naive `x*l - softplus(l)` written with raw tfjs ops (and the continuous
// Bernoulli and Gaussian for scale). Prints median ms per case, interleaved.
// Run after `pnpm build`: node bench/likelihood.bench.mjs
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { Likelihood } from '../dist/index.js';

const reps = Number(process.env.BENCH_REPS ?? 60);
const backends = (process.env.BENCH_BACKENDS ?? 'wasm,cpu').split(',');

/** Median ms of value-and-gradient of each loss, run interleaved so drift hits all alike. */
function bench(cases, x, out) {
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  const run = (f) => {
    const { value, grad } = tf.valueAndGrad((l) => tf.mean(f(x, l)))(out);
    grad.dataSync();
    tf.dispose([value, grad]);
  };
  for (const f of Object.values(cases)) for (let i = 0; i < 5; i++) run(f); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(cases)) {
      const t0 = performance.now();
      run(f);
      times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]]));
}

for (const backend of backends) {
  await selectBackend({ prefer: [backend], fallback: false });
  const x = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([128, 784], 0, 1, 'float32', 1), 0.5), 'float32'));
  const out = tf.randomNormal([128, 784], 0, 3, 'float32', 2);
  const liks = { bernoulli: new Likelihood('bernoulli'), cb: new Likelihood('continuous-bernoulli'), gaussian: new Likelihood('gaussian') };
  const ms = bench(
    {
      'naive x*l - softplus(l)': (x, l) => tf.sum(tf.sub(tf.mul(x, l), tf.softplus(l)), -1),
      'Likelihood bernoulli': (x, l) => liks.bernoulli.logProb(x, l),
      'Likelihood continuous-bernoulli': (x, l) => liks.cb.logProb(x, l),
      'Likelihood gaussian': (x, l) => liks.gaussian.logProb(x, l),
    },
    x,
    out,
  );
  const base = ms['naive x*l - softplus(l)'];
  for (const [name, t] of Object.entries(ms)) console.log(`${backend} ${name}: ${t.toFixed(3)} ms (${(t / base).toFixed(2)}x naive)`);
  tf.dispose([x, out]);
}
