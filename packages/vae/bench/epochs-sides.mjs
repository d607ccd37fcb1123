// The sides of the whole-epoch speed benchmark (issue #18's method, tooling/bench-method.mjs), shared by
// epochs.bench.mjs (Node against PyTorch) and the web explorer's Chromium bench: how each side is run
// in a fresh process, and how its rounds are summarized, printed and compared with the peer.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistArrays } from '@elbo/datasets';
import { describe, pinnedThreadsEnv, ratioOrRefusal, summarize } from '../../../tooling/bench-method.mjs';
import { PYTHON, warnOnReferenceBlas, writeNpy } from '../../../tooling/torch-anchor.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const anchors = process.env.ELBO_ANCHORS_DIR ?? resolve(here, '../../../../shared/anchors');
const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** Targets of issue #18, as ratios of whole-fit medians to the peer's (times) or of images/s (rates). */
export const TARGETS = { fitDefault: 1.5, fitRelaxed: 1.2, logLikelihood: 1.0, qualityNats: 0.3 };

/** The elbo sides run in Node (epochs-child.mjs), with a clean environment plus `env`. */
export const NODE_SIDES = [
  { key: 'elbo-default', label: 'elbo, Node, selectBackend() defaults', kind: 'node', env: {} },
  { key: 'elbo-1thread', label: 'elbo, Node, defaults but one thread (threads: 1)', kind: 'node', env: { ELBO_WASM_THREADS: '1' } },
  { key: 'elbo-plain', label: 'elbo, Node, plain SIMD (relaxedSimd: false)', kind: 'node', env: { ELBO_WASM_RELAXED_SIMD: '0' } },
  { key: 'elbo-stock', label: "elbo, Node, tfjs' stock wasm kernels", kind: 'node', env: { ELBO_WASM_KERNELS: 'stock' }, rounds: 1 },
  // Only when BENCH_SIDES names them: batch 512 without and with one worker thread (`parallel`).
  { key: 'elbo-b512', label: 'elbo, Node, defaults, batch 512', kind: 'node', env: { BENCH_BATCH: '512' }, optional: true },
  {
    key: 'elbo-b512-worker',
    label: 'elbo, Node, batch 512, 1 worker, threads: 1',
    kind: 'node',
    // The replica takes the second core, so the products stay on one thread (as the README says to do).
    env: { BENCH_BATCH: '512', BENCH_WORKERS: '1', ELBO_WASM_THREADS: '1' },
    optional: true,
  },
];

/** PyTorch at 1 and 2 threads, its thread pools pinned before it starts. */
export const TORCH_SIDES = [1, 2].map((threads) => ({
  key: `torch-${threads}t`,
  label: `PyTorch, ${threads} thread${threads > 1 ? 's' : ''}`,
  kind: 'torch',
  threads,
}));

/** Whether /usr/bin/python3 has torch (warns once when its BLAS is the slow reference one). */
export function torchAvailable() {
  const ok = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (ok) warnOnReferenceBlas();
  return ok;
}

/**
 * The 8000 training and 2000 test digits as .npy files for the PyTorch side; `cleanup()` removes them.
 * @returns {{ train, test, dataDir, cleanup }}
 */
export async function prepareDigits() {
  const { train, test } = await mnistArrays();
  const dataDir = mkdtempSync(join(tmpdir(), 'elbo-epochs-'));
  writeNpy(join(dataDir, 'X_train.npy'), train.images, [train.images.length / 784, 784]);
  writeNpy(join(dataDir, 'X_test.npy'), test.images, [test.images.length / 784, 784]);
  return { train, test, dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) };
}

// The elbo sides get a clean environment: no ELBO_* setting leaks in from the caller's shell.
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ELBO_')));

/**
 * One measurement of a Node or PyTorch side in a fresh process: `{ epochSeconds, fitSeconds, stepMs,
 * testLoss, iwaeImagesPerSecond? }`.
 * @param settings - `{ model: 'vae' | 'ae' | 'conv', epochs, iwaeImages, dataDir }`.
 */
