import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, elbo, readRunJson, writeGoodImages } from './images.fixture';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'elbo-cli-sigint-'));
  await writeGoodImages(join(dir, 'imgs'), 24);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Ctrl-C during elbo train', () => {
  it('stops at a batch boundary, exits 130, keeps a loadable model and a report, and run.json says interrupted', async () => {
    const child = spawn(
      process.execPath,
      [CLI, 'train', 'imgs', '--model', 'vae', '--size', '8', '--epochs', '100000', '--batch-size', '4', '--out', 'run'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    const code = await new Promise<number | null>((resolve) => {
      let sent = false;
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        // the first progress line: an epoch has finished
        if (!sent && /epoch 1\/100000/.test(stderr)) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', resolve);
    });
    expect(stderr).toContain('stopping after this batch');
    expect(code).toBe(130);
    const run = readRunJson(join(dir, 'run'));
    expect(run.interrupted).toBe(true);
    expect(run.history.loss!.length).toBeGreaterThanOrEqual(1);
    expect(run.history.loss!.length).toBeLessThan(100000);
    expect(readFileSync(join(dir, 'run', 'report.html'), 'utf8')).toContain('interrupted by Ctrl-C');
    expect(existsSync(join(dir, 'run', 'samples.png'))).toBe(true);
    const sample = await elbo(['sample', 'run', '-n', '4', '--out', 'g.png'], dir);
    expect(sample.code).toBe(0);
  });
});
