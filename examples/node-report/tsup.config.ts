import { defineConfig } from 'tsup';

// An application, not a library: one ESM entry for Node, dependencies stay external.
export default defineConfig({
  entry: ['src/cli.ts'],
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: false,
});