export function measureProcessSide(side, { model, epochs, iwaeImages, dataDir }) {
  const run =
    side.kind === 'node'
      ? spawnSync(process.execPath, [join(here, 'epochs-child.mjs')], {
          env: {
            ...cleanEnv(),
            BENCH_BATCH: '128',
            BENCH_WORKERS: '0',
            ...side.env,
            BENCH_MODEL: model,
            BENCH_EPOCHS: String(epochs),
            BENCH_IWAE_IMAGES: String(iwaeImages),
          },
          encoding: 'utf8',
        })
      : spawnSync(
          PYTHON,
          [
            join(here, 'torch_epochs.py'),
            anchors,
            join(dataDir, 'X_train.npy'),
            join(dataDir, 'X_test.npy'),
            String(side.threads),
            String(epochs),
            String(iwaeImages),
            model,
          ],
          { env: { ...process.env, ...pinnedThreadsEnv(side.threads) }, encoding: 'utf8' },
        );
  if (run.status !== 0) throw new Error(`${side.key} (${model}) failed: ${(run.stderr ?? '').slice(-800)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

/** One line per round: each side's whole fit and log p(x) rate. */
export function roundLine(round, line) {
  return `  round ${round + 1}: ${line
    .map(
      ([side, r]) =>
        `${side.key} fit ${fmt(r.fitSeconds)} s${r.iwaeImagesPerSecond ? `, log p(x) ${fmt(r.iwaeImagesPerSecond, 1)} img/s` : ''}`,
    )
    .join(' | ')}`;
}

/**
 * Per side: whole fits (one per round), epochs after each process's first (the steady state), steps
 * within those epochs, log p(x) images/s and the test losses.
 */
export function summarizeSides(sides, results) {
  const figures = {};
  for (const side of sides) {
    const rs = results[side.key] ?? [];
    if (rs.length === 0) continue;
    const stepsPerEpoch = (r) => Math.ceil(r.stepMs.length / r.epochSeconds.length);
    const of = (values) => (values.length > 0 && values.every(Number.isFinite) ? summarize(values) : null);
    figures[side.key] = {
      side,
      fit: of(rs.map((r) => r.fitSeconds)),
      epoch: of(rs.flatMap((r) => r.epochSeconds.slice(1))),
      step: of(rs.flatMap((r) => r.stepMs.slice(stepsPerEpoch(r)))),
      iwae: of(rs.map((r) => r.iwaeImagesPerSecond ?? NaN)),
      testLoss: rs.map((r) => r.testLoss),
      reason: rs[0].reason,
    };
  }
  return figures;
}

/** The raw figures of every side: median (min-max; p10, median/p10, count). */
export function printRawFigures(figures, epochs) {
  console.log('\nRaw figures per side: median (min-max; p10, median/p10, count)');
  for (const f of Object.values(figures)) {
    console.log(`  ${f.side.label}${f.reason ? ` [${f.reason}]` : ''}`);
    console.log(`    ${epochs}-epoch fit, s       ${describe(f.fit)}`);
    if (f.epoch) console.log(`    epoch (2nd on), s       ${describe(f.epoch, 3)}`);
    if (f.step) console.log(`    step (2nd epoch on), ms ${describe(f.step)}`);
    if (f.iwae) console.log(`    log p(x) K=500, img/s   ${describe(f.iwae, 1)}`);
    console.log(`    test loss               ${f.testLoss.map((v) => fmt(v)).join(', ')}`);
  }
}

/**
 * Ratios of each elbo side to PyTorch's best stable thread count (by median epoch time; for log p(x), by
 * median images/s), or why there is none; marks the targets.
 */
export function printRatios(figures, { targets = {} } = {}) {
  const torchKeys = Object.keys(figures).filter((k) => figures[k].side.kind === 'torch');
  const best = (keys, by, lowerIsBetter) => {
    const stable = keys.filter((k) => figures[k][by]?.stable);
    const pool = (stable.length > 0 ? stable : keys).filter((k) => figures[k][by] != null);
    return pool.sort((a, b) => (lowerIsBetter ? 1 : -1) * (figures[a][by].median - figures[b][by].median))[0];
  };
  const by = torchKeys.every((k) => figures[k].epoch != null) ? 'epoch' : 'fit';
  const peer = best(torchKeys, by, true);
  const iwaePeer = best(torchKeys, 'iwae', false);
  if (peer == null) return;
  const stableNote = figures[peer][by].stable ? ' stable' : ' (unstable)';
  console.log(`\nAgainst ${figures[peer].side.label}, PyTorch's best${stableNote} thread count here for training:`);
  const verdict = (ratio, target, atMost) =>
    ratio == null || target == null
      ? ''
      : ` (target ${atMost ? '<=' : '>='} ${target.toFixed(1)}x: ${(atMost ? ratio <= target : ratio >= target) ? 'met' : 'NOT met'})`;
  for (const f of Object.values(figures).filter((x) => x.side.kind !== 'torch')) {
    const fitRatio = ratioOrRefusal(f.fit, figures[peer].fit);
    const epochRatio = f.epoch && figures[peer].epoch ? ratioOrRefusal(f.epoch, figures[peer].epoch) : { text: '- (one epoch a process)' };
    const target = targets[f.side.key];
    const marks = (Array.isArray(target) ? target : target == null ? [] : [target]).map((t) => verdict(fitRatio.ratio, t, true)).join('');
    console.log(`  ${f.side.label.padEnd(44)} whole fit ${fitRatio.text}${marks}; epoch ${epochRatio.text}`);
    // log p(x) against each PyTorch side; the target is against the best (its thread count for this workload)
    for (const key of torchKeys.filter((k) => f.iwae && figures[k].iwae)) {
      const r = ratioOrRefusal(f.iwae, figures[key].iwae, { lowerIsBetter: false });
      const targeted = key === iwaePeer && (f.side.key === 'elbo-default' || f.side.kind === 'browser');
      const mark = targeted ? verdict(r.ratio, TARGETS.logLikelihood, false) : '';
      console.log(`  ${''.padEnd(44)} log p(x) images/s ${r.text} of those of ${figures[key].side.label}${mark}`);
    }
  }
}

/** Test loss of each elbo side beside the stock kernels' (the quality target). */
export function printQuality(figures) {
  const stock = figures['elbo-stock']?.testLoss[0];
  if (stock == null) return;
  console.log(`\nQuality (test loss, seed 0; target within ${TARGETS.qualityNats} nats of the stock kernels' ${fmt(stock)}):`);
  for (const f of Object.values(figures).filter((x) => x.side.kind !== 'torch' && x.side.key !== 'elbo-stock')) {
    const worst = Math.max(...f.testLoss.map((v) => Math.abs(v - stock)));
    console.log(
      `  ${f.side.key}: ${f.testLoss.map((v) => fmt(v)).join(', ')} (largest difference ${fmt(worst)} nats: ${worst <= TARGETS.qualityNats ? 'met' : 'NOT met'})`,
    );
  }
}
