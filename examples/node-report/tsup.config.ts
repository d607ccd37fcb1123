import { defineConfig } from 'tsup';

// An application, not a library: one ESM entry for Node, dependencies stay external.
export default defineConfig({
  // The worker is its own entry: the report starts it with new Worker(new URL('./vae-worker.js', import.meta.url)).
  entry: ['src/cli.ts', 'src/vae-worker.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: false,
});
