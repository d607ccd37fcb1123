// The built explorer in headless Chromium: train a few seconds, check the loss
// fell and the latent map has points, decode a clicked point, save to
// IndexedDB, reload, load, and decode the same point to the same image.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../../../tooling/chromium';
import { useBuiltExplorer } from './built-explorer';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface State {
  backend: string;
  reason: string;
  status: string;
  epoch: number;
  steps: number;
  losses: number[];
  mapPoints: number;
  decodedInk: number;
  decodedZ: [number, number] | null;
  firstPoint: [number, number] | null;
  hovered: number;
  saved: boolean;
  loaded: boolean;
  training: boolean;
  model: 'mlp' | 'conv';
  error: string | null;
}

const readState = (page: Page) =>
  page.evaluate(() => ({
    ...(globalThis as unknown as { explorer: State }).explorer,
    losses: [...(globalThis as unknown as { explorer: State }).explorer.losses],
  }));

async function waitFor(page: Page, what: string, predicate: (s: State) => boolean, ms = 120_000): Promise<State> {
  const start = Date.now();
  for (;;) {
    const s = await readState(page);
    if (s.error) throw new Error(`page error while waiting for ${what}: ${s.error}`);
    if (predicate(s)) return s;
    if (Date.now() - start > ms) throw new Error(`${what}: not reached within ${ms} ms; status "${s.status}"`);
    await page.waitForTimeout(250);
  }
}

/** Non-white pixels of a canvas (something was drawn). */
const inkOf = (page: Page, id: string) =>
  page.evaluate((canvasId) => {
    const c = document.getElementById(canvasId) as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && data[i]! < 200) n++;
    return n;
  }, id);

const available = chromiumAvailable();

