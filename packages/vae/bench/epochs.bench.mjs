// Training and log p(x) speed of the VAE beside PyTorch, by the method of tooling/bench-method.mjs:
// real digits, whole epochs, each side in a fresh process, interleaved rounds, min / median / spread for
// both sides, and no ratio where a side is unstable.
//
//   pnpm --filter @elbo/vae build && node packages/vae/bench/epochs.bench.mjs
//
// Sides: elbo with `selectBackend()`'s defaults (Node 20: wasm, elbo's kernels, plain SIMD), the same with
// relaxed SIMD, tfjs' stock wasm kernels (one round: the quality reference), and PyTorch at 1 and 2
// threads with its thread pools pinned. Each trains the pytorch/examples VAE (784-400-20) for
// BENCH_EPOCHS (10) epochs on the 8000 training digits and then times log p(x), K = 500, on
// BENCH_IWAE_IMAGES (2000) test digits. BENCH_ROUNDS (3) rounds; BENCH_SIDES picks sides (comma list).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistArrays } from '@elbo/datasets';
import { describe, interleavedRounds, pinnedThreadsEnv, ratioOrRefusal, summarize } from '../../../tooling/bench-method.mjs';
import { PYTHON, warnOnReferenceBlas, writeNpy } from '../../../tooling/torch-anchor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const anchors = process.env.ELBO_ANCHORS_DIR ?? resolve(here, '../../../../shared/anchors');
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const epochs = Number(process.env.BENCH_EPOCHS ?? 10);
const iwaeImages = Number(process.env.BENCH_IWAE_IMAGES ?? 2000);
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');

// The elbo sides get a clean environment: no ELBO_* setting leaks in from the caller's shell.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ELBO_')));
const SIDES = [
  { key: 'elbo-default', label: 'elbo, selectBackend() defaults', kind: 'elbo', env: {} },
  { key: 'elbo-relaxed', label: 'elbo, relaxed SIMD', kind: 'elbo', env: { ELBO_WASM_RELAXED_SIMD: '1' } },
  { key: 'elbo-stock', label: "elbo on tfjs' stock wasm kernels", kind: 'elbo', env: { ELBO_WASM_KERNELS: 'stock' }, rounds: 1 },
  { key: 'torch-1t', label: 'PyTorch, 1 thread', kind: 'torch', threads: 1 },
  { key: 'torch-2t', label: 'PyTorch, 2 threads', kind: 'torch', threads: 2 },
].filter((s) => process.env.BENCH_SIDES == null || process.env.BENCH_SIDES.split(',').includes(s.key));

const torchAvailable = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
if (torchAvailable) warnOnReferenceBlas();
const dataDir = mkdtempSync(join(tmpdir(), 'elbo-epochs-'));
const { train, test } = await mnistArrays();
writeNpy(join(dataDir, 'X_train.npy'), train.images, [train.images.length / 784, 784]);
writeNpy(join(dataDir, 'X_test.npy'), test.images, [test.images.length / 784, 784]);

