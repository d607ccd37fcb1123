import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE, parseReportArgs } from './args';
import { main } from './main';
import { runReport } from './report';
import { SECTIONS } from './sections';
import { vaeOutliersSection } from './sections/vae-outliers';

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

  it('scores outliers: an AUROC row per method on every probe set, and a DoSE threshold for a 5% false-positive rate', () => {
    const start = html.indexOf('<section id="vae-outliers">');
    expect(start, 'the vae-outliers section').toBeGreaterThan(-1);
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('DoSE');
    expect(section).toContain(
      '<th>score</th><th>uniform noise</th><th>lines</th><th>inverted digits</th><th>constant images</th><th>sparse dots</th>',
    );
    const methods = { 'log-likelihood': 'raw log p(x)', typicality: 'typicality', dose: 'DoSE' };
    for (const [method, label] of Object.entries(methods)) {
      const head = `<tr><td>${label} (<code>'${method}'</code>)</td>`;
      const at = section.indexOf(head);
      expect(at, `the AUROC row of ${method}`).toBeGreaterThan(-1);
      const row = section.slice(at + head.length, section.indexOf('</tr>', at));
      // five AUROCs to 3 decimals, bold when >= 0.95
      const cells = [...row.matchAll(/<td>(<b>)?(\d\.\d{3})(<\/b>)?<\/td>/g)];
      expect(cells.length, row).toBe(5);
      for (const [, bold, value] of cells) {
        expect(Number(value)).toBeGreaterThanOrEqual(0);
        expect(Number(value)).toBeLessThanOrEqual(1);
        expect(Boolean(bold), `${method}: ${value}`).toBe(Number(value) >= 0.95);
      }
    }
    expect(section).toMatch(/false-positive rate/);
    expect(stdout).toMatch(/AUROC of DoSE against test digits: uniform noise [0-9.]+/);
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

describe('the outlier section on its own', () => {
  it('leaves no tensor allocated (the shared VAE included, once the report ends)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'elbo-outliers-'));
    try {
      const options = parseReportArgs(['--quick', '--out', dir, '--seed', '3']);
      if (options === 'help') throw new Error('unexpected --help');
      const lines: string[] = [];
      const outcome = await runReport(options, { out: (line) => void lines.push(line), isTTY: false }, [vaeOutliersSection]);
      // the report counts the tensors alive before and after its sections, and says when they differ
      expect(lines.join('\n')).not.toMatch(/tensors were left allocated/);
      expect(outcome.sections[0]!.summary.join('\n')).toMatch(/AUROC of DoSE/);
    } finally {
      await rm(dir, { recursive: true, force: true });
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
