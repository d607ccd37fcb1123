import type { Sharp, SharpOptions } from 'sharp';

/** The `sharp` function: images in, pipelines out. */
export type SharpFunction = (input: Uint8Array, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFunction> | undefined;

/**
 * The optional peer `sharp`, imported on first use so that the rest of the
 * package (and its browser build) never needs it.
 * @throws naming `caller` and the install command when sharp is missing.
 * @example
 * ```ts
 * const sharp = await loadSharp('imageFolder');
 * ```
 */
export function loadSharp(caller: string): Promise<SharpFunction> {
  loading ??= import('sharp').then(
    (module) => ((module as { default?: SharpFunction }).default ?? module) as SharpFunction,
    (error: unknown) => {
      loading = undefined; // an install later in the same process can still succeed
      throw error;
    },
  );
  return loading.catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${caller} needs the optional package sharp: npm install sharp (${reason})`, { cause: error });
  });
}
