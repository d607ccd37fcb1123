// Real-browser tests: selectBackend in headless Chromium (WebGL2 through
// SwiftShader here), on a page bundled by esbuild and served from 127.0.0.1.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelectBackendOptions } from '../../src/index';
import { expectClose } from '../../../../tooling/testing';
import { bundleBrowserModule } from '../../../../tooling/browser-bundle';
import { chromiumAvailable, launchChromium, openPage, within } from '../../../../tooling/chromium';
import type { MatMulResult, ScenarioResult } from './page-entry';
import { serve, type Route, type TestServer } from './server';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
const available = chromiumAvailable();

/** A browser entry (a file, or source text resolved from the package folder) bundled on the package's sources. */
const bundle = (entry: { file: string } | { source: string }) =>
  bundleBrowserModule('file' in entry ? entry : { ...entry, resolveDir: packageDir }, {
    '@elbo/backend-web': resolve(packageDir, 'src/index.ts'),
  });

/** The page, the two bundles and the wasm binaries, both at /wasm/ and where the default URLs point. */
async function routes(): Promise<Record<string, Route>> {
  const html = (script: string): Route => ({
    body: `<!doctype html><meta charset="utf-8"><title>elbo</title><script type="module" src="${script}"></script>`,
    type: 'text/html',
  });
  const readme = /```ts\n([\s\S]*?)```/.exec(readFileSync(resolve(packageDir, 'README.md'), 'utf8'));
  if (readme == null) throw new Error('README.md has no ```ts example');
  const table: Record<string, Route> = {
    '/': html('/page.js'),
    '/page.js': { body: await bundle({ file: resolve(here, 'page-entry.ts') }), type: 'text/javascript' },
    '/webgpu.html': html('/webgpu.js'),
    '/webgpu.js': { body: await bundle({ file: resolve(here, 'webgpu-entry.ts') }), type: 'text/javascript' },
    '/readme.html': html('/readme.js'),
    '/readme.js': { body: await bundle({ source: readme[1]! }), type: 'text/javascript' },
  };
  for (const file of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) {
    const wasm: Route = { body: readFileSync(resolve(wasmDir, file)), type: 'application/wasm' };
    table[`/wasm/${file}`] = wasm;
    // `new URL('@tensorflow/tfjs-backend-wasm/dist/<file>', import.meta.url)`, unrewritten, relative to /readme.js.
    table[`/@tensorflow/tfjs-backend-wasm/dist/${file}`] = wasm;
  }
  return table;
}

let server: TestServer | undefined;

beforeAll(async () => {
  if (available) server = await serve(await routes());
});
afterAll(async () => {
  await server?.close();
});

/** Runs one scenario in a fresh page of `browser`; the page's console comes with any failure. */
async function scenario(browser: Browser, options: SelectBackendOptions, { timing = false, path = '/' } = {}): Promise<ScenarioResult> {
  const { page, logs } = await openPage(browser, `${server!.url}${path}`);
  try {
    await page.waitForFunction(() => typeof (globalThis as { runScenario?: unknown }).runScenario === 'function');
    const run = page.evaluate(
      ([opts, time]) =>
        (globalThis as unknown as { runScenario: (o: unknown, t: boolean) => Promise<ScenarioResult> }).runScenario(opts, time),
      [{ wasmPaths: `${server!.url}/wasm/`, ...options }, timing] as const,
    );
    const result = await within(90_000, `selectBackend(${JSON.stringify(options)})`, run);
    // Printed so a CI log shows which backend each environment chose and why.
    console.log(`selectBackend(${JSON.stringify(options)}) -> ${result.selection.name}: ${result.selection.reason}`);
    return result;
  } catch (error) {
    throw new Error(`${(error as Error).message}\npage console:\n${logs.join('\n')}`);
  } finally {
    await page.close();
  }
}

/** The selected backend's matMul and convolution values and gradients equal cpu's to float32 accuracy, its gathered rows exactly. */
function expectSameAsCpu({ onSelected, onCpu }: { onSelected: MatMulResult; onCpu: MatMulResult }): void {
  const close = (actual: number[], expected: number[]) => {
    const scale = Math.max(...expected.map(Math.abs));
    expectClose(actual, expected, { rtol: 1e-4, atol: 1e-5 * scale });
  };
  close([onSelected.value], [onCpu.value]);
  expect(onSelected.gathered).toHaveLength(80);
  expect(onSelected.gathered).toEqual(onCpu.gathered); // a copy: bit for bit
  expect(onSelected.grads).toHaveLength(4);
  onSelected.grads.forEach((g, i) => {
    close(g.da, onCpu.grads[i]!.da);
    close(g.db, onCpu.grads[i]!.db);
  });
  // a convolution's loss and its gradients (input and both filters), trained through on every backend
  close([onSelected.conv.value], [onCpu.conv.value]);
  for (const key of ['dx', 'dFilter', 'dFilterTransposed'] as const) {
    expect(onSelected.conv[key]).toHaveLength(onCpu.conv[key].length);
    close(onSelected.conv[key], onCpu.conv[key]);
  }
}

