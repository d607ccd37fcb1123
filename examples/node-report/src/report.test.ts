import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE } from './args';
import { main } from './main';
import { SECTIONS } from './sections';

function capture(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), isTTY: false, cwd } };
}

describe('pnpm demo --quick', () => {
  let dir: string;
  let html: string;
  let stdout: string;
  let status: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'elbo-report-'));
    const c = capture(dir);
    status = await main(['--quick', '--out', 'report-out', '--seed', '3'], c.io);
    stdout = c.out.join('');
    if (status !== 0) throw new Error(`report exited ${status}: ${c.err.join('')}`);
    html = await readFile(join(dir, 'report-out', 'report.html'), 'utf8');
  }, 120_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 and writes report.html into --out, resolved against the working folder', () => {
    expect(status).toBe(0);
    expect(stdout).toContain(join(dir, 'report-out', 'report.html'));
  });

  it('has every section title, in the page and in the terminal summary', () => {
    expect(SECTIONS.length).toBeGreaterThan(0);
    for (const section of SECTIONS) {
      expect(html).toContain(`${section.title.replace(/&/g, '&amp;').replace(/'/g, '&#39;')}</h2>`);
      expect(stdout).toContain(section.title);
    }
  });

  it('shows log p(x) = ELBO + KL exactly on the linear-Gaussian VAE, and the IWAE bound rising with K on the deep one', () => {
    const worst = /the largest difference is ([-0-9.e]+) nats/.exec(html);
    expect(worst, 'the exact check of the identity').not.toBeNull();
    expect(Number(worst![1])).toBeLessThan(1e-6);
    const bounds = [...html.matchAll(/<tr><td>(\d+)(?: \(the ELBO\))?<\/td><td><b>([-0-9.e]+)<\/b>/g)].map((m) => Number(m[2]));
    expect(bounds.length).toBe(3);
    expect(bounds[2]!).toBeGreaterThan(bounds[0]!);
  });

  it('prints no NaN or Infinity anywhere in the page', () => {
    // base64 image data can spell "NaN" by chance (it did, with seed 3): look at the text only
    const text = html.replace(/data:[a-z/+]+;base64,[A-Za-z0-9+/=]+/g, 'data:');
    expect(text).not.toMatch(/\bNaN\b/);
    expect(text).not.toMatch(/\bInfinity\b/);
    expect(text.length).toBeGreaterThan(1000);
  });

  it('is self-contained: no external scripts, styles or images', () => {
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html).not.toMatch(/<img[^>]+src="(?!data:image\/png;base64,)/i);
  });

  it('writes every PNG it inlines, and each decodes to a non-empty image', async () => {
    const files = (await readdir(join(dir, 'report-out'))).filter((f) => f.endsWith('.png'));
    const inlined = html.match(/data:image\/png;base64,/g) ?? [];
    expect(files.length).toBe(inlined.length);
    for (const file of files) {
      const png = PNG.sync.read(await readFile(join(dir, 'report-out', file)));
      expect(png.width, file).toBeGreaterThan(0);
      expect(png.height, file).toBeGreaterThan(0);
      // not one flat colour: the figure shows something
      const first = png.data.readUInt32BE(0);
      let differs = false;
      for (let i = 4; i < png.data.length && !differs; i += 4) differs = png.data.readUInt32BE(i) !== first;
      expect(differs, `${file} is a single colour`).toBe(true);
    }
  });
});

describe('command line', () => {
  it.each([['--bogus'], ['--epochs', 'zero'], ['--epochs', '0'], ['--seed', '-1'], ['extra-positional'], ['--out']])(
    'rejects %s with usage on stderr and exit status 2',
    async (...argv) => {
      const c = capture(tmpdir());
      expect(await main(argv, c.io)).toBe(2);
      expect(c.err.join('')).toContain(USAGE);
      expect(c.out.join('')).toBe('');
    },
  );

  it.each([[['--help']], [['--', '--help']]])('%j prints usage and exits 0', async (argv) => {
    const c = capture(tmpdir());
    expect(await main(argv, c.io)).toBe(0);
    expect(c.out.join('')).toBe(USAGE);
  });
});
