import { defineConfig, type Options } from 'tsup';

/**
 * The one build configuration every package shares, so changing the bundler
 * is a change to this file alone. ESM and CJS with their own declaration files
 * (`.d.ts` / `.d.cts`), so both `import` and `require` resolve typed entries.
 * `keepNames`: messages name classes by `constructor.name`, which the bundler
 * would otherwise rename (`_Normal`) and a user's minifier mangle.
 */
export function packageBuild(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    splitting: false,
    keepNames: true,
    ...overrides,
  });
}