describe.skipIf(!available)('web explorer in headless Chromium', () => {
  const explorer = useBuiltExplorer('elbo-explorer-');
  const logs: string[] = [];

  it('trains, maps, decodes, saves to IndexedDB and loads back', async () => {
    const context = await explorer.browser.newContext({ viewport: { width: 1500, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    try {
      await page.goto(explorer.url);
      const ready = await waitFor(page, 'digits loaded', (s) => s.status.includes('press Train'));
      console.log(`web explorer backend: ${ready.backend} (${ready.reason})`);
      expect(['webgl', 'wasm', 'cpu', 'webgpu']).toContain(ready.backend);
      expect(await page.textContent('#backend')).toContain(ready.backend);

      // Train until a few epochs have finished (a few seconds on wasm) and the map was redrawn from the trained encoder.
      await page.click('#train');
      const trained = await waitFor(page, 'three epochs of training', (s) => s.epoch >= 3);
      await page.click('#train'); // pause
      const paused = await waitFor(page, 'pause', (s) => s.status.startsWith('paused'));
      const head = trained.losses.slice(0, 5);
      const tail = paused.losses.slice(-5);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(`loss: first 5 batches ${mean(head).toFixed(1)}, last 5 ${mean(tail).toFixed(1)} nats (${paused.steps} batches)`);
      expect(paused.losses.every(Number.isFinite)).toBe(true);
      expect(mean(tail)).toBeLessThan(mean(head) - 20);
      expect(paused.mapPoints).toBeGreaterThan(0);
      expect(await inkOf(page, 'map')).toBeGreaterThan(500);

      // Hovering a point shows its digit.
      const mapBox = (await page.locator('#map').boundingBox())!;
      const [fx, fy] = paused.firstPoint!;
      const mapSize = await page.evaluate(() => (document.getElementById('map') as HTMLCanvasElement).width);
      await page.mouse.move(mapBox.x + (fx * mapBox.width) / mapSize, mapBox.y + (fy * mapBox.height) / mapSize);
      await waitFor(page, 'hover', (s) => s.hovered >= 0);
      expect(await page.isVisible('#hover')).toBe(true);
      expect(await inkOf(page, 'hover')).toBeGreaterThan(20);

      // A click decodes that z.
      const clickMap = async () => {
        const box = (await page.locator('#map').boundingBox())!;
        await page.mouse.click(box.x + box.width * 0.55, box.y + box.height * 0.45);
      };
      await clickMap();
      const decoded = await waitFor(page, 'decoded image', (s) => s.decodedInk > 0);
      expect(await inkOf(page, 'decoded')).toBeGreaterThan(100);
      expect(await page.textContent('#decoded-z')).toMatch(/^z = \(/);

      await page.click('#save');
      await waitFor(page, 'save', (s) => s.saved);
      await mkdir(join(appDir, 'out'), { recursive: true });
      await page.screenshot({ path: join(appDir, 'out', 'explorer.png'), fullPage: true });

      // A fresh page: untrained model; load the saved one and decode the same point.
      await page.reload();
      await waitFor(page, 'reload', (s) => s.status.includes('press Train'));
      await page.click('#load');
      const loaded = await waitFor(page, 'load', (s) => s.loaded);
      expect(loaded.mapPoints).toBeGreaterThan(0);
      await clickMap();
      const again = await waitFor(page, 'decoded image after load', (s) => s.decodedInk > 0);
      // Same weights, same map frame: the same pixel is the same z and decodes to the same image.
      expect(again.decodedZ![0]).toBeCloseTo(decoded.decodedZ![0], 4);
      expect(again.decodedZ![1]).toBeCloseTo(decoded.decodedZ![1], 4);
      expect(Math.abs(again.decodedInk - decoded.decodedInk)).toBeLessThan(1e-3 * decoded.decodedInk + 1e-3);
    } catch (error) {
      console.log(logs.join('\n'));
      throw error;
    } finally {
      await context.close();
    }
  });

  it('trains the convolutional VAE on wasm with elbo kernels, and saves and loads it as such', async () => {
    const context = await explorer.browser.newContext({ viewport: { width: 1500, height: 900 } });
    const page = await context.newPage();
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    try {
      await page.goto(explorer.url);
      const ready = await waitFor(page, 'digits loaded', (s) => s.status.includes('press Train'));
      await page.selectOption('#model', 'conv');
      await waitFor(page, 'a fresh convolutional VAE', (s) => s.model === 'conv' && s.status.includes('convolutional'));
      const started = Date.now();
      await page.click('#train');
      const trained = await waitFor(page, 'one epoch of the convolutional VAE', (s) => s.epoch >= 1, 240_000);
      await page.click('#train'); // pause
      const paused = await waitFor(page, 'pause', (s) => s.status.startsWith('paused'));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const [head, tail] = [paused.losses.slice(0, 5), paused.losses.slice(-5)];
      console.log(
        `conv VAE in Chromium (${ready.backend}): ${trained.steps} batches in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
          `loss first 5 ${mean(head).toFixed(1)}, last 5 ${mean(tail).toFixed(1)} nats`,
      );
      expect(paused.losses.every(Number.isFinite)).toBe(true);
      expect(mean(tail)).toBeLessThan(mean(head) - 20);
      expect(paused.mapPoints).toBeGreaterThan(0);
      expect(await inkOf(page, 'map')).toBeGreaterThan(50); // after one epoch the codes are still bunched near 0

      const clickMap = async () => {
        const box = (await page.locator('#map').boundingBox())!;
        await page.mouse.click(box.x + box.width * 0.45, box.y + box.height * 0.55);
      };
      await clickMap();
      const decoded = await waitFor(page, 'decoded image', (s) => s.decodedInk > 0);
      await page.click('#save');
      await waitFor(page, 'save', (s) => s.saved);

      // A fresh page starts with the MLP; loading brings back the convolutional model and its weights.
      await page.reload();
      await waitFor(page, 'reload', (s) => s.status.includes('press Train') && s.model === 'mlp');
      await page.click('#load');
      const loaded = await waitFor(page, 'load', (s) => s.loaded);
      expect(loaded.model).toBe('conv');
      expect(await page.inputValue('#model')).toBe('conv');
      await clickMap();
      const again = await waitFor(page, 'decoded image after load', (s) => s.decodedInk > 0);
      expect(again.decodedZ![0]).toBeCloseTo(decoded.decodedZ![0], 4);
      expect(Math.abs(again.decodedInk - decoded.decodedInk)).toBeLessThan(1e-3 * decoded.decodedInk + 1e-3);
    } catch (error) {
      console.log(logs.join('\n'));
      throw error;
    } finally {
      await context.close();
    }
  });
});
