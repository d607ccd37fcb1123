// Training and log p(x) speed in the browser beside Node and PyTorch, by the method every elbo speed
// figure comes from (tooling/bench-method.mjs): real digits, whole epochs, each side in a fresh process
// (a fresh headless Chromium per round for the browser), interleaved rounds, min / median / spread for
// every side, and no ratio where a side is unstable.
//
//   pnpm --filter web-explorer bench     (after pnpm build; part of the root `pnpm bench`)
//
// Sides: Chromium (wasm with elbo's kernels; Chromium has relaxed SIMD on), elbo in Node with
// `selectBackend()`'s defaults, PyTorch at 1 and 2 threads (when /usr/bin/python3 has torch). Models: the
// 784-400-20 VAE, BENCH_EPOCHS (10) epochs on the 8000 training digits, then log p(x) (K = 500) on
// BENCH_IWAE_IMAGES (500) test digits; the Keras example's convolutional VAE, BENCH_CONV_EPOCHS (2). Chromium
// has no GPU here (its WebGL is SwiftShader, software), so the browser figure is the wasm path. Asserts only
// that every side ran and trained.
import { createRequire } from 'node:module';
import { copyFile, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleBrowserModule } from '../../../tooling/browser-bundle';
import { chromiumAvailable, launchChromium, openPage, within } from '../../../tooling/chromium';
// @ts-expect-error: a plain ESM script without types
import { interleavedRounds } from '../../../tooling/bench-method.mjs';
import {
  NODE_SIDES,
  TARGETS,
  TORCH_SIDES,
  measureProcessSide,
  prepareDigits,
  printRatios,
  printRawFigures,
  roundLine,
  summarizeSides,
  torchAvailable,
  // @ts-expect-error: a plain ESM script without types
} from '../../../packages/vae/bench/epochs-sides.mjs';
import { serveDir } from '../test/server';
import type { BrowserEpochsResult, BrowserEpochsSettings } from './epochs-page';

const here = dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const MODELS: { model: BrowserEpochsSettings['model']; title: string; epochs: number; iwaeImages: number }[] = [
  {
    model: 'vae',
    title: 'VAE 784-400-20',
    epochs: Number(process.env.BENCH_EPOCHS ?? 10),
    iwaeImages: Number(process.env.BENCH_IWAE_IMAGES ?? 500),
  },
  {
    model: 'conv',
    title: "Convolutional VAE (the Keras example's layers, latent 16)",
    epochs: Number(process.env.BENCH_CONV_EPOCHS ?? 2),
    iwaeImages: 0,
  },
];

interface Side {
  key: string;
  label: string;
  kind: 'browser' | 'node' | 'torch';
}

const available = chromiumAvailable();

describe.skipIf(!available)('training in Chromium beside Node and PyTorch, whole epochs', () => {
  let site: string;
  let server: Awaited<ReturnType<typeof serveDir>>;
  let digits: { train: { images: Float32Array }; test: { images: Float32Array }; dataDir: string; cleanup: () => void };

  beforeAll(async () => {
    site = await mkdtemp(join(tmpdir(), 'elbo-browser-bench-'));
    digits = await prepareDigits();
    // The same 8000 / 2000 digits as the Node and PyTorch sides, as raw float32 rows.
    for (const [name, rows] of [
      ['train.f32', digits.train.images],
      ['test.f32', digits.test.images],
    ] as const)
      await writeFile(join(site, name), new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
    await writeFile(join(site, 'page.js'), await bundleBrowserModule({ file: join(here, 'epochs-page.ts') }));
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
    digits?.cleanup();
    if (site) await rm(site, { recursive: true, force: true });
  });

  /** One measurement in a fresh headless Chromium. */
  async function measureBrowser(settings: BrowserEpochsSettings): Promise<BrowserEpochsResult> {
    const browser = await launchChromium();
    try {
      const { page, logs } = await openPage(browser, server.url);
      await page.waitForFunction(() => typeof (globalThis as { benchEpochs?: unknown }).benchEpochs === 'function');
      const run = page.evaluate(
        ([wasmPaths, s]) =>
          (globalThis as unknown as { benchEpochs: (o: unknown, s: unknown) => Promise<BrowserEpochsResult> }).benchEpochs(
            { prefer: ['wasm'], fallback: false, wasmPaths },
            s,
          ),
        [server.url, settings] as const,
      );
      const result = await within(900_000, 'the browser bench', run).catch((error: Error) => {
        throw new Error(`${error.message}\npage console:\n${logs.join('\n')}`);
      });
      return { ...result, reason: `${browser.version()}: ${result.reason}` };
    } finally {
      await browser.close();
    }
  }

  for (const { model, title, epochs, iwaeImages } of MODELS) {
    it(`${title}: prints every side's figures and the ratios`, async () => {
      const withTorch = torchAvailable() as boolean;
      const sides: Side[] = [
        { key: 'chromium', label: 'elbo, Chromium, wasm', kind: 'browser' },
        ...(NODE_SIDES as Side[]).filter((s) => s.key === 'elbo-default'),
        ...(withTorch ? (TORCH_SIDES as Side[]) : []),
      ];
      console.log(
        `\n${title}, ${epochs} epochs on the 8000 training digits, batch 128${iwaeImages > 0 ? `; log p(x) K = 500 on ${iwaeImages} test digits` : ''}; ` +
          `${rounds} interleaved rounds, a fresh process (a fresh Chromium) per side per round${withTorch ? '' : '; PyTorch not installed: no peer'}`,
      );
      const results = (await interleavedRounds(
        sides,
        rounds,
        (side: Side) =>
          side.kind === 'browser'
            ? measureBrowser({ model, epochs, iwaeImages })
            : measureProcessSide(side, { model, epochs, iwaeImages, dataDir: digits.dataDir }),
        { onRound: (round: number, line: unknown[]) => console.log(roundLine(round, line)) },
      )) as Record<string, unknown[]>;
      const figures = summarizeSides(sides, results);
      printRawFigures(figures, epochs);
      printRatios(figures, { targets: { chromium: [TARGETS.fitRelaxed], 'elbo-default': [TARGETS.fitDefault, TARGETS.fitRelaxed] } });
      const browser = results['chromium'] as BrowserEpochsResult[];
      expect(browser).toHaveLength(rounds);
      for (const r of browser) {
        expect(r.side).toBe('wasm');
        expect(r.epochSeconds).toHaveLength(epochs);
        expect(r.testLoss).toBeLessThan(model === 'vae' ? 200 : 250); // trained: an untrained model's -ELBO is ~540
      }
    }, 3_600_000);
  }
});
