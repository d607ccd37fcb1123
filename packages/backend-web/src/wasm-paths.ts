/** The three binaries of @tensorflow/tfjs-backend-wasm; which one loads depends on SIMD and thread support. */
export const WASM_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** Where the wasm backend fetches its binaries: a URL prefix, or one URL per file. */
export type WasmPaths = string | Record<(typeof WASM_FILES)[number], string>;

/**
 * The binaries' URLs as a bundler that understands
 * `new URL('<specifier>', import.meta.url)` emits them (Vite does: it copies
 * each file into the build's assets and rewrites the URL, in dev and build).
 * Each call is written out literally because bundlers only rewrite literal
 * arguments. Returns null where `import.meta.url` is not available (the CJS
 * build), leaving tfjs' own default: the files next to the page.
 */
export function defaultWasmPaths(): WasmPaths | null {
  try {
    return {
      'tfjs-backend-wasm.wasm': new URL('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm', import.meta.url).href,
      'tfjs-backend-wasm-simd.wasm': new URL('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
      'tfjs-backend-wasm-threaded-simd.wasm': new URL(
        '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm',
        import.meta.url,
      ).href,
    };
  } catch {
    return null;
  }
}

/** Checks a user's `wasmPaths` before any state changes. */
export function checkWasmPaths(paths: unknown): WasmPaths | undefined {
  if (paths === undefined) return undefined;
  if (typeof paths === 'string') {
    if (!paths.endsWith('/')) {
      throw new Error(
        `selectBackend option "wasmPaths" must be a URL prefix ending in "/" (the .wasm file names are appended), got ${JSON.stringify(paths)}`,
      );
    }
    return paths;
  }
  if (paths !== null && typeof paths === 'object') {
    const map = paths as Record<string, unknown>;
    const missing = WASM_FILES.filter((file) => typeof map[file] !== 'string');
    if (missing.length > 0) {
      throw new Error(
        `selectBackend option "wasmPaths" as an object must give a URL for each of ${WASM_FILES.join(', ')}; missing ${missing.join(', ')}`,
      );
    }
    return map as Record<(typeof WASM_FILES)[number], string>;
  }
  throw new Error(
    `selectBackend option "wasmPaths" must be a URL prefix string or a map of file names to URLs, got ${JSON.stringify(paths)}`,
  );
}
