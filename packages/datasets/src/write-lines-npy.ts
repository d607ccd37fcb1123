import { LINE_FACTORS, linesArrays, type LineFactor, type LinesOptions } from './lines';
import { npyHeaderBytes } from './npy';
import { createNpyWriter, type NpyWriter } from './npy-file';

export interface WriteLinesNpyOptions extends Omit<LinesOptions, 'start'> {
  /** Images generated and written per piece (bounds memory). Default 256. */
  chunk?: number;
  /** Also write the factors, `[n, 6]` float32 in `LINE_FACTORS` order, to this `.npy` file. */
  factorsPath?: string;
  /** Called after each piece with the number of images written so far. */
  onProgress?: (written: number, n: number) => void;
}

/** What `writeLinesNpy` wrote. */
export interface WriteLinesNpyResult {
  /** `[n, size * size]`. */
  shape: [number, number];
  /** Size of the images file in bytes. */
  bytes: number;
  /** Column names of the factors file. */
  factorNames: readonly LineFactor[];
}

/**
 * Writes a `lines` dataset to a float32 `.npy` file piece by piece, so a set
 * larger than memory (a 1 GB file of 100 x 100 images) can be made with a
 * few MB: the file holds exactly `linesArrays({ n, size, seed, ranges }).images`.
 * Files appear only when complete (temporary name, then rename).
 *
 * @param path - the images file, shape `[n, size * size]`.
 * @returns the shape, the file size and the factor names.
 * @example
 * ```ts
 * await writeLinesNpy('/data/lines.npy', { n: 25_000, size: 100, seed: 0, factorsPath: '/data/lines-factors.npy' });
 * ```
 */
export async function writeLinesNpy(path: string, options: WriteLinesNpyOptions): Promise<WriteLinesNpyResult> {
  const chunk = options.chunk ?? 256;
  if (!Number.isInteger(chunk) || chunk < 1) throw new Error(`writeLinesNpy: chunk must be a positive integer, got ${String(chunk)}`);
  const { n, chunk: _chunk, factorsPath, onProgress, ...lineOptions } = options;
  // the first piece validates every option before any file is created
  let piece = linesArrays({ ...lineOptions, n: Math.min(n, chunk), start: 0 });
  const shape: [number, number] = [n, piece.shape[1]];
  const writers: NpyWriter[] = [];
  try {
    const images = await createNpyWriter(path, { dtype: 'float32', shape });
    writers.push(images);
    const factors =
      factorsPath === undefined ? undefined : await createNpyWriter(factorsPath, { dtype: 'float32', shape: [n, LINE_FACTORS.length] });
    if (factors !== undefined) writers.push(factors);
    for (let start = 0; start < n; start += chunk) {
      if (start > 0) piece = linesArrays({ ...lineOptions, n: Math.min(chunk, n - start), start });
      await images.write(piece.images);
      if (factors !== undefined) {
        const count = piece.shape[0];
        const table = new Float32Array(count * LINE_FACTORS.length);
        LINE_FACTORS.forEach((name, column) => {
          for (let i = 0; i < count; i++) table[i * LINE_FACTORS.length + column] = piece.factors[name][i]!;
        });
        await factors.write(table);
      }
      onProgress?.(start + piece.shape[0], n);
    }
    for (const writer of writers) await writer.close();
  } catch (error) {
    await Promise.all(writers.map((w) => w.abort()));
    throw error;
  }
  return { shape, bytes: npyHeaderBytes('float32', shape).length + shape[0] * shape[1] * 4, factorNames: LINE_FACTORS };
}
