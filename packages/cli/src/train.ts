import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { permutation } from '@elbo/prob';
import { loadImages } from './data';
import { CliError, EXIT } from './errors';
import { imageGrid } from './image-grid';
import { createModel, type ModelKind, type TrainSettings } from './models';
import { createProgress } from './progress';
import { writeReport } from './report';
import { MODEL_DIR, stageRun, writeRun, type RunRecord } from './run-folder';
import { packageVersions } from './versions';

/** The flags of `elbo train`, parsed. */
export interface TrainFlags extends TrainSettings {
  model: ModelKind;
  size?: number;
  channels: 1 | 3;
  validation: number;
  out?: string;
  force: boolean;
  skipBad: boolean;
  quiet: boolean;
}

/** The default folder image size when --size is not given. */
export const DEFAULT_SIZE = 32;

/**
 * `elbo train <input>`: reads the images, trains, and writes the run folder
 * (model, run.json, samples.png, report.html) through a temporary sibling.
 * @returns the exit code: 0, or 130 when Ctrl-C stopped training (the model of the last completed batch is kept).
 * @example
 * ```ts
 * const code = await train('photos', { model: 'conv-vae', size: 32, channels: 3, epochs: 20, batchSize: 64, learningRate: 1e-3, latent: 16, seed: 0, validation: 0.1, force: false, skipBad: false, quiet: false }, signal);
 * ```
 */
export async function train(input: string, flags: TrainFlags, signal: AbortSignal): Promise<number> {
  const command = 'elbo train';
  const out = flags.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const staging = await stageRun(out, { force: flags.force, command });
  const say = (line: string) => (flags.quiet ? undefined : process.stderr.write(line + '\n'));
  let data: Awaited<ReturnType<typeof loadImages>> | undefined;
  try {
    const size = flags.size ?? DEFAULT_SIZE;
    data = await loadImages(input, {
      command,
      ...(flags.size !== undefined || !/\.npy$/i.test(input) ? { size: [size, size] as [number, number] } : {}),
      sizeFromFlag: flags.size !== undefined,
      channels: flags.channels,
      skipBad: flags.skipBad,
    });
    const { images } = data;
    const [n, h, w, c] = images.shape;
    if (data.skipped.length > 0)
      say(`skipped ${data.skipped.length} unreadable image(s) (--skip-bad), first: ${data.skipped[0]!.file}: ${data.skipped[0]!.reason}`);
    const nValidation = n >= 10 ? Math.round(n * flags.validation) : 0;
    const order = permutation(n, flags.seed);
    const validationIndices = order.slice(0, nValidation);
    const trainIndices = order.slice(nValidation);
    const trainImages = tf.gather(images, trainIndices);
    const validationImages = nValidation > 0 ? tf.gather(images, validationIndices) : null;
    say(`${command}: ${flags.model} on ${trainIndices.length} training and ${nValidation} validation images of ${h}x${w}x${c}`);
    const model = createModel(flags.model, [h, w, c as 1 | 3], flags);
    const stepsPerEpoch = Math.ceil(trainIndices.length / flags.batchSize);
    const progress = createProgress({
      label: 'training',
      total: flags.model === 'pca' ? 1 : stepsPerEpoch * flags.epochs,
      epochs: flags.epochs,
      quiet: flags.quiet,
    });
    let epochStart = Date.now();
    const { history, aborted } = await model.fit(trainImages, validationImages, flags, {
      signal,
      onBatch: (step, logs) =>
        progress.update(step, { epoch: Math.ceil(step / stepsPerEpoch), ...(logs.loss !== undefined ? { loss: logs.loss } : {}) }),
      onEpoch: (epoch, logs) => {
        progress.epoch(epoch, flags.epochs, logs, (Date.now() - epochStart) / 1000);
        epochStart = Date.now();
      },
    });
    progress.stop();
    tf.dispose(validationImages ? [trainImages, validationImages] : [trainImages]);
    const interrupted = aborted || signal.aborted;
    if (interrupted)
      say(
        `${command}: interrupted by Ctrl-C after ${history.loss?.length ?? 0} epoch(s); saving the last good model and the report of what was done`,
      );
    const run: RunRecord = {
      format: 'elbo-run',
      version: 1,
      kind: flags.model,
      image: { size: [h, w], channels: c as 1 | 3, fit: 'cover' },
      source: { kind: data.source.kind, path: input, images: n, skipped: data.skipped.length },
      settings: {
        latent: flags.latent,
        epochs: flags.epochs,
        batchSize: flags.batchSize,
        learningRate: flags.learningRate,
        seed: flags.seed,
        validation: flags.validation,
      },
      history,
      interrupted,
      labelNames: data.labelNames,
      created: new Date().toISOString(),
      packages: packageVersions(),
    };
    await mkdir(join(staging.dir, MODEL_DIR));
    await model.save(join(staging.dir, MODEL_DIR));
    const samples = model.sample(64, flags.seed);
    await writeFile(join(staging.dir, 'samples.png'), await imageGrid(await samples.data(), samples.shape, { columns: 8 }));
    samples.dispose();
    await writeReport(staging.dir, { model, run, images, files: data.files, validationIndices, seed: flags.seed });
    await writeRun(staging.dir, run);
    model.dispose();
    await staging.commit();
    say(`${command}: wrote ${out} (run.json, ${MODEL_DIR}/, samples.png, report.html)`);
    return interrupted ? EXIT.interrupted : EXIT.ok;
  } catch (error) {
    await staging.discard();
    if (error instanceof CliError) throw error;
    throw new CliError(`${command}: ${(error as Error).message}`);
  } finally {
    data?.images.dispose();
  }
}
