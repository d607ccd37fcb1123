import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { permutation } from '@elbo/prob';
import { folderImageCount, inputKind, loadImages } from './data';
import { inMemoryLimitBytes, streamFolder } from './streamed-images';
import { CliError, EXIT } from './errors';
import { imageGrid } from './image-grid';
import { createModel, type ModelKind, type TrainData, type TrainSettings } from './models';
import { createProgress } from './progress';
import { writeReport } from './report';
import { MODEL_DIR, stageRun, writeRun, type RunImage, type RunRecord } from './run-folder';
import { packageVersions } from './versions';

/** The flags of `elbo train`, parsed. */
export interface TrainFlags extends TrainSettings {
  model: ModelKind;
  size?: number;
  channels: 1 | 3;
  fit: 'cover' | 'contain';
  background: [number, number, number];
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
 * const code = await train('photos', { model: 'conv-vae', size: 32, channels: 3, fit: 'cover', background: [255, 255, 255], epochs: 30, batchSize: 64, learningRate: 1e-3, latent: 16, seed: 0, validation: 0.1, force: false, skipBad: false, quiet: false }, signal);
 * ```
 */
export async function train(input: string, flags: TrainFlags, signal: AbortSignal): Promise<number> {
  const command = 'elbo train';
  const out = flags.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-'));
  const staging = await stageRun(out, { force: flags.force, command });
  const say = (line: string) => (flags.quiet ? undefined : process.stderr.write(line + '\n'));
  const owned: tf.Tensor[] = [];
  try {
    const size = flags.size ?? DEFAULT_SIZE;
    const image: RunImage = { size: [size, size], channels: flags.channels, fit: flags.fit, background: flags.background };
    const kind = await inputKind(input, command);
    const bytes = kind === 'folder' ? (await folderImageCount(input, image, command)) * size * size * flags.channels * 4 : 0;
    const data = bytes > inMemoryLimitBytes() ? await streamed(input, staging.dir, image, flags, say) : await inMemory(input, image, flags);
    owned.push(data.reportImages, ...(data.validation ? [data.validation] : []), ...(data.train instanceof tf.Tensor ? [data.train] : []));
    const [h, w, c] = data.itemShape;
    if (data.skipped.length > 0)
      say(`skipped ${data.skipped.length} unreadable image(s) (--skip-bad), first: ${data.skipped[0]!.file}: ${data.skipped[0]!.reason}`);
    const nValidation = data.validation?.shape[0] ?? 0;
    say(
      `${command}: ${flags.model} on ${data.count - nValidation} training and ${nValidation} validation images of ${h}x${w}x${c}${typeof data.train === 'function' ? ', streamed from images.npy' : ''}`,
    );
    const model = createModel(flags.model, data.itemShape, flags);
    const stepsPerEpoch = Math.ceil((data.count - nValidation) / flags.batchSize);
    const progress = createProgress({
      label: 'training',
      total: flags.model === 'pca' ? 1 : stepsPerEpoch * flags.epochs,
      epochs: flags.epochs,
      quiet: flags.quiet,
    });
    let epochStart = Date.now();
    const { history, aborted } = await model.fit(data.train, data.validation ?? null, flags, {
      signal,
      onBatch: (step, logs) =>
        progress.update(step, { epoch: Math.ceil(step / stepsPerEpoch), ...(logs.loss !== undefined ? { loss: logs.loss } : {}) }),
      onEpoch: (epoch, logs) => {
        progress.epoch(epoch, flags.epochs, logs, (Date.now() - epochStart) / 1000);
        epochStart = Date.now();
      },
    });
    progress.stop();
    const interrupted = aborted || signal.aborted;
    if (interrupted)
      say(
        `${command}: interrupted by Ctrl-C after ${history.loss?.length ?? 0} epoch(s); saving the last good model and the report of what was done`,
      );
    const run: RunRecord = {
      format: 'elbo-run',
      version: 1,
      kind: flags.model,
      image: { size: [h, w], channels: c, fit: flags.fit, background: flags.background },
      source: {
        kind,
        path: input,
        images: data.count,
        skipped: data.skipped.length,
        ...(typeof data.train === 'function' ? { streamed: 'images.npy' } : {}),
      },
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
    run.scores = await writeReport(staging.dir, {
      model,
      run,
      images: data.reportImages,
      files: data.reportFiles,
      validationIndices: data.reportValidation,
      seed: flags.seed,
    });
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
    tf.dispose(owned);
  }
}

/** The training data of either path, and the images the report shows. */
interface TrainingData {
  count: number;
  itemShape: [number, number, 1 | 3];
  train: TrainData;
  validation?: tf.Tensor4D;
  /** Images for the report, their names, and which of them were held out. */
  reportImages: tf.Tensor4D;
  reportFiles: string[];
  reportValidation: Int32Array;
  labelNames: string[];
  skipped: { file: string; reason: string }[];
}

/** A small set: every image in memory, 10% (seeded) held out. */
async function inMemory(input: string, image: RunImage, flags: TrainFlags): Promise<TrainingData> {
  const data = await loadImages(input, {
    command: 'elbo train',
    ...(flags.size !== undefined || !/\.npy$/i.test(input) ? { size: image.size } : {}),
    sizeFromFlag: flags.size !== undefined,
    channels: flags.channels,
    fit: flags.fit,
    background: flags.background,
    skipBad: flags.skipBad,
  });
  const { images } = data;
  const n = images.shape[0];
  const nValidation = n >= 10 ? Math.round(n * flags.validation) : 0;
  const order = permutation(n, flags.seed);
  const validationIndices = order.slice(0, nValidation);
  const train = tf.gather(images, order.slice(nValidation));
  return {
    count: n,
    itemShape: images.shape.slice(1) as [number, number, 1 | 3],
    train,
    ...(nValidation > 0 ? { validation: tf.gather(images, validationIndices) } : {}),
    reportImages: images,
    reportFiles: data.files,
    reportValidation: validationIndices,
    labelNames: data.labelNames,
    skipped: data.skipped,
  };
}

/** A large folder: converted once to images.npy in the run folder and streamed. */
async function streamed(
  input: string,
  dir: string,
  image: RunImage,
  flags: TrainFlags,
  say: (line: string) => void,
): Promise<TrainingData> {
  say(
    `elbo train: the images need more than ${(inMemoryLimitBytes() / 2 ** 20).toFixed(0)} MB as float32; converting them once to images.npy in the run folder and streaming it`,
  );
  let progress: ReturnType<typeof createProgress> | undefined;
  const data = await streamFolder(input, dir, {
    ...image,
    skipBad: flags.skipBad,
    validation: flags.validation,
    seed: flags.seed,
    command: 'elbo train',
    onProgress: (done, total) =>
      (progress ??= createProgress({ label: 'reading images', total, epochs: 1, quiet: flags.quiet })).update(done),
  });
  progress?.stop();
  const reportImages = data.validation ? tf.concat([data.validation, data.preview]) : tf.clone(data.preview);
  data.preview.dispose();
  const rows = [...data.validationIndices, ...data.previewIndices];
  return {
    count: data.count,
    itemShape: data.itemShape,
    train: data.trainBatches(flags.batchSize, flags.seed),
    ...(data.validation ? { validation: data.validation } : {}),
    reportImages,
    reportFiles: rows.map((row) => data.files[row] ?? `#${row}`),
    reportValidation: Int32Array.from(data.validationIndices, (_, i) => i),
    labelNames: data.labelNames,
    skipped: data.skipped,
  };
}
