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

/** `node_modules/@tensorflow/tfjs-backend-wasm/dist/` seen from this package's `dist/` (npm's flat layout, pnpm's siblings). */
const SIBLING_PACKAGE = '../../../@tensorflow/tfjs-backend-wasm/dist/';
/** The same at the server root, where Vite's dev server serves a project's `node_modules`. */
const ROOT_PACKAGE = '/node_modules/@tensorflow/tfjs-backend-wasm/dist/';

/**
 * Where the binaries are actually served, tried in order: the bundler's URLs (`vite build` and
 * others that rewrite `new URL(…, import.meta.url)`), then the installed package next to this one,
 * then under `/node_modules/` at the server root. Vite's dev server rewrites no URL inside a
 * dependency, so the first answers its HTML fallback page there; the others find the files.
 * A place counts when it answers the four bytes every wasm binary starts with; only those are read.
 * @returns the first place that serves them, or null (with every place tried, for the error).
 */
export async function locateWasmBinaries(): Promise<{ paths: WasmPaths | null; tried: string[] }> {
  const bundled = defaultWasmPaths();
  const candidates: WasmPaths[] = bundled == null ? [] : [bundled];
  try {
    // Not a literal: a bundler must not rewrite (or fail on) a URL that is only a guess.
    candidates.push(new URL(SIBLING_PACKAGE, import.meta.url).href);
  } catch {
    // the CJS build has no import.meta.url
  }
  if (typeof location !== 'undefined' && /^https?:$/.test(location.protocol)) candidates.push(new URL(ROOT_PACKAGE, location.href).href);
  const tried: string[] = [];
  for (const paths of candidates) {
    const url = simdUrl(paths);
    tried.push(url);
    if (await servesWasm(url)) return { paths, tried };
  }
  return { paths: null, tried };
}

const simdUrl = (paths: WasmPaths): string =>
  typeof paths === 'string' ? `${paths}tfjs-backend-wasm-simd.wasm` : paths['tfjs-backend-wasm-simd.wasm'];

/** True when `url` answers a WebAssembly binary (its magic number `\0asm`); reads only the first chunk. */
async function servesWasm(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    if (!response.ok || response.body == null) return false;
    const reader = response.body.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return value != null && value.length >= 4 && value[0] === 0 && value[1] === 0x61 && value[2] === 0x73 && value[3] === 0x6d;
  } catch {
    return false;
  }
}
