// Streams the server render with the request's CSP nonce on every inline script React or Remix
// writes; crawlers get the whole document at once.
import { PassThrough, Readable } from 'node:stream';
import type { EntryContext } from '@remix-run/server-runtime';
import { RemixServer } from '@remix-run/react';
import { isbot } from 'isbot';
import { renderToPipeableStream } from 'react-dom/server';
import type { ConsoleLoadContext } from '../server/remix.js';
import { NonceContext } from './nonce.js';

const ABORT_DELAY_MS = 5_000;

// Remix calls this with five arguments; the signature is not ours to choose.
// eslint-disable-next-line max-params
export default function handleRequest(
  request: Request,
  status: number,
  headers: Headers,
  remixContext: EntryContext,
  loadContext: ConsoleLoadContext,
): Promise<Response> {
  const nonce = loadContext.nonce;
  const ready = isbot(request.headers.get('user-agent') ?? '') ? 'onAllReady' : 'onShellReady';
  return new Promise((resolve, reject) => {
    let failed = false;
    const { pipe, abort } = renderToPipeableStream(
      <NonceContext.Provider value={nonce}>
        <RemixServer context={remixContext} url={request.url} abortDelay={ABORT_DELAY_MS} />
      </NonceContext.Provider>,
      {
        nonce,
        [ready]: () => {
          const body = new PassThrough();
          headers.set('Content-Type', 'text/html; charset=utf-8');
          resolve(
            new Response(Readable.toWeb(body) as ReadableStream<Uint8Array>, {
              headers,
              status: failed ? 500 : status,
            }),
          );
          pipe(body);
        },
        onShellError: reject,
        onError: (error: unknown) => {
          failed = true;
          console.error('render failed', error);
        },
      },
    );
    setTimeout(abort, ABORT_DELAY_MS + 1_000);
  });
}
