// One training step of a 784-400-20 VAE-shaped MLP at batch 128 (Adam), on
// each Node backend, with tfjs' stock BatchMatMul gradient and with the one
// @elbo/backend-node installs on wasm; prints ms/step, samples/s and ratios.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/index.js';

const BATCH = 128;
const [INPUT, HIDDEN, LATENT] = [784, 400, 20];
const steps = Number(process.env.BENCH_STEPS ?? 30);

function dense(fanIn, fanOut, seed) {
  const bound = 1 / Math.sqrt(fanIn);
  return {
    w: tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound, 'float32', seed)),
    b: tf.variable(tf.randomUniform([fanOut], -bound, bound, 'float32', seed + 1)),
  };
}

function makeVae() {
  const layers = [dense(INPUT, HIDDEN, 1), dense(HIDDEN, 2 * LATENT, 3), dense(LATENT, HIDDEN, 5), dense(HIDDEN, INPUT, 7)];
  const apply = ({ w, b }, x) => tf.add(tf.matMul(x, w), b);
  const loss = (x, eps) => {
    const h = tf.relu(apply(layers[0], x));
    const stats = apply(layers[1], h);
    const mu = stats.slice([0, 0], [-1, LATENT]);
    const logVar = stats.slice([0, LATENT], [-1, LATENT]);
    const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps));
    const logits = apply(layers[3], tf.relu(apply(layers[2], z)));
    // Bernoulli NLL on logits: softplus(l) - x l, summed over pixels.
    const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)), 1);
    const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1));
    return tf.mean(tf.add(nll, kl));
  };
  return { layers, loss, variables: layers.flatMap(({ w, b }) => [w, b]) };
}

async function timeSteps(label, count) {
  const model = makeVae();
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([BATCH, INPUT], 0, 1, 'float32', 11);
  const eps = tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 13);
  const step = () => {
    const cost = optimizer.minimize(() => model.loss(x, eps), true, model.variables);
    const value = cost.dataSync()[0];
    cost.dispose();
    return value;
  };
  step(); // warm-up: kernels compiled, buffers allocated
  const times = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  tf.dispose([x, eps, ...model.variables]);
  optimizer.dispose();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `  ${label.padEnd(34)} ${median.toFixed(1).padStart(8)} ms/step ${(BATCH / (median / 1000)).toFixed(0).padStart(7)} samples/s  (median of ${count})`,
  );
  return median;
}

console.log(`VAE-shaped training step, ${INPUT}-${HIDDEN}-${LATENT}, batch ${BATCH}, Adam`);
await selectBackend({ prefer: ['cpu'], fallback: false });
const stockGradient = tf.getGradient(tf.BatchMatMul);
const cpu = await timeSteps('cpu (pure JS)', Math.min(steps, 3));

await selectBackend({ prefer: ['wasm'], fallback: false });
const changedGradient = tf.getGradient(tf.BatchMatMul);
tf.registerGradient(stockGradient);
const wasmStock = await timeSteps('wasm, stock matMul gradient', steps);
tf.registerGradient(changedGradient);
const wasmChanged = await timeSteps('wasm, explicit-transpose gradient', steps);

console.log(`  ratio wasm stock / changed gradient: ${(wasmStock / wasmChanged).toFixed(2)}x (target >= 3x)`);
console.log(`  ratio cpu / wasm changed:            ${(cpu / wasmChanged).toFixed(1)}x`);
