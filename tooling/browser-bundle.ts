// One way the browser tests and benches bundle a page's script: esbuild, one ES module for
// current browsers, held in memory.
import { build } from 'esbuild';

/**
 * Bundles a browser entry (a file, or TypeScript source resolved from `resolveDir`) into one
 * ES module's text; `alias` maps package names to source files (tests run on the sources).
 */
export async function bundleBrowserModule(
  entry: { file: string } | { source: string; resolveDir: string },
  alias: Record<string, string> = {},
): Promise<string> {
  const result = await build({
    ...('file' in entry
      ? { entryPoints: [entry.file] }
      : { stdin: { contents: entry.source, loader: 'ts', resolveDir: entry.resolveDir } }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
    alias,
  });
  return result.outputFiles[0]!.text;
}
