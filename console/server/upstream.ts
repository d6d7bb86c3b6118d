// The one place the console talks to the Kubernetes API server: always with the user's own token.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';

export interface KubeTarget {
  /** API server URL, for example https://10.0.0.1:443. */
  server: URL;
  /** PEM bundle the API server's certificate chains to; the system roots when absent. */
  caPem?: string;
}

export interface UpstreamRequest {
  method: string;
  /** Path and query, already checked by the allowlist. */
  path: string;
  token: string;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

/** Sends one request and resolves with the response head; the body is left to the caller. */
export function kubeRequest(
  target: KubeTarget,
  request: UpstreamRequest,
): Promise<IncomingMessage> {
  const { server, caPem } = target;
  const base = server.pathname.replace(/\/$/, '');
  const transport = server.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...request.headers,
    authorization: `Bearer ${request.token}`,
  };
  if (request.body) headers['content-length'] = String(request.body.length);
  return new Promise((resolve, reject) => {
    const outgoing = transport.request(
      {
        protocol: server.protocol,
        hostname: server.hostname,
        port: server.port,
        path: `${base}${request.path}`,
        method: request.method,
        headers,
        ...(caPem ? { ca: caPem } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
      },
      resolve,
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
