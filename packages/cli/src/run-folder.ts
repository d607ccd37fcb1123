import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './errors';
import { MODEL_KINDS, type ModelKind, type TrainSettings } from './models';
import type { ScoreReference } from './typicality';

/**
 * What run.json holds: enough to load the model and read new images the same way.
 * @example
 * ```ts
 * const run: RunRecord = JSON.parse(await readFile('runs/x/run.json', 'utf8'));
 * ```
 */
export interface RunRecord {
  format: 'elbo-run';
  version: 1;
  kind: ModelKind;
  /** How images were read: [height, width], channels, and the resize rule. */
  image: RunImage;
  source: { kind: 'folder' | 'npy'; path: string; images: number; skipped: number; streamed?: string };
  settings: TrainSettings & { validation: number };
  history: Record<string, number[]>;
  /** Mean and sd of the training images' scores, for `elbo score`'s typicality column (absent in runs without it). */
  scores?: ScoreReference;
  interrupted: boolean;
  labelNames: string[];
  created: string;
  packages: Record<string, string>;
}

/**
 * The model's files sit in this subfolder of a run.
 * @example
 * ```ts
 * const modelDir = join('runs/x', MODEL_DIR); // runs/x/model
 * ```
 */
export const MODEL_DIR = 'model';

/**
 * How a run reads images, so that new images are read as its training images were.
 * @example
 * ```ts
 * const image: RunImage = { size: [32, 32], channels: 3, fit: 'cover', background: [255, 255, 255] };
 * ```
 */
export interface RunImage {
  size: [number, number];
  channels: 1 | 3;
  fit: 'cover' | 'contain';
  /** What transparency is composited onto (and 'contain' pads with), RGB 0-255. */
  background: [number, number, number];
}

/**
 * Reads and checks `<dir>/run.json`; the error names the folder, what was expected and what came.
 * @param kinds - the kinds the calling command supports.
 * @example
 * ```ts
 * const run = await readRun('runs/x', 'elbo sample');
 * ```
 */
export async function readRun(dir: string, command: string, kinds: readonly ModelKind[] = MODEL_KINDS): Promise<RunRecord> {
  const path = join(dir, 'run.json');
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      `${command}: ${dir} is not an elbo run folder: expected ${path} (written by elbo train), got ${error.code === 'ENOENT' ? 'no such file' : error.code}`,
    );
  });
  let run: RunRecord;
  try {
    run = JSON.parse(text) as RunRecord;
  } catch {
    throw new CliError(`${command}: ${path} is not JSON; expected the run.json of elbo train`);
  }
  if (run?.format !== 'elbo-run' || run.version !== 1) {
    throw new CliError(
      `${command}: ${path} is not an elbo run record: expected format "elbo-run" version 1, got format ${JSON.stringify(run?.format)} version ${JSON.stringify(run?.version)}`,
    );
  }
  if (!kinds.includes(run.kind)) {
    throw new CliError(`${command}: ${dir} holds a model of kind ${JSON.stringify(run.kind)}; this command takes ${kinds.join(', ')}`);
  }
  const [h, w] = run.image?.size ?? [];
  if (!Number.isInteger(h) || !Number.isInteger(w) || (run.image.channels !== 1 && run.image.channels !== 3)) {
    throw new CliError(
      `${command}: ${path} has no valid image options: expected { size: [h, w], channels: 1 | 3 }, got ${JSON.stringify(run.image)}`,
    );
  }
  const { fit, background } = run.image;
  if (
    (fit !== 'cover' && fit !== 'contain') ||
    !(Array.isArray(background) && background.length === 3 && background.every((v) => Number.isInteger(v) && v >= 0 && v <= 255))
  ) {
    throw new CliError(
      `${command}: ${path} has no valid image options: expected fit 'cover' or 'contain' and background [r, g, b] in 0-255, got ${JSON.stringify(run.image)}`,
    );
  }
  const scores = run.scores;
  if (scores !== undefined && !(Number.isFinite(scores?.mean) && Number.isFinite(scores?.sd) && scores.sd >= 0)) {
    throw new CliError(
      `${command}: ${path} has invalid training scores: expected { mean, sd >= 0, images } of finite numbers, got ${JSON.stringify(scores)}`,
    );
  }
  return run;
}

/**
 * A run folder being written: everything goes into a temporary sibling, which
 * `commit` renames onto `out`, so a failure never leaves half a run and never
 * destroys the old one.
 * @example
 * ```ts
 * const staging = await stageRun('runs/x', { force: false, command: 'elbo train' });
 * await writeFile(join(staging.dir, 'run.json'), '{}');
 * await staging.commit();
 * ```
 */
export async function stageRun(out: string, { force, command }: { force: boolean; command: string }) {
  const target = resolve(out);
  const existing = await lstat(target).catch(() => null);
  if (existing && !force)
    throw new CliError(`${command}: --out ${out} already exists; pass --force to replace it (it is kept until the new run is complete)`);
  if (existing && !existing.isDirectory())
    throw new CliError(`${command}: --out ${out} exists and is not a folder; expected a run folder to replace`);
  if (existing && force) {
    const isRun = await stat(join(target, 'run.json')).catch(() => null);
    if (!isRun)
      throw new CliError(
        `${command}: --out ${out} exists and is not an elbo run folder (no run.json); refusing to replace it even with --force`,
      );
  }
  await mkdir(dirname(target), { recursive: true }).catch((error: Error) => {
    throw new CliError(`${command}: cannot create the parent folder of --out ${out}: ${error.message}`);
  });
  const dir = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  return {
    dir,
    /** Moves the finished run into place (the old one, if any, only after the new one is complete). */
    async commit(): Promise<void> {
      const old = join(dirname(target), `.${basename(target)}.old-${process.pid}`);
      const hadOld = (await lstat(target).catch(() => null)) !== null;
      if (hadOld) await rename(target, old);
      await rename(dir, target);
      if (hadOld) await rm(old, { recursive: true, force: true });
    },
    /** Removes the temporary folder after a failure. */
    async discard(): Promise<void> {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Writes run.json into `dir`.
 * @example
 * ```ts
 * await writeRun(staging.dir, run);
 * ```
 */
export async function writeRun(dir: string, run: RunRecord): Promise<void> {
  await writeFile(join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
}
