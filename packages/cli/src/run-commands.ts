import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '@elbo/datasets/node';
import { loadImages } from './data';
import { CliError } from './errors';
import { imageGrid } from './image-grid';
import { loadModel, MODEL_KINDS, SCORE_NAMES, type ModelKind, type RunModel } from './models';
import { MODEL_DIR, readRun, type RunRecord } from './run-folder';

/** Reads run.json and the model of a run folder; errors name the folder. */
async function openRun(
  dir: string,
  command: string,
  kinds: readonly ModelKind[] = MODEL_KINDS,
): Promise<{ run: RunRecord; model: RunModel }> {
  const run = await readRun(dir, command, kinds);
  try {
    const model = await loadModel(run.kind, [run.image.size[0], run.image.size[1], run.image.channels], join(dir, MODEL_DIR));
    return { run, model };
  } catch (error) {
    throw new CliError(`${command}: the ${run.kind} model in ${join(dir, MODEL_DIR)} cannot be loaded: ${(error as Error).message}`);
  }
}

/**
 * `elbo sample <run> -n 64 --out grid.png`: n samples as one PNG grid.
 * @example
 * ```ts
 * await sampleCommand('runs/x', { n: 64, out: 'grid.png', seed: 0 });
 * ```
 */
export async function sampleCommand(dir: string, options: { n: number; out: string; seed: number; columns?: number }): Promise<void> {
  const { model } = await openRun(dir, 'elbo sample');
  try {
    const samples = model.sample(options.n, options.seed);
    const png = await imageGrid(await samples.data(), samples.shape, { columns: options.columns ?? Math.ceil(Math.sqrt(options.n)) });
    samples.dispose();
    await writeFile(options.out, png).catch((error: Error) => {
      throw new CliError(`elbo sample: cannot write --out ${options.out}: ${error.message}`);
    });
  } finally {
    model.dispose();
  }
}

/** Reads a folder or .npy the way the run read its training images. */
function loadLike(run: RunRecord, input: string, command: string, skipBad: boolean) {
  return loadImages(input, { command, size: run.image.size, channels: run.image.channels, skipBad });
}

/**
 * `elbo encode <run> <input> --out z.npy`: latent means [n, latent] as float32 .npy.
 * @example
 * ```ts
 * await encodeCommand('runs/x', 'photos', { out: 'z.npy', skipBad: false });
 * ```
 */
export async function encodeCommand(
  dir: string,
  input: string,
  options: { out: string; skipBad: boolean },
): Promise<{ shape: [number, number] }> {
  const command = 'elbo encode';
  const { run, model } = await openRun(dir, command);
  const data = await loadLike(run, input, command, options.skipBad).catch((error) => {
    model.dispose();
    throw error;
  });
  try {
    const z = model.encode(data.images);
    const shape = z.shape;
    const values = z.dataSync() as Float32Array;
    z.dispose();
    await writeNpy(options.out, values, shape).catch((error: Error) => {
      throw new CliError(`${command}: cannot write --out ${options.out}: ${error.message}`);
    });
    return { shape };
  } finally {
    data.images.dispose();
    model.dispose();
  }
}

/**
 * `elbo score <run> <input>`: per-image scores as CSV (file, label, score; higher = more typical).
 * @returns the CSV text.
 * @example
 * ```ts
 * const csv = await scoreCommand('runs/x', 'photos', { seed: 0, skipBad: false });
 * ```
 */
export async function scoreCommand(dir: string, input: string, options: { seed: number; skipBad: boolean }): Promise<string> {
  const command = 'elbo score';
  const { run, model } = await openRun(dir, command);
  const data = await loadLike(run, input, command, options.skipBad).catch((error) => {
    model.dispose();
    throw error;
  });
  try {
    const scores = await model.score(data.images, options.seed);
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const rows = data.files.map((file, i) => {
      const label = data.labels[i]! >= 0 ? data.labelNames[data.labels[i]!]! : '';
      return `${quote(file)},${quote(label)},${scores[i]}`;
    });
    return `# score: ${SCORE_NAMES[run.kind]}; higher = more typical\nfile,label,score\n${rows.join('\n')}\n`;
  } finally {
    data.images.dispose();
    model.dispose();
  }
}
