// Training speed of the VAE (and the deep autoencoder) beside PyTorch, measured side by side in one run.
//
//   pnpm --filter @elbo/vae build && node packages/vae/bench/speed.bench.mjs
//
// Prints, per round (BENCH_ROUNDS, default 3) and as medians over the rounds: PyTorch's step time with 1 and
// 2 threads (when /usr/bin/python3 has torch), elbo's step time on each Node backend and kernel setting
// (stock tfjs, elbo's kernels, with relaxed SIMD, with a worker thread), samples/s and the ratio to PyTorch's
// best; then the test loss after 10 epochs with and without the speed work (BENCH_FIT=0 skips it), and
// tensors and RSS over 10,000 training steps with elbo's kernels (BENCH_SOAK=0 skips it).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const anchors = process.env.ELBO_ANCHORS_DIR ?? resolve(here, '../../../../shared/anchors');
const torchStep = resolve(here, '../../autoencoder/bench/torch_step.py');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '-');
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

/** elbo's settings compared; `env` goes to speed-child.mjs. */
const CONFIGS = [
  { key: 'cpu', label: 'cpu backend (pure JS), elbo kernels', env: { ELBO_BACKEND: 'cpu' }, once: true },
  { key: 'stock', label: "wasm, tfjs' own kernels (kernels: 'stock')", env: { ELBO_WASM_KERNELS: 'stock' } },
  { key: 'elbo', label: 'wasm, elbo kernels (plain SIMD)', env: {} },
  { key: 'relaxed', label: 'wasm, elbo kernels + relaxed SIMD', env: { ELBO_WASM_RELAXED_SIMD: '1' } },
  {
    key: 'relaxed+1',
    label: 'wasm, relaxed SIMD + 1 worker thread',
    env: { ELBO_WASM_RELAXED_SIMD: '1', BENCH_WORKERS: '1' },
    vaeOnly: true,
  },
];

function child(env) {
  const out = spawnSync(process.execPath, [join(here, 'speed-child.mjs')], {
    env: { ...process.env, ELBO_BACKEND: 'wasm', ...env },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`speed-child failed (${JSON.stringify(env)}): ${out.stderr.slice(-600)}`);
  return JSON.parse(out.stdout.trim().split('\n').pop());
}

function torch(threads) {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const out = execFileSync('/usr/bin/python3', [torchStep, anchors, process.env.TORCH_STEPS ?? '200', String(threads)], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const figures = {}; // name -> model -> [ms per round]
const record = (name, model, ms) => ((figures[name] ??= {})[model] ??= []).push(ms);
console.log(`Training step, 784-400-20 at batch 128 (Adam), ${rounds} rounds side by side; load ${load()}`);
for (let round = 1; round <= rounds; round++) {
  const line = [];
  for (const threads of [1, 2]) {
    const t = torch(threads);
    if (t == null) continue;
    record(`torch${threads}`, 'vae', t.vae_step_median_ms);
    record(`torch${threads}`, 'ae', t.ae_step_median_ms);
    line.push(`PyTorch ${threads}t VAE ${fmt(t.vae_step_median_ms, 2)} AE ${fmt(t.ae_step_median_ms, 2)}`);
  }
  for (const config of CONFIGS) {
    if (config.once && round > 1) continue;
    for (const model of config.vaeOnly ? ['vae'] : ['vae', 'ae']) {
      const r = child({ ...config.env, BENCH_MODEL: model, BENCH_MODE: 'step' });
      record(config.key, model, r.stepMs);
      if (round === 1 && model === 'vae') console.log(`  [${config.key}] ${r.reason}`);
      line.push(`${config.key} ${model.toUpperCase()} ${fmt(r.stepMs, 2)}`);
    }
  }
  console.log(`  round ${round} (ms/step, load ${load()}): ${line.join(' | ')}`);
}

for (const model of ['vae', 'ae']) {
  console.log(`\n${model === 'vae' ? 'VAE' : 'Deep autoencoder'}: median ms/step over the rounds (samples/s)`);
  const torchBest = Math.min(...[1, 2].map((t) => (figures[`torch${t}`]?.[model] ? median(figures[`torch${t}`][model]) : Infinity)));
  for (const t of [1, 2]) {
    const ms = figures[`torch${t}`]?.[model];
    if (ms)
      console.log(
        `  ${`PyTorch, ${t} thread${t > 1 ? 's' : ''}`.padEnd(44)} ${fmt(median(ms), 2).padStart(8)} ms ${fmt(128000 / median(ms), 0).padStart(7)}`,
      );
  }
  for (const config of CONFIGS) {
    const ms = figures[config.key]?.[model];
    if (!ms) continue;
    const m = median(ms);
    const ratio = Number.isFinite(torchBest) ? `  ${fmt(m / torchBest, 2)}x PyTorch's best` : '';
    console.log(`  ${config.label.padEnd(44)} ${fmt(m, 2).padStart(8)} ms ${fmt(128000 / m, 0).padStart(7)}${ratio}`);
  }
  if (!Number.isFinite(torchBest))
    console.log('  PyTorch not measured: apt-get install -y python3-torch (Debian) for the side-by-side ratio');
}

if (process.env.BENCH_FIT !== '0') {
  console.log('\nTest loss after 10 epochs on the 8000-digit split (seed 0), without and with the speed work:');
  for (const model of ['vae', 'ae']) {
    const runs = [
      ['stock', { ELBO_WASM_KERNELS: 'stock' }],
      ['relaxed', { ELBO_WASM_RELAXED_SIMD: '1' }],
      ...(model === 'vae' ? [['relaxed+1', { ELBO_WASM_RELAXED_SIMD: '1', BENCH_WORKERS: '1' }]] : []),
    ].map(([key, env]) => [key, child({ ...env, BENCH_MODEL: model, BENCH_MODE: 'fit' })]);
    const base = runs[0][1].testLoss;
    for (const [key, r] of runs) {
      console.log(
        `  ${model.toUpperCase()} ${key.padEnd(10)} test loss ${fmt(r.testLoss, 2)}  (diff ${fmt(r.testLoss - base, 2)} nats; target |diff| <= 0.3)  fit ${fmt(r.fitSeconds, 1)} s`,
      );
    }
  }
}

if (process.env.BENCH_SOAK !== '0') {
  console.log('\nMemory over 10,000 VAE training steps (wasm, relaxed SIMD): tensors and RSS every 1000 steps');
  const r = child({ ELBO_WASM_RELAXED_SIMD: '1', BENCH_MODEL: 'vae', BENCH_MODE: 'soak' });
  console.log(`  ${r.soak.map((p) => `${p.step}: ${p.numTensors} tensors, ${fmt(p.rssMiB, 0)} MiB`).join(' | ')}`);
  const [first, second, last] = [r.soak[0], r.soak[1], r.soak.at(-1)];
  console.log(
    `  numTensors ${first.numTensors} -> ${last.numTensors} (${last.numTensors === first.numTensors ? 'flat' : 'GROWS'}); RSS after 1000 steps ${fmt(second.rssMiB, 0)} MiB, at the end ${fmt(last.rssMiB, 0)} MiB`,
  );
}
