/**
 * An image file that could not be read or decoded: not a file, outside the
 * folder, truncated, or not a PNG or JPEG at all.
 * @example
 * ```ts
 * try {
 *   await readImageFolder('photos', { size: 64 });
 * } catch (error) {
 *   if (error instanceof ImageFileError) console.log(error.file, error.reason);
 * }
 * ```
 */
export class ImageFileError extends Error {
  /** The file, relative to the folder it was listed in (or as given to `decodeImageFile`). */
  readonly file: string;
  /** Why it failed, as the file system or the decoder said. */
  readonly reason: string;

  constructor(caller: string, file: string, reason: string) {
    super(`${caller}: ${file} is not a readable PNG or JPEG image: ${reason}`);
    this.name = 'ImageFileError';
    this.file = file;
    this.reason = reason;
  }
}
