// The bundled command itself (dist/cli.js, built by the test script) on the
// workspace packages' builds: exit codes, and the 2-D VAE trained in a worker
// thread, the path the in-process test (sources, no bundled worker) cannot take.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const run = promisify(execFile);

async function status(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('dist/cli.js', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('is built by the test script', () => {
    expect(existsSync(cli), `${cli} missing: run the package's test script (tsup first)`).toBe(true);
  });

  it('exits 2 with usage on a bad flag', async () => {
    const r = await status(['--epochs', '-3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage:');
  });

  it('trains the 2-D VAE in a worker thread and maps the test digits', async () => {
    const out = await mkdtemp(join(tmpdir(), 'elbo-cli-'));
    dirs.push(out);
    const r = await status(['--quick', '--quiet', '--out', out], { ELBO_REPORT_SECTIONS: 'vae-latent' });
    expect(r.code, r.stderr).toBe(0);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('in a worker thread');
    expect(html).toContain('The latent map: digits in two dimensions</h2>');
    expect(html).not.toMatch(/NaN/);
    expect(existsSync(join(out, 'vae-latent-grid.png'))).toBe(true);
  });
});
