// The explorer as the browser tests use it: built with Vite (sources aliased, so no package
// build is needed), served from a temporary folder, and one headless Chromium for the file.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll } from 'vitest';
// @ts-expect-error: a plain ESM script without types
import { writeDigits } from '../scripts/digits.mjs';
import { launchChromium } from '../../../tooling/chromium';
import { sourceAliases } from '../../../tooling/vitest.shared';
import { serveDir } from './server';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What a test reads once `beforeAll` has run: the page's URL and the browser. */
export interface BuiltExplorer {
  url: string;
  browser: Browser;
}

/**
 * Registers the `beforeAll` that builds, serves and opens the explorer, and the `afterAll` that
 * closes and removes it all; call it inside a `describe`.
 */
export function useBuiltExplorer(prefix: string): BuiltExplorer {
  const explorer = {} as BuiltExplorer;
  let outDir: string | undefined;
  let server: Awaited<ReturnType<typeof serveDir>> | undefined;
  beforeAll(async () => {
    await writeDigits();
    outDir = await mkdtemp(join(tmpdir(), prefix));
    await build({ root: appDir, logLevel: 'warn', resolve: { alias: sourceAliases }, build: { outDir, emptyOutDir: true } });
    server = await serveDir(outDir);
    explorer.url = server.url;
    explorer.browser = await launchChromium();
  });
  afterAll(async () => {
    await explorer.browser?.close();
    await server?.close();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });
  return explorer;
}
