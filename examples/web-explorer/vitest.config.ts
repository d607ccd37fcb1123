import { defineConfig } from 'vitest/config';

// One browser test: it builds the app with Vite, serves it from 127.0.0.1 and
// drives headless Chromium (no Node backend is selected here).
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 240_000, hookTimeout: 240_000 },
});
