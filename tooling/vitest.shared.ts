import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const packages = ['prob', 'nn', 'linear', 'autoencoder', 'vae', 'datasets', 'backend-node', 'backend-web'];

/**
 * Tests import workspace packages from their sources, never from a possibly
 * stale `dist`: `@elbo/x` resolves to `packages/x/src/index.ts` and
 * `@elbo/x/sub` to `packages/x/src/sub.ts`.
 */
export const sourceAliases = packages.flatMap((name) => [
  { find: new RegExp(`^@elbo/${name}/(.+)$`), replacement: `${root}/packages/${name}/src/$1.ts` },
  { find: new RegExp(`^@elbo/${name}$`), replacement: `${root}/packages/${name}/src/index.ts` },
]);

export interface PackageTestOptions {
  /** Run every test file once per backend (a vitest project each). Default: ELBO_TEST_BACKENDS or "cpu,wasm". */
  backends?: string[];
  /** Select the project's backend before the tests run. Default true. */
  selectBackend?: boolean;
  /** Per-test timeout in ms. */
  testTimeout?: number;
}

/** The test configuration each package's `vitest.config.ts` builds on. */
export function packageTest(options: PackageTestOptions = {}) {
  const backends = options.backends ?? (process.env.ELBO_TEST_BACKENDS ?? 'cpu,wasm').split(',').map((b) => b.trim());
  const setupFiles = options.selectBackend === false ? [] : [`${root}/tooling/test-backend-setup.ts`];
  return defineConfig({
    resolve: { alias: sourceAliases },
    test: {
      testTimeout: options.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      // tfjs-core's gradient registrations ship as extensionless ESM only; let vite load them.
      server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/] } },
      projects: backends.map((backend) => ({
        extends: true,
        test: {
          name: backend,
          env: { ELBO_TEST_BACKEND: backend },
          setupFiles,
        },
      })),
    },
  });
}
