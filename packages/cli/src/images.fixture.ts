// Real image files on disk for the CLI tests: every mode a user's folder may hold.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** The built bin the tests run, as a user would. */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');

/** A coloured disc on white, different per i, so models have something to learn. */
function disc(i: number, width: number, height: number, channels: 3 | 4 = 3): Buffer {
  const raw = Buffer.alloc(width * height * channels);
  const [cx, cy, r] = [(i * 5) % width, (i * 3) % height, 2 + (i % 4)];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const px = inside ? [40 + ((i * 37) % 200), 80, 200 - ((i * 23) % 150)] : [250, 248, 240];
      raw.set(channels === 4 ? [...px, inside ? 255 : 90] : px, (y * width + x) * channels);
    }
  }
  return raw;
}

/**
 * Writes `count` good images of mixed formats, modes and sizes under `dir` (subfolders a/ and b/,
 * and the root): grey, RGB, RGBA, palette and 16-bit PNGs and JPEGs.
 * @example
 * ```ts
 * await writeGoodImages('/tmp/x', 24);
 * ```
 */
export async function writeGoodImages(dir: string, count: number): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const folder = ['a', 'b', ''][i % 3]!;
    mkdirSync(join(dir, folder), { recursive: true });
    const [w, h] = (
      [
        [12, 12],
        [20, 14],
        [9, 16],
        [16, 16],
      ] as const
    )[i % 4]!;
    const kind = i % 6;
    const base = sharp(disc(i, w, h, kind === 2 ? 4 : 3), { raw: { width: w, height: h, channels: kind === 2 ? 4 : 3 } });
    const name = join(folder, `img${i}.${kind === 5 ? 'jpg' : 'png'}`);
    const out = join(dir, name);
    if (kind === 0) await base.greyscale().png().toFile(out);
    else if (kind === 1 || kind === 2) await base.png().toFile(out);
    else if (kind === 3) await base.png({ palette: true, colours: 16 }).toFile(out);
    else if (kind === 4) await base.toColourspace('rgb16').png().toFile(out);
    else await base.jpeg({ quality: 90 }).toFile(out);
    files.push(name.split('\\').join('/'));
  }
  return files;
}

/**
 * Bad files: a text file named .png, a truncated PNG, a corrupt JPEG.
 * @example
 * ```ts
 * writeBadImages('/tmp/x'); // ['not-an-image.png', 'truncated.png', 'corrupt.jpg']
 * ```
 */
export async function writeBadImages(dir: string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'not-an-image.png'), 'hello, I am text');
  const png = await sharp(disc(1, 16, 16), { raw: { width: 16, height: 16, channels: 3 } })
    .png()
    .toBuffer();
  writeFileSync(join(dir, 'truncated.png'), png.subarray(0, Math.floor(png.length / 2)));
  const jpg = await sharp(disc(2, 16, 16), { raw: { width: 16, height: 16, channels: 3 } })
    .jpeg()
    .toBuffer();
  const corrupt = Buffer.from(jpg);
  corrupt.fill(0, 20, corrupt.length - 2);
  writeFileSync(join(dir, 'corrupt.jpg'), corrupt);
  return ['corrupt.jpg', 'not-an-image.png', 'truncated.png'];
}

/** The result of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node dist/cli.js ...args` in `cwd` and collects its output.
 * @example
 * ```ts
 * const { code, stderr } = await elbo(['train', 'imgs', '--size', 'abc'], dir);
 * ```
 */
export function elbo(args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * Reads a run folder's run.json.
 * @example
 * ```ts
 * const run = readRunJson('/tmp/x/run');
 * ```
 */
export function readRunJson(
  dir: string,
): Record<string, unknown> & { kind: string; interrupted: boolean; history: Record<string, number[]> } {
  return JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
}
