import { describeValue } from '@elbo/prob';
import { ImageFileError } from './image-file-error';

/**
 * What to do with a file that is not a readable PNG or JPEG.
 * @example
 * ```ts
 * const options: SkipBadOptions = { skipBad: true, onSkip: (path, error) => console.warn(error.message) };
 * ```
 */
export interface SkipBadOptions {
  /** Default false: the first unreadable image throws `ImageFileError`; true: it is skipped and counted. */
  skipBad?: boolean;
  /** Called once each time a file is skipped, with its path relative to the folder. */
  onSkip?: (path: string, error: ImageFileError) => void;
}

/**
 * A skipped file and why.
 * @example
 * ```ts
 * const first: SkippedImage | undefined = folder.skipped[0]; // { file: 'cats/broken.png', reason: '...' }
 * ```
 */
export interface SkippedImage {
  file: string;
  reason: string;
}

/**
 * Checks `skipBad` and `onSkip`, and returns what to do with each failure:
 * throw it (as an ImageFileError naming the file) or record it once in
 * `skipped` and tell `onSkip`.
 * @example
 * ```ts
 * const onBad = skipper({ skipBad: true }, 'imageFolder', skipped);
 * onBad('a.png', new Error('truncated')); // skipped: [{ file: 'a.png', reason: 'truncated' }]
 * ```
 */
export function skipper(options: SkipBadOptions, caller: string, skipped: SkippedImage[]): (file: string, error: unknown) => void {
  const skipBad = options.skipBad ?? false;
  if (typeof skipBad !== 'boolean') throw new TypeError(`${caller}: skipBad must be true or false, got ${describeValue(skipBad)}`);
  const onSkip = options.onSkip;
  if (onSkip !== undefined && typeof onSkip !== 'function') {
    throw new TypeError(`${caller}: onSkip must be a function (path, error) => void, got ${describeValue(onSkip)}`);
  }
  const seen = new Set(skipped.map((s) => s.file));
  return (file, error) => {
    const imageError =
      error instanceof ImageFileError ? error : new ImageFileError(caller, file, error instanceof Error ? error.message : String(error));
    if (!skipBad) throw imageError;
    if (!seen.has(file)) {
      seen.add(file);
      skipped.push({ file, reason: imageError.reason });
    }
    onSkip?.(file, imageError);
  };
}
