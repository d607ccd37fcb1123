import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import {
  checkShape,
  dtypeOf,
  npyHeaderBytes,
  npyHeaderLength,
  parseNpy,
  parseNpyHeader,
  toNpy,
  typedToBytes,
  type NpyArray,
  type NpyData,
  type NpyDtype,
  type NpyHeader,
} from './npy';

/** Prefixes an error's message with the file it is about. */
function withPath<T>(path: string, run: () => Promise<T>): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof Error && !error.message.startsWith(path)) error.message = `${path}: ${error.message}`;
    throw error;
  });
}

/** A sibling temporary name, so a finished file appears at `path` only by an atomic rename. */
function temporaryPath(path: string): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** Reads exactly `length` bytes at `position`, or throws naming how many came. */
export async function readExactly(handle: FileHandle, into: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await handle.read(into, done, into.length - done, position + done);
    if (bytesRead === 0) {
      throw new Error(`truncated .npy: expected ${into.length} bytes at offset ${position}, got ${done}`);
    }
    done += bytesRead;
  }
}

/**
 * Reads a `.npy` file's header without reading its data, and checks that
 * the file holds all the data the header promises.
 *
 * @returns dtype, shape, byte order, version, data offset and data size.
 * @example
 * ```ts
 * const { shape, dtype } = await readNpyHeader('/data/lines.npy');
 * ```
 */
export function readNpyHeader(path: string): Promise<NpyHeader> {
  return withPath(path, async () => {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(Math.min(size, 12));
      await readExactly(handle, prefix, 0);
      const headerBytes = new Uint8Array(Math.min(size, npyHeaderLength(prefix)));
      await readExactly(handle, headerBytes, 0);
      const header = parseNpyHeader(headerBytes);
      const got = size - header.dataOffset;
      if (got < header.dataBytes) {
        throw new Error(
          `truncated .npy: shape (${header.shape.join(', ')}) of ${header.dtype} needs ${header.dataBytes} data bytes, got ${got}`,
        );
      }
      return header;
    } finally {
      await handle.close();
    }
  });
}

/**
 * Reads a whole `.npy` file into memory.
 *
 * @returns `data` (C order), `shape`, `dtype`.
 * @example
 * ```ts
 * const { data, shape } = await readNpy('/data/x.npy');
 * ```
 */
export function readNpy(path: string): Promise<NpyArray> {
  return withPath(path, async () => parseNpy(new Uint8Array(await readFile(path))));
}

/**
 * Writes an array as a `.npy` file (the bytes `numpy.save` writes), first to
 * a temporary file beside `path`, then renamed over it: a reader never sees
 * a half-written file.
 *
 * @param data - Float32Array, Float64Array or Uint8Array in C order.
 * @param shape - default `[data.length]`.
 * @example
 * ```ts
 * await writeNpy('/data/x.npy', new Float32Array([1, 2, 3, 4]), [2, 2]);
 * ```
 */
export async function writeNpy(path: string, data: NpyData, shape: readonly number[] = [data.length]): Promise<void> {
  const bytes = toNpy(data, shape);
  await withPath(path, async () => {
    const temporary = temporaryPath(path);
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  });
}

/** Appends rows to a `.npy` file of known shape; see `createNpyWriter`. */
export interface NpyWriter {
  /** Appends elements (whole or partial rows) in C order; they must have the writer's dtype. */
  write(data: NpyData): Promise<void>;
  /** Checks that every element arrived, then moves the file into place. */
  close(): Promise<void>;
  /** Deletes the unfinished file. */
  abort(): Promise<void>;
}

/**
 * Opens a `.npy` file for writing in pieces, for arrays larger than memory:
 * the header (with the full `shape`) goes first, then each `write` appends.
 * The file is written under a temporary name and renamed to `path` by
 * `close()`, which throws if fewer or more elements came than `shape` holds.
 *
 * @param options.dtype - `'float32'`, `'float64'` or `'uint8'`.
 * @param options.shape - the finished array's shape.
 * @example
 * ```ts
 * const writer = await createNpyWriter('/data/big.npy', { dtype: 'float32', shape: [1_000_000, 784] });
 * for (const chunk of chunks) await writer.write(chunk);
 * await writer.close();
 * ```
 */
export async function createNpyWriter(path: string, { dtype, shape }: { dtype: NpyDtype; shape: readonly number[] }): Promise<NpyWriter> {
  if (dtype !== 'float32' && dtype !== 'float64' && dtype !== 'uint8') {
    throw new Error(`createNpyWriter: dtype must be 'float32', 'float64' or 'uint8', got ${JSON.stringify(dtype)}`);
  }
  const total = checkShape(shape, 'createNpyWriter');
  const header = npyHeaderBytes(dtype, shape);
  const temporary = temporaryPath(path);
  const handle = await open(temporary, 'w');
  let written = 0;
  let finished = false;
  let position = 0;
  const append = async (bytes: Uint8Array) => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position);
      done += bytesWritten;
      position += bytesWritten;
    }
  };
  const abort = async () => {
    if (finished) return;
    finished = true;
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
  };
  try {
    await append(header);
  } catch (error) {
    await abort();
    throw error;
  }
  return {
    async write(data) {
      if (finished) throw new Error(`${path}: write after close() or abort()`);
      const got = dtypeOf(data, `${path}: write`);
      if (got !== dtype) throw new Error(`${path}: write expected ${dtype} data, got ${got}`);
      if (written + data.length > total) {
        throw new Error(`${path}: write of ${data.length} elements overflows shape (${shape.join(', ')}): ${written} of ${total} written`);
      }
      await append(typedToBytes(data));
      written += data.length;
    },
    async close() {
      if (finished) throw new Error(`${path}: close() after close() or abort()`);
      if (written !== total) {
        await abort();
        throw new Error(`${path}: expected ${total} elements for shape (${shape.join(', ')}), got ${written}; file not written`);
      }
      finished = true;
      await handle.close();
      await rename(temporary, path);
    },
    abort,
  };
}
