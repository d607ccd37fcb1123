// "Your own images" in the built explorer in headless Chromium: real PNG files (written
// here in Node) and a text file go in through the file input and through a drop; the
// explorer says how many it read and skipped, trains its convolutional VAE, draws colour
// reconstructions and samples, stays responsive while training, and stops on Stop.
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { OwnImagesState } from '../src/own-images';
import { chromiumAvailable } from '../../../tooling/chromium';
import { pngOf } from './png';
import { useBuiltExplorer } from './built-explorer';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const available = chromiumAvailable();

/** Warm, striped 40 x 30 pictures: every one orange-ish, so even their mean colour is far from grey. */
const picture = (i: number) => ({
  name: `picture-${i}.png`,
  mimeType: 'image/png',
  buffer: pngOf(40, 30, (x, y) => ((x + y + 3 * i) % 12 < 6 ? [230, 120 + 4 * i, 20, 255] : [160, 60, 40 + 5 * i, 255])),
});
const textFile = (name: string) => ({ name, mimeType: 'text/plain', buffer: Buffer.from('these are not pixels') });

const readState = (page: Page) => page.evaluate(() => (globalThis as unknown as { ownImages?: OwnImagesState }).ownImages ?? null);

async function waitFor(page: Page, what: string, predicate: (s: OwnImagesState) => boolean, ms = 60_000): Promise<OwnImagesState> {
  const start = Date.now();
  for (;;) {
    const s = await readState(page);
    if (s?.error) throw new Error(`page error while waiting for ${what}: ${s.error}`);
    if (s != null && predicate(s)) return s;
    if (Date.now() - start > ms) throw new Error(`${what}: not reached within ${ms} ms; status "${s?.status}"`);
    await page.waitForTimeout(100);
  }
}

/** The share of a canvas's pixels (or of its top or bottom half) that are clearly coloured, not grey. */
const colourShare = (page: Page, id: string, half: 'all' | 'top' | 'bottom' = 'all') =>
  page.evaluate(
    ([canvasId, part]) => {
      const c = document.getElementById(canvasId) as HTMLCanvasElement;
      const [top, height] = part === 'all' ? [0, c.height] : part === 'top' ? [0, c.height / 2] : [c.height / 2, c.height / 2];
      const data = c.getContext('2d')!.getImageData(0, top, c.width, height).data;
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.max(data[i]!, data[i + 1]!, data[i + 2]!) - Math.min(data[i]!, data[i + 1]!, data[i + 2]!) > 40) coloured++;
      }
      return coloured / (data.length / 4);
    },
    [id, half] as const,
  );

