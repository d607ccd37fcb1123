import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elbo } from './images.fixture';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'elbo-cli-usage-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('elbo usage', () => {
  it('--help on the program and on every command prints its flags and the exit codes, exit 0', async () => {
    for (const [args, flag] of [
      [['--help'], 'train'],
      [['train', '--help'], '--skip-bad'],
      [['sample', '--help'], '--seed'],
      [['encode', '--help'], '--out'],
      [['score', '--help'], 'higher = more typical'],
    ] as const) {
      const { code, stdout } = await elbo(args, dir);
      expect(code).toBe(0);
      expect(stdout).toContain(flag);
      expect(stdout).toContain('130');
    }
  });

  it('bad values, unknown flags and commands, and missing arguments exit 2 with a message naming the flag', async () => {
    const cases: [string[], string][] = [
      [['train', 'x', '--size', 'abc'], 'elbo train: --size must be a positive integer, got "abc"'],
      [['train', 'x', '--size', '-3'], '--size must be a positive integer, got "-3"'],
      [['train', 'x', '--size', '2.5'], '--size must be a positive integer, got "2.5"'],
      [['train', 'x', '--model', 'gan'], '--model must be one of conv-vae, vae, ae, pca, got "gan"'],
      [['train', 'x', '--epochs', '0'], '--epochs must be a positive integer, got "0"'],
      [['train', 'x', '--fit', 'fill'], '--fit must be one of cover, contain, got "fill"'],
      [['train', 'x', '--background', 'red'], "elbo train: --background must be a colour '#rgb' or '#rrggbb', got \"red\""],
      [['train', 'x', '--bogus'], "unknown option '--bogus'"],
      [['trian', 'x'], "unknown command 'trian'"],
      [['train'], "missing required argument 'input'"],
      [['sample', 'run'], "required option '--out <file.png>' not specified"],
      [['sample', 'run', '-n', 'many', '--out', 'g.png'], 'elbo sample: -n must be a positive integer, got "many"'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await elbo(args, dir);
      expect(stderr).toContain(message);
      expect(code).toBe(2);
    }
  });
});
