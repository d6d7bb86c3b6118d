import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveAgent, requestOptions } from './request-options.js';

const run = promisify(execFile);

describe('requestOptions', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  let ca: string;
  let handshakes = 0;
  const authorizations: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pcm-ops-tls-'));
    const [crt, key] = [path.join(dir, 'tls.crt'), path.join(dir, 'tls.key')];
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=127.0.0.1'],
      ...['-addext', 'subjectAltName=IP:127.0.0.1'],
    ]);
    ca = await readFile(crt, 'utf8');
    server = https.createServer({ cert: ca, key: await readFile(key) }, (req, res) => {
      authorizations.push(String(req.headers.authorization));
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 'a' } }));
    });
    server.on('secureConnection', () => handshakes++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  function client(): CustomObjectsApi {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'c',
          server: `https://127.0.0.1:${port}`,
          caData: Buffer.from(ca).toString('base64'),
          skipTLSVerify: false,
        },
      ],
      users: [{ name: 'u', token: 'operator-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc.makeApiClient(CustomObjectsApi);
  }

  async function get(api: CustomObjectsApi, withOptions: boolean): Promise<void> {
    const args = { group: 'x', version: 'v1', namespace: 'ns', plural: 'things', name: 'a' };
    await (withOptions
      ? api.getNamespacedCustomObject(args, requestOptions())
      : api.getNamespacedCustomObject(args));
  }

  it('reuses one TLS connection across calls, where plain client-node opens one per call', async () => {
    const api = client();
    handshakes = 0;
    for (let i = 0; i < 5; i++) await get(api, false);
    expect(handshakes).toBe(5);

    handshakes = 0;
    authorizations.length = 0;
    for (let i = 0; i < 5; i++) await get(api, true);
    expect(handshakes).toBe(1);
    // credentials still travel with every call, not with the connection
    expect(authorizations).toEqual(Array(5).fill('Bearer operator-token'));
  });

  it('keeps agents apart by TLS settings and leaves proxy and keep-alive agents alone', () => {
    const a = keepAliveAgent(new https.Agent({ ca: 'ca-1' }));
    expect(a?.options.keepAlive).toBe(true);
    expect(keepAliveAgent(new https.Agent({ ca: 'ca-1' }))).toBe(a);
    expect(keepAliveAgent(new https.Agent({ ca: 'ca-2' }))).not.toBe(a);
    expect(keepAliveAgent(new https.Agent({ keepAlive: true }))).toBeUndefined();
    class ProxyAgent extends https.Agent {}
    expect(keepAliveAgent(new ProxyAgent())).toBeUndefined();
    expect(keepAliveAgent(undefined)).toBeUndefined();
  });
});
