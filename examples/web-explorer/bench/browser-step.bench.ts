// Training speed in the browser, beside PyTorch and Node in the same run:
//
//   pnpm --filter web-explorer bench     (after pnpm build; part of the root `pnpm bench`)
//
// One VAE training step (784-400-20, Bernoulli, Adam, batch 128) in headless Chromium on
// wasm with elbo's kernels, PyTorch's step with 1 thread (when /usr/bin/python3 has torch),
// and elbo's step in Node 20 (wasm, default flags and relaxed SIMD). Prints the figures;
// asserts only that each side ran and trained. Chromium has no GPU here (its WebGL is
// SwiftShader, software), so the browser figure is the wasm path.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { writeDigits } from '../scripts/digits.mjs';
import { mnistArrays } from '@elbo/datasets';
import { chromiumAvailable, launchChromium, openPage, within } from '../../../tooling/chromium';
// @ts-expect-error: a plain ESM script without types
import { runTorchAnchor } from '../../../tooling/torch-anchor.mjs';
import { serveDir } from '../test/server';
import type { BrowserStepResult } from './step-page';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const anchors = process.env.ELBO_ANCHORS_DIR ?? resolve(root, '../shared/anchors');
const STEPS = 70;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** PyTorch's VAE step (1 thread) from the anchors' model, or null without torch. */
function torchStepMs(): number | null {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const out = execFileSync('/usr/bin/python3', [resolve(root, 'packages/autoencoder/bench/torch_step.py'), anchors, '200', '1'], {
    encoding: 'utf8',
  });
  return (JSON.parse(out.trim().split('\n').pop()!) as { vae_step_median_ms: number }).vae_step_median_ms;
}

