import { defineConfig } from 'vite';

// Relative asset URLs, so the built app works from any folder or server path, offline.
export default defineConfig({
  base: './',
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
