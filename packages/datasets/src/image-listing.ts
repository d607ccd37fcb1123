import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeValue } from '@elbo/prob';

/** The image files of a folder, labelled by their first-level subfolder. */
export interface ImageListing {
  /** The folder, absolute. */
  root: string;
  /** `root` with its symlinks resolved: no file may resolve outside it. */
  realRoot: string;
  /** '/'-separated paths relative to `root`, sorted by code unit. */
  files: string[];
  /** Per file: index in `labelNames`, -1 for a file directly in `root`. */
  labels: Int32Array;
  /** The sorted first-level subfolders that hold images. */
  labelNames: string[];
}

const IMAGE_NAME = /\.(png|jpe?g)$/i;

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * Names every PNG and JPEG file under `folder`. Hidden entries (a name
 * starting with '.', such as macOS `._x.png` shadows) are ignored; symlinked
 * folders are not followed (no cycles, no leaving the tree); a symlinked file
 * is listed and checked when read.
 */
async function walk(folder: string, prefix: string, caller: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    throw new Error(`${caller}: cannot read the folder ${folder}: ${(error as Error).message}`, { cause: error });
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const relative = prefix + entry.name;
    if (entry.isDirectory()) await walk(join(folder, entry.name), `${relative}/`, caller, out);
    else if (IMAGE_NAME.test(entry.name)) out.push(relative);
  }
}

/**
 * Lists the images of `dir` at once (names only, no image is read).
 * @throws naming `caller` and the folder when it is missing, not a folder,
 *   unreadable, or holds no `.png`, `.jpg` or `.jpeg` file.
 * @example
 * ```ts
 * const { files, labels, labelNames } = await listImageFolder('emoji', 'imageFolder');
 * ```
 */
export async function listImageFolder(dir: unknown, caller: string): Promise<ImageListing> {
  if (typeof dir !== 'string' || dir === '') {
    throw new TypeError(`${caller}: dir must be the path of a folder (a non-empty string), got ${describeValue(dir)}`);
  }
  const root = resolve(dir);
  let realRoot: string;
  let isFolder: boolean;
  try {
    realRoot = await realpath(root);
    isFolder = (await stat(realRoot)).isDirectory();
  } catch (error) {
    if (codeOf(error) === 'ENOENT') throw new Error(`${caller}: dir ${root} does not exist`, { cause: error });
    throw new Error(`${caller}: cannot read the folder ${root}: ${(error as Error).message}`, { cause: error });
  }
  if (!isFolder) throw new Error(`${caller}: dir must be a folder, got the file ${root}`);
  const files: string[] = [];
  await walk(root, '', caller, files);
  if (files.length === 0) {
    throw new Error(`${caller}: the folder ${root} holds no .png, .jpg or .jpeg files (searched with its subfolders)`);
  }
  files.sort();
  const firstFolder = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : undefined);
  const labelNames = [...new Set(files.map(firstFolder).filter((name) => name !== undefined))].sort();
  const index = new Map(labelNames.map((name, i) => [name, i]));
  const labels = Int32Array.from(files, (file) => index.get(firstFolder(file) ?? '') ?? -1);
  return { root, realRoot, files, labels, labelNames };
}
