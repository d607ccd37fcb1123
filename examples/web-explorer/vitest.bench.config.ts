import { defineConfig } from 'vitest/config';

// `pnpm bench`: the browser speed bench (builds nothing; it bundles its page from the built packages).
export default defineConfig({
  test: { include: ['bench/**/*.bench.ts'], testTimeout: 600_000, hookTimeout: 240_000 },
});
