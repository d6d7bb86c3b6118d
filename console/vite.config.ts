import { vitePlugin as remix } from '@remix-run/dev';
import { defineConfig } from 'vite';

// Builds the console pages: build/server/index.js for the Koa server, build/client for browsers.
export default defineConfig({
  plugins: [
    remix({
      appDirectory: 'app',
      buildDirectory: 'build',
      serverModuleFormat: 'esm',
      ignoredRouteFiles: ['**/*.test.*', '**/.*'],
    }),
  ],
  build: { sourcemap: false },
});
