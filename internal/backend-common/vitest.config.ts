import { defineConfig } from 'vitest/config';

// No backend is selected for these tests: @elbo/backend-node depends on this
// package, so the tests that need one set up cpu or wasm themselves (test/backends.ts).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // tfjs-core's gradient registrations ship as extensionless ESM only; let vite load them.
    server: { deps: { inline: [/@tensorflow\/tfjs-core\/dist\/(?!tf-core)/] } },
  },
});
