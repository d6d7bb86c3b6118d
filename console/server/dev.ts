// Development mode (`npm run console:dev`): the pages come from a Vite dev server in middleware
// mode behind the same Koa server, so the proxy, login, CSRF and CSP are the production ones while
// app/ changes reach the browser by hot reload. Imported only in development: Vite is a dev
// dependency and never loads in production.
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerBuild } from '@remix-run/server-runtime';
import { createServer } from 'vite';
import type { DevPages } from './remix.js';

const CONSOLE_DIR = fileURLToPath(new URL('..', import.meta.url));

export interface ViteDevPages extends DevPages {
  close(): Promise<void>;
}

/**
 * A Vite dev server for console/app with its HMR WebSocket on `server` itself: same origin as
 * the pages, so the console's CSP (`default-src 'self'`) admits it without a new source.
 */
export async function viteDevPages(server: Server): Promise<ViteDevPages> {
  const vite = await createServer({
    root: CONSOLE_DIR,
    configFile: path.join(CONSOLE_DIR, 'vite.config.ts'),
    appType: 'custom',
    server: { middlewareMode: true, hmr: { server } },
  });
  return {
    middlewares: vite.middlewares,
    serverBuild: () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<ServerBuild>,
    close: () => vite.close(),
  };
}
