import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { imageFolder, writeNpy } from '@elbo/datasets/node';
import type { ImageBatch, ImageFolder } from '@elbo/datasets/node';
import { foldIn } from '@elbo/prob';
import { inputKind, loadImages } from './data';
import { CliError } from './errors';
import { imageGrid } from './image-grid';
import { typicality } from './typicality';
import { loadModel, MODEL_KINDS, SCORE_NAMES, type ModelKind, type RunModel, type SampleSource } from './models';
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
 * await sampleCommand('runs/x', { n: 64, out: 'grid.png', seed: 0, from: 'prior' });
 * ```
 */
export async function sampleCommand(
  dir: string,
  options: { n: number; out: string; seed: number; from?: SampleSource; columns?: number },
): Promise<void> {
  const { model } = await openRun(dir, 'elbo sample');
  try {
    const samples = model.sample(options.n, options.seed, options.from);
    const png = await imageGrid(await samples.data(), samples.shape, { columns: options.columns ?? Math.ceil(Math.sqrt(options.n)) });
    samples.dispose();
    await writeFile(options.out, png).catch((error: Error) => {
      throw new CliError(`elbo sample: cannot write --out ${options.out}: ${error.message}`);
    });
  } finally {
    model.dispose();
  }
}

/** One block of images read the way the run read its training images, with names and labels. */
interface ImageBlock {
  images: tf.Tensor4D;
  files: string[];
  labels: string[];
}

/**
 * The images of a folder (256 at a time, so any folder fits in memory) or a .npy file, as blocks;
 * the caller disposes each block's tensor. Unreadable images fail, or are skipped and counted on stderr.
 */
async function* imageBlocks(run: RunRecord, input: string, command: string, skipBad: boolean): AsyncGenerator<ImageBlock> {
  const { size, channels, fit, background } = run.image;
  const image = { size, channels, fit, background };
  if ((await inputKind(input, command)) === 'npy') {
    const data = await loadImages(input, { command, ...image, skipBad });
    yield { images: data.images, files: data.files, labels: data.files.map(() => '') };
    return;
  }
  let folder: ImageFolder;
  try {
    folder = await imageFolder(input, { ...image, skipBad, shuffle: false, batchSize: BLOCK });
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}`);
  }
  const iterator = folder[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ImageBatch>;
    try {
      next = await iterator.next();
    } catch (error) {
      const hint = (error as Error).name === 'ImageFileError' ? ' (pass --skip-bad to leave unreadable images out)' : '';
      throw new CliError(`${command}: ${(error as Error).message}${hint}`);
    }
    if (next.done) break;
    const { images, files, labels } = next.value;
    yield { images, files, labels: Array.from(labels, (l) => (l >= 0 ? folder.labelNames[l]! : '')) };
  }
  if (folder.skipped.length > 0)
    process.stderr.write(
      `${command}: skipped ${folder.skipped.length} unreadable image(s) (--skip-bad), first: ${folder.skipped[0]!.file}\n`,
    );
  if (folder.skipped.length === folder.files.length)
    throw new CliError(`${command}: none of the images in ${input} could be read (${folder.skipped.length} skipped)`);
}

const BLOCK = 256;

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
  try {
    const blocks: Float32Array[] = [];
    let rows = 0;
    for await (const block of imageBlocks(run, input, command, options.skipBad)) {
      const z = model.encode(block.images);
      block.images.dispose();
      blocks.push(z.dataSync() as Float32Array);
      rows += z.shape[0];
      z.dispose();
    }
    const values = new Float32Array(blocks.reduce((a, b) => a + b.length, 0));
    blocks.reduce((at, b) => (values.set(b, at), at + b.length), 0);
    const shape: [number, number] = [rows, values.length / rows];
    await writeNpy(options.out, values, shape).catch((error: Error) => {
      throw new CliError(`${command}: cannot write --out ${options.out}: ${error.message}`);
    });
    return { shape };
  } finally {
    model.dispose();
  }
}

/**
 * `elbo score <run> <input>`: per-image scores as CSV (file, label, score, typicality against the training images' scores).
 * @returns the CSV text.
 * @example
 * ```ts
 * const csv = await scoreCommand('runs/x', 'photos', { seed: 0, skipBad: false });
 * ```
 */
export async function scoreCommand(dir: string, input: string, options: { seed: number; skipBad: boolean }): Promise<string> {
  const command = 'elbo score';
  const { run, model } = await openRun(dir, command);
  try {
    const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const rows: string[] = [];
    let block = 0;
    for await (const { images, files, labels } of imageBlocks(run, input, command, options.skipBad)) {
      // block b draws its noise with foldIn(seed, b): the same files in the same order score the same
      const scores = await model.score(images, foldIn(options.seed, block++));
      images.dispose();
      const typical = run.scores ? typicality(scores, run.scores) : null;
      files.forEach((file, i) => rows.push(`${quote(file)},${quote(labels[i]!)},${scores[i]}${typical ? `,${typical[i]}` : ''}`));
    }
    const header = run.scores
      ? `# score: ${SCORE_NAMES[run.kind]}; typicality: -|score - ${run.scores.mean}| / ${run.scores.sd}, against the training images' scores (higher = more typical: rank by this one; a raw likelihood ranks the simplest images highest)\nfile,label,score,typicality`
      : `# score: ${SCORE_NAMES[run.kind]}; higher = more typical\nfile,label,score`;
    return `${header}\n${rows.join('\n')}\n`;
  } finally {
    model.dispose();
  }
}
