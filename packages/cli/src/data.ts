import { access, constants, stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import { imageFolder, readImageFolder, readNpy } from '@elbo/datasets/node';
import { CliError, UsageError } from './errors';

/** Images read from a folder or a .npy file, in [0, 1], with where each came from. */
export interface LoadedImages {
  /** [n, h, w, c] float32 in [0, 1]; the caller disposes it. */
  images: tf.Tensor4D;
  /** Per image: its path relative to the folder, or `#i` for row i of a .npy file. */
  files: string[];
  /** Per image: index into labelNames (first-level subfolder), -1 for none. */
  labels: Int32Array;
  labelNames: string[];
  /** Unreadable images left out with --skip-bad. */
  skipped: { file: string; reason: string }[];
  source: { kind: 'folder' | 'npy'; path: string };
}

/** How images are read: from the flags of `train`, or from run.json for the other commands. */
export interface LoadOptions {
  /** `elbo train` etc., for messages. */
  command: string;
  /** [height, width] to resize folder images to; for a .npy file, what it must hold (undefined: any). */
  size?: [number, number];
  channels: 1 | 3;
  /** How folder images meet the size, and what transparency is composited onto (default 'cover', white). */
  fit?: 'cover' | 'contain';
  background?: [number, number, number];
  skipBad?: boolean;
  /** Whether `size` came from the user's --size (a .npy file that disagrees is then a usage error). */
  sizeFromFlag?: boolean;
}

/**
 * Reads the images of a folder (PNG/JPEG, resized and converted) or a .npy file
 * (uint8 [n, h, w, c] or [n, h, w], or float32 in [0, 1]).
 * @example
 * ```ts
 * const data = await loadImages('photos', { command: 'elbo train', size: [32, 32], channels: 3 });
 * data.images.dispose();
 * ```
 */
export async function loadImages(input: string, options: LoadOptions): Promise<LoadedImages> {
  const { command } = options;
  if ((await inputKind(input, command)) === 'npy') return loadNpy(input, options);
  if (options.size === undefined) throw new UsageError(`${command}: --size is needed to read the folder ${input}`);
  let read: Awaited<ReturnType<typeof readImageFolder>>;
  try {
    read = await readImageFolder(input, {
      size: options.size,
      channels: options.channels,
      ...(options.fit ? { fit: options.fit } : {}),
      ...(options.background ? { background: options.background } : {}),
      skipBad: options.skipBad ?? false,
    });
  } catch (error) {
    const hint = (error as Error).name === 'ImageFileError' ? ' (pass --skip-bad to leave unreadable images out)' : '';
    throw new CliError(`${command}: ${(error as Error).message}${hint}`);
  }
  if (read.files.length === 0) {
    read.images.dispose();
    throw new CliError(
      `${command}: none of the images in ${input} could be read (${read.skipped.length} skipped, first: ${read.skipped[0]?.file}: ${read.skipped[0]?.reason})`,
    );
  }
  return { ...read, source: { kind: 'folder', path: input } };
}

/**
 * Whether `input` is a folder or a .npy file; a CliError naming it when it is neither, is missing or unreadable.
 * @example
 * ```ts
 * if ((await inputKind('photos', 'elbo train')) === 'folder') console.log('a folder');
 * ```
 */
export async function inputKind(input: string, command: string): Promise<'folder' | 'npy'> {
  const info = await stat(input).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      `${command}: ${input} ${error.code === 'ENOENT' ? 'does not exist' : `cannot be read (${error.code ?? error.message})`}; expected a folder of images or a .npy file`,
    );
  });
  await access(input, constants.R_OK).catch(() => {
    throw new CliError(`${command}: ${input} cannot be read (permission denied); expected a folder of images or a .npy file`);
  });
  if (info.isFile() && /\.npy$/i.test(input)) return 'npy';
  if (!info.isDirectory())
    throw new CliError(`${command}: ${input} is a file but not a .npy file; expected a folder of PNG/JPEG images or a .npy file`);
  return 'folder';
}

/**
 * How many images a folder lists (PNG/JPEG, subfolders included), without decoding any.
 * @example
 * ```ts
 * const n = await folderImageCount('photos', { size: [32, 32], channels: 3 }, 'elbo train');
 * ```
 */
export async function folderImageCount(
  input: string,
  image: { size: [number, number]; channels: 1 | 3 },
  command: string,
): Promise<number> {
  try {
    return (await imageFolder(input, { size: image.size, channels: image.channels, shuffle: false })).files.length;
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message}`);
  }
}

async function loadNpy(path: string, options: LoadOptions): Promise<LoadedImages> {
  const { command } = options;
  const npy = await readNpy(path).catch((error: Error) => {
    throw new CliError(`${command}: ${path} is not a readable .npy file: ${error.message}`);
  });
  const shape = npy.shape.length === 3 ? [...npy.shape, 1] : npy.shape;
  const [n, h, w, c] = shape as [number, number, number, number];
  if (shape.length !== 4 || n < 1 || (c !== 1 && c !== 3)) {
    throw new CliError(
      `${command}: ${path} must hold images [n, h, w] or [n, h, w, 1 | 3] with n >= 1, got shape [${npy.shape.join(', ')}]`,
    );
  }
  if (options.size !== undefined && (options.size[0] !== h || options.size[1] !== w)) {
    const message = `${command}: ${path} holds ${h}x${w} images, but ${options.sizeFromFlag ? '--size asks for' : 'the run was trained on'} ${options.size[0]}x${options.size[1]}`;
    throw options.sizeFromFlag ? new UsageError(`${message}; leave out --size for a .npy file`) : new CliError(message);
  }
  if (c !== options.channels && options.size !== undefined && !options.sizeFromFlag) {
    throw new CliError(`${command}: ${path} holds images with ${c} channel(s), but the run was trained on ${options.channels}`);
  }
  let values: Float32Array;
  if (npy.dtype === 'uint8') values = Float32Array.from(npy.data, (v) => v / 255);
  else {
    values = npy.data instanceof Float32Array ? npy.data : Float32Array.from(npy.data);
    const bad = values.findIndex((v) => !(v >= 0 && v <= 1));
    if (bad >= 0)
      throw new CliError(`${command}: ${path} must hold uint8 pixels or floats in [0, 1], got ${values[bad]} at element ${bad}`);
  }
  return {
    images: tf.tensor4d(values, [n, h, w, c]),
    files: Array.from({ length: n }, (_, i) => `#${i}`),
    labels: new Int32Array(n).fill(-1),
    labelNames: [],
    skipped: [],
    source: { kind: 'npy', path },
  };
}