function measure(side) {
  const run =
    side.kind === 'elbo'
      ? spawnSync(process.execPath, [join(here, 'epochs-child.mjs')], {
          env: { ...cleanEnv, ...side.env, BENCH_EPOCHS: String(epochs), BENCH_IWAE_IMAGES: String(iwaeImages) },
          encoding: 'utf8',
        })
      : torchAvailable
        ? spawnSync(
            PYTHON,
            [
              join(here, 'torch_epochs.py'),
              anchors,
              join(dataDir, 'X_train.npy'),
              join(dataDir, 'X_test.npy'),
              String(side.threads),
              String(epochs),
              String(iwaeImages),
            ],
            { env: { ...process.env, ...pinnedThreadsEnv(side.threads) }, encoding: 'utf8' },
          )
        : null;
  if (run == null) return null;
  if (run.status !== 0) throw new Error(`${side.key} failed: ${run.stderr.slice(-800)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

console.log(
  `VAE 784-400-20, ${epochs} epochs on the ${train.images.length / 784} training digits, batch 128; log p(x) K = 500 on ${iwaeImages} test digits; ` +
    `${rounds} interleaved rounds, a fresh process per side per round${torchAvailable ? '' : '; PyTorch not installed (apt-get install python3-torch libopenblas0-pthread): no peer'}`,
);
let results;
try {
  results = interleavedRounds(SIDES, rounds, measure, {
    onRound: (round, line) =>
      console.log(
        `  round ${round + 1}: ${line.map(([side, r]) => `${side.key} fit ${fmt(r.fitSeconds)} s${r.iwaeImagesPerSecond ? `, log p(x) ${fmt(r.iwaeImagesPerSecond, 1)} img/s` : ''}`).join(' | ')}`,
      ),
  });
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

// Figures per side: whole fits (one per round), epochs after each process's first (the steady state),
// steps within those epochs, and log p(x) images/s.
const figures = {};
for (const side of SIDES) {
  const rs = results[side.key];
  if (rs.length === 0) continue;
  figures[side.key] = {
    fit: summarize(rs.map((r) => r.fitSeconds)),
    epoch: summarize(rs.flatMap((r) => r.epochSeconds.slice(1))),
    step: summarize(rs.flatMap((r) => r.stepMs.slice(Math.ceil(r.stepMs.length / r.epochSeconds.length)))),
    iwae: rs[0].iwaeImagesPerSecond != null ? summarize(rs.map((r) => r.iwaeImagesPerSecond)) : null,
    testLoss: rs.map((r) => r.testLoss),
  };
  if (side.kind === 'elbo') figures[side.key].reason = rs[0].reason;
}

console.log('\nRaw figures per side: median (min-max; p10, median/p10, count)');
for (const side of SIDES) {
  const f = figures[side.key];
  if (f == null) continue;
  console.log(`  ${side.label}${f.reason ? ` [${f.reason}]` : ''}`);
  console.log(`    ${epochs}-epoch fit, s       ${describe(f.fit)}`);
  console.log(`    epoch (2nd on), s       ${describe(f.epoch, 3)}`);
  console.log(`    step (2nd epoch on), ms ${describe(f.step)}`);
  if (f.iwae) console.log(`    log p(x) K=500, img/s   ${describe(f.iwae, 1)}`);
  console.log(`    test loss               ${f.testLoss.map((v) => fmt(v)).join(', ')}`);
}

// The peer: PyTorch's best stable thread count, by median epoch time.
const peers = ['torch-1t', 'torch-2t'].filter((k) => figures[k] != null);
const stablePeers = peers.filter((k) => figures[k].epoch.stable);
const peer = (stablePeers.length > 0 ? stablePeers : peers).sort((a, b) => figures[a].epoch.median - figures[b].epoch.median)[0];
if (peer != null) {
  console.log(
    `\nAgainst ${SIDES.find((s) => s.key === peer).label} (its best${stablePeers.includes(peer) ? ' stable' : ''} thread count here):`,
  );
  const targets = { 'elbo-default': 1.5, 'elbo-relaxed': 1.2 };
  for (const side of SIDES.filter((s) => s.kind === 'elbo' && figures[s.key] != null)) {
    const f = figures[side.key];
    const p = figures[peer];
    const epochRatio = ratioOrRefusal(f.epoch, p.epoch);
    const fitRatio = ratioOrRefusal(f.fit, p.fit);
    const target = targets[side.key];
    const verdict =
      target == null || fitRatio.ratio == null
        ? ''
        : fitRatio.ratio <= target
          ? ` (target <= ${target}x: met)`
          : ` (target <= ${target}x: NOT met)`;
    console.log(`  ${side.label.padEnd(36)} whole fit ${fitRatio.text}${verdict}; epoch time ${epochRatio.text}`);
    if (f.iwae && p.iwae) {
      const r = ratioOrRefusal(f.iwae, p.iwae, { lowerIsBetter: false });
      const met = r.ratio == null ? '' : r.ratio >= 1 ? ' (target >= 1.0x: met)' : ' (target >= 1.0x: NOT met)';
      console.log(`  ${''.padEnd(36)} log p(x) images/s ${r.text} of PyTorch's${met}`);
    }
  }
}
const stock = figures['elbo-stock']?.testLoss[0];
if (stock != null) {
  console.log(`\nQuality (test loss, seed 0; target within 0.3 nats of the stock kernels' ${fmt(stock)}):`);
  for (const key of ['elbo-default', 'elbo-relaxed']) {
    if (figures[key] == null) continue;
    const worst = Math.max(...figures[key].testLoss.map((v) => Math.abs(v - stock)));
    console.log(
      `  ${key}: ${figures[key].testLoss.map((v) => fmt(v)).join(', ')} (largest difference ${fmt(worst)} nats: ${worst <= 0.3 ? 'met' : 'NOT met'})`,
    );
  }
}