describe.skipIf(!available)('the web explorer on your own images, in headless Chromium', () => {
  const explorer = useBuiltExplorer('elbo-explorer-own-');
  const logs: string[] = [];

  it('reads picked and dropped PNGs (skipping text files), trains the conv VAE, draws colour results, and stops on Stop', async () => {
    const page = await explorer.browser.newPage({ viewport: { width: 1500, height: 1200 } });
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    try {
      await page.goto(explorer.url);
      await waitFor(page, 'the panel', (s) => s.status.startsWith('drop images'));
      await page.selectOption('#own-size', '16');
      await page.fill('#own-epochs', '1');

      // Through the file input: 8 pictures and a text file.
      await page.setInputFiles('#files', [...[0, 1, 2, 3, 4, 5, 6, 7].map(picture), textFile('notes.txt')]);
      const picked = await waitFor(page, 'the picked files', (s) => s.files === 9 && s.status.startsWith('read'));
      expect(picked.read).toBe(8);
      expect(picked.skipped).toEqual(['notes.txt']);
      expect(picked.shape).toEqual([8, 16, 16, 3]);
      expect(await page.textContent('#own-status')).toMatch(/^read 8 images as 16 x 16 x 3; skipped 1 that are not images \(notes\.txt\)/);

      // Through a drop on the zone: 5 more pictures and another text file, sent as a DataTransfer.
      const dropped = [8, 9, 10, 11, 12].map(picture).concat(textFile('readme.txt'));
      await page.evaluate(
        (files) => {
          const data = new DataTransfer();
          for (const f of files) data.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.mimeType }));
          document.getElementById('drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
        },
        dropped.map((f) => ({ name: f.name, mimeType: f.mimeType, bytes: [...f.buffer] })),
      );
      const fromDrop = await waitFor(page, 'the dropped files', (s) => s.files === 6 && s.status.startsWith('read'));
      expect(fromDrop.read).toBe(5);
      expect(fromDrop.skipped).toEqual(['readme.txt']);
      expect(await page.textContent('#own-status')).toContain('read 5 images as 16 x 16 x 3; skipped 1');

      // One short epoch, then colour in every grid: the originals, their reconstructions and the samples.
      await page.click('#own-train');
      const trained = await waitFor(page, 'one epoch', (s) => !s.training && s.status.startsWith('done'));
      expect(trained.epoch).toBe(1);
      expect(trained.status).toBe('done after 1 epoch (1 batch) on 5 images');
      expect(trained.steps).toBeGreaterThanOrEqual(1);
      expect(trained.shown).toBeGreaterThanOrEqual(1);
      expect(trained.losses.every(Number.isFinite)).toBe(true);
      const shares = [
        await colourShare(page, 'own-reconstructions', 'top'),
        await colourShare(page, 'own-reconstructions', 'bottom'),
        await colourShare(page, 'own-samples'),
      ];
      console.log(
        `coloured pixels: originals ${shares[0]!.toFixed(2)}, reconstructions ${shares[1]!.toFixed(2)}, samples ${shares[2]!.toFixed(2)}`,
      );
      expect(shares[0]).toBeGreaterThan(0.9);
      expect(shares[1]).toBeGreaterThan(0.5);
      expect(shares[2]).toBeGreaterThan(0.5);
      await mkdir(join(appDir, 'out'), { recursive: true });
      await page.locator('#own-panel').screenshot({ path: join(appDir, 'out', 'own-images.png') });

      // A long run stays responsive (the page answers between batches) and Stop ends it.
      await page.fill('#own-epochs', '500');
      await page.click('#own-train');
      await waitFor(page, 'a few batches', (s) => s.training && s.steps >= 3);
      const asked = Date.now();
      await page.evaluate(() => document.getElementById('own-status')!.textContent);
      expect(Date.now() - asked).toBeLessThan(2000);
      await page.click('#own-stop');
      const stopped = await waitFor(page, 'stop', (s) => !s.training && s.status.startsWith('stopped'));
      expect(stopped.epoch).toBeLessThan(500);
      // the second model replaced the first: the same tensors alive (images and one model's weights), none left by training
      expect(stopped.tensors).toBe(trained.tensors);
      expect(await page.isDisabled('#own-stop')).toBe(true);

      // Grey: the same files read again as one channel.
      await page.selectOption('#own-channels', '1');
      const grey = await waitFor(page, 'grey', (s) => s.shape[3] === 1 && s.status.startsWith('read'));
      expect(grey.shape).toEqual([5, 16, 16, 1]);
      expect(grey.tensors).toBe(stopped.tensors); // the RGB images disposed, the grey ones in their place

      // Two options changed at once: two reads overlap, the later one's images are kept, the other's disposed.
      await page.evaluate(() => {
        const changes: [string, string][] = [
          ['own-size', '32'],
          ['own-fit', 'contain'],
        ];
        for (const [id, value] of changes) {
          const select = document.getElementById(id) as HTMLSelectElement;
          select.value = value;
          select.dispatchEvent(new Event('change'));
        }
      });
      const both = await waitFor(page, 'the second read', (s) => s.shape[1] === 32 && s.status.startsWith('read'));
      await page.waitForTimeout(300); // let the first read finish too, if it was still going
      expect((await readState(page))!.tensors).toBe(grey.tensors);
      expect(both.shape).toEqual([5, 32, 32, 1]);
    } catch (error) {
      console.log(logs.join('\n'));
      throw error;
    } finally {
      await page.close();
    }
  });
});
