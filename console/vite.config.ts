import { vitePlugin as remix } from '@remix-run/dev';
import { defaultClientConditions, defaultServerConditions, defineConfig } from 'vite';

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
  // The workspace packages export their TypeScript under the `source` condition (the repo's
  // convention): the pages import the API's zod schemas and constants from there, not from a build.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
  build: { sourcemap: false },
});
