// What staying interruptible costs: minimize's steps/s on a small model
// (a 64 -> 32 -> 64 MLP on a 128-row batch, Adam) with the ~20 ms macrotask
// yield, against the same run with the clock stubbed so it never yields.
// Run after `pnpm build`: node bench/yield.bench.mjs
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { minimize } from '../dist/index.js';

const steps = Number(process.env.BENCH_STEPS ?? 400);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const backends = (process.env.BENCH_BACKENDS ?? 'cpu,wasm').split(',');
const realNow = performance.now.bind(performance);

async function run(yielding) {
  const w1 = tf.variable(tf.randomNormal([64, 32], 0, 0.1, 'float32', 1));
  const w2 = tf.variable(tf.randomNormal([32, 64], 0, 0.1, 'float32', 2));
  const x = tf.randomUniform([128, 64], 0, 1, 'float32', 3);
  const loss = () => tf.mean(tf.square(tf.sub(tf.matMul(tf.relu(tf.matMul(x, w1)), w2), x)));
  // Stubbing the clock at 0 means "20 ms never pass": the same loop, without yields.
  if (!yielding) performance.now = () => 0;
  const t0 = realNow();
  await minimize(loss, { variables: [w1, w2], steps });
  const ms = realNow() - t0;
  performance.now = realNow;
  tf.dispose([w1, w2, x]);
  return steps / (ms / 1000);
}

// The yield itself: one macrotask per 20 ms slice.
const { macrotaskMs } = await (async () => {
  const n = 2000;
  const t0 = realNow();
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
  return { macrotaskMs: (realNow() - t0) / n };
})();
console.log(`one macrotask: ${(macrotaskMs * 1000).toFixed(1)} us, i.e. ${((macrotaskMs / 20) * 100).toFixed(3)}% of every 20 ms slice`);

for (const backend of backends) {
  await selectBackend({ prefer: [backend], fallback: false });
  await run(true);
  const rate = { yielding: [], never: [] };
  // Alternate which goes first, so warm-up and GC debt fall on both alike.
  for (let r = 0; r < rounds; r++) {
    for (const yielding of r % 2 === 0 ? [true, false] : [false, true]) rate[yielding ? 'yielding' : 'never'].push(await run(yielding));
  }
  const median = (v) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const [y, n] = [median(rate.yielding), median(rate.never)];
  console.log(
    `${backend}: ${n.toFixed(0)} steps/s without yielding, ${y.toFixed(0)} with; cost ${(((n - y) / n) * 100).toFixed(2)}% of a step`,
  );
}