/** elbo's VAE step in a fresh Node process (packages/vae/bench/speed-child.mjs), wasm. */
function nodeStepMs(relaxedSimd: boolean): number {
  const out = spawnSync(process.execPath, [resolve(root, 'packages/vae/bench/speed-child.mjs')], {
    env: { ...process.env, ELBO_BACKEND: 'wasm', ELBO_WASM_RELAXED_SIMD: relaxedSimd ? '1' : '0', BENCH_MODE: 'step' },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`speed-child failed: ${out.stderr.slice(-600)}`);
  return (JSON.parse(out.stdout.trim().split('\n').pop()!) as { stepMs: number }).stepMs;
}

const available = chromiumAvailable();

describe.skipIf(!available)('VAE training step in Chromium, beside PyTorch and Node', () => {
  let site: string;
  let server: Awaited<ReturnType<typeof serveDir>>;

  beforeAll(async () => {
    site = await mkdtemp(join(tmpdir(), 'elbo-browser-bench-'));
    await writeDigits(site);
    const page = await build({
      entryPoints: [join(here, 'step-page.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      logLevel: 'silent',
    });
    await writeFile(join(site, 'page.js'), page.outputFiles[0]!.text);
    await writeFile(
      join(site, 'index.html'),
      '<!doctype html><meta charset="utf-8"><title>elbo bench</title><script type="module" src="/page.js"></script>',
    );
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
    for (const file of (await readdir(wasmDir)).filter((f) => f.endsWith('.wasm'))) await copyFile(join(wasmDir, file), join(site, file));
    server = await serveDir(site);
  });

  afterAll(async () => {
    await server?.close();
    if (site) await rm(site, { recursive: true, force: true });
  });

  it('prints ms per step: Chromium (wasm), Node 20 (wasm), PyTorch (1 thread)', async () => {
    const browser = await launchChromium();
    const chromeVersion = `Chromium ${browser.version()}`;
    let chromium: BrowserStepResult;
    try {
      const { page, logs } = await openPage(browser, server.url);
      await page.waitForFunction(() => typeof (globalThis as { benchStep?: unknown }).benchStep === 'function');
      const run = page.evaluate(
        ([wasmPaths, steps]) =>
          (globalThis as unknown as { benchStep: (o: unknown, s: number) => Promise<BrowserStepResult> }).benchStep(
            { prefer: ['wasm'], fallback: false, wasmPaths },
            steps,
          ),
        [server.url, STEPS] as const,
      );
      chromium = await within(300_000, 'the browser bench', run).catch((error: Error) => {
        throw new Error(`${error.message}\npage console:\n${logs.join('\n')}`);
      });
    } finally {
      await browser.close();
    }
    const torch = torchStepMs();
    const node = [nodeStepMs(false), nodeStepMs(true)];
    const ratio = (ms: number) => (torch == null ? '' : `  ${(ms / torch).toFixed(2)}x PyTorch`);
    console.log(
      `\nVAE training step, 784-400-20 at batch 128, Adam; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(
      `  ${chromeVersion}, ${chromium.backend}: ${chromium.stepMs.toFixed(2)} ms/step${ratio(chromium.stepMs)}; whole fit over 4000 digits ${chromium.fitSamplesPerSecond.toFixed(0)} samples/s`,
    );
    console.log(`    (${chromium.reason})`);
    console.log(`  Node ${process.versions.node}, wasm, default flags: ${node[0]!.toFixed(2)} ms/step${ratio(node[0]!)}`);
    console.log(`  Node ${process.versions.node}, wasm, relaxedSimd: ${node[1]!.toFixed(2)} ms/step${ratio(node[1]!)}`);
    console.log(
      torch == null
        ? '  PyTorch not measured: apt-get install -y python3-torch (Debian)'
        : `  PyTorch (1 thread): ${torch.toFixed(2)} ms/step`,
    );
    console.log(`  (median of ${STEPS - 11} steps in Chromium; Node and PyTorch as in packages/vae/bench/speed.bench.mjs)`);
    expect(chromium.backend).toBe('wasm');
    expect(Number.isFinite(chromium.stepMs) && chromium.stepMs > 0).toBe(true);
    expect(chromium.lastLoss).toBeLessThan(250); // trained: the first batches' -ELBO is ~540
    expect(median(node)).toBeGreaterThan(0);
  });

  it('prints ms per step of the convolutional VAE: Chromium (wasm) beside PyTorch (1 thread)', async () => {
    const browser = await launchChromium();
    let chromium: { stepMs: number; reason: string };
    try {
      const { page, logs } = await openPage(browser, server.url);
      await page.waitForFunction(() => typeof (globalThis as { benchConvStep?: unknown }).benchConvStep === 'function');
      const run = page.evaluate(
        ([wasmPaths, steps]) =>
          (
            globalThis as unknown as { benchConvStep: (o: unknown, s: number) => Promise<{ stepMs: number; reason: string }> }
          ).benchConvStep({ prefer: ['wasm'], fallback: false, wasmPaths }, steps),
        [server.url, 20] as const,
      );
      chromium = await within(300_000, 'the browser conv bench', run).catch((error: Error) => {
        throw new Error(`${error.message}\npage console:\n${logs.join('\n')}`);
      });
    } finally {
      await browser.close();
    }
    const { train, test } = await mnistArrays();
    const torch = runTorchAnchor(anchors, 'ref_torch_convvae.py', ['--steps-only'], { train: train.images, test: test.images }) as {
      json?: { step_ms_batch128: { threads1: number } };
      skipped?: string;
    };
    const torchMs = torch.json?.step_ms_batch128.threads1;
    console.log(
      `\nconvolutional VAE training step (Keras example layers, latent 16, batch 128, Adam): Chromium wasm ${chromium.stepMs.toFixed(1)} ms` +
        (torchMs == null
          ? `; PyTorch not measured (${torch.skipped})`
          : `, PyTorch 1 thread ${torchMs.toFixed(1)} ms: ${(chromium.stepMs / torchMs).toFixed(2)}x`),
    );
    console.log(`    (${chromium.reason})`);
    expect(Number.isFinite(chromium.stepMs) && chromium.stepMs > 0).toBe(true);
  });
});