const stepTimes: Record<string, number> = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('selectBackend in headless Chromium (SwiftShader WebGL)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    if (Object.keys(stepTimes).length > 0) {
      const ms = Object.entries(stepTimes)
        .map(([name, t]) => `${name} ${t.toFixed(1)}`)
        .join(', ');
      console.log(`128x784 @ 784x400 matMul step (forward + gradient + update), median ms: ${ms}`);
    }
  });

  it('selects webgl when software WebGL is allowed, says it is software, and matches cpu', async () => {
    const result = await scenario(browser, { prefer: ['webgl'], fallback: false, allowSoftwareWebGL: true }, { timing: true });
    expect(result.selection).toMatchObject({ name: 'webgl', tried: [{ name: 'webgl', ok: true }] });
    expect(result.backendAfter).toBe('webgl');
    expect(result.selection.reason).toMatch(
      /software renderer \(SwiftShader: .*SwiftShader.*\), accepted because allowSoftwareWebGL is true/,
    );
    expectSameAsCpu(result);
    stepTimes.webgl = result.stepMs!;
  });

  it('selects wasm when asked, with its binaries from wasmPaths, and matches cpu', async () => {
    const result = await scenario(browser, { prefer: ['wasm'], fallback: false }, { timing: true });
    expect(result.selection).toMatchObject({ name: 'wasm', tried: [{ name: 'wasm', ok: true }] });
    expect(result.backendAfter).toBe('wasm');
    expect(result.selection.reason).toMatch(/^WebAssembly \(SIMD, one thread/);
    expectSameAsCpu(result);
    stepTimes.wasm = result.stepMs!;
  });

  it('prefers wasm over software WebGL by default, and says why', async () => {
    const { selection } = await scenario(browser, {});
    expect(selection.name).toBe('wasm');
    expect(selection.tried.map((t) => [t.name, t.ok])).toEqual([
      ['webgl', false],
      ['wasm', true],
    ]);
    expect(selection.tried[0]!.error).toMatch(/^WebGL renders in software \(SwiftShader: .*\).*allowSoftwareWebGL: true/);
    expect(selection.reason).toContain('not used: webgl (WebGL renders in software (SwiftShader');
  });

  it('falls back to cpu, pointing at wasmPaths, when the .wasm files are not served', async () => {
    const { selection, onSelected, onCpu } = await scenario(browser, { prefer: ['wasm'], wasmPaths: `${server!.url}/missing/` });
    expect(selection.name).toBe('cpu');
    expect(selection.tried[0]).toMatchObject({ name: 'wasm', ok: false });
    expect(selection.tried[0]!.error).toBe(
      `tf.setBackend('wasm') returned false (are the .wasm files served? SIMD binary looked for at ${server!.url}/missing/; see the wasmPaths option)`,
    );
    expectSameAsCpu({ onSelected, onCpu });
  });

  it('tries webgpu only when asked, and falls back with the reason', async () => {
    const { selection } = await scenario(browser, { prefer: ['webgpu'] });
    expect(selection.tried[0]).toMatchObject({ name: 'webgpu', ok: false });
    expect(selection.tried[0]!.error).toMatch(/WebGPU/);
    expect(selection.name).toBe('wasm');
  });

  it("runs the README example: default wasm URLs, wasm chosen, the gradient's closed form", async () => {
    const { page, logs } = await openPage(browser, `${server!.url}/readme.html`);
    try {
      const done = async () => {
        while (!logs.some((l) => l.startsWith('log: gradient') || l.startsWith('pageerror'))) await sleep(100);
      };
      await within(90_000, 'the README example', done());
    } catch (error) {
      throw new Error(`${(error as Error).message}\npage console:\n${logs.join('\n')}`);
    } finally {
      await page.close();
    }
    expect(logs.filter((l) => l.startsWith('pageerror'))).toEqual([]);
    expect(logs.join('\n')).toMatch(/log: running on wasm: WebAssembly/);
    // d/dw sum((x w)^2) = 2 x^T x w with x = [[1, 2], [3, 4]], w = [0.5, -1]^T.
    expect(logs).toContain('log: gradient [[-18],[-26]]');
  });
});

describe.skipIf(!available)('selectBackend in headless Chromium with WebGL disabled', () => {
  let browser: Browser;
  beforeAll(async () => {
    // No GPU and no software rasterizer: no WebGL context at all. (`--disable-webgl`
    // alone is not enough in Chromium 150: it blocks <canvas> WebGL but not
    // OffscreenCanvas WebGL2, which tfjs uses.)
    browser = await launchChromium(['--disable-gpu', '--disable-software-rasterizer']);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('falls back to wasm and says WebGL could not start', async () => {
    const result = await scenario(browser, {});
    expect(result.selection.name).toBe('wasm');
    expect(result.selection.tried[0]).toMatchObject({ name: 'webgl', ok: false });
    expect(result.selection.reason).toMatch(/^WebAssembly .*; not used: webgl \(no WebGL context could be created/);
    expectSameAsCpu(result);
  });
});

describe.skipIf(!available)('selectBackend in headless Chromium with WebGPU enabled', () => {
  let browser: Browser;
  beforeAll(async () => {
    // Software WebGPU (SwiftShader's Vulkan), behind Chromium's flag on Linux.
    browser = await launchChromium(['--enable-unsafe-webgpu', '--enable-features=Vulkan']);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('selects webgpu when asked and the app loaded its backend, names the adapter, and matches cpu', async () => {
    const result = await scenario(browser, { prefer: ['webgpu'], fallback: false }, { path: '/webgpu.html' });
    expect(result.selection).toMatchObject({ name: 'webgpu', tried: [{ name: 'webgpu', ok: true }] });
    expect(result.backendAfter).toBe('webgpu');
    expect(result.selection.reason).toMatch(/^WebGPU on (a software adapter|the GPU) \(.+\), asked for$/);
    expectSameAsCpu(result);
  });

  it('leaves webgpu out of the default order even when it is loaded', async () => {
    const { selection } = await scenario(browser, {}, { path: '/webgpu.html' });
    expect(selection.tried.map((t) => t.name)).not.toContain('webgpu');
    expect(selection.name).toBe('wasm');
  });
});
