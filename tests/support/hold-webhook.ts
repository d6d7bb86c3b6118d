// A validating admission webhook, registered with the real API server, that holds chosen create
// requests until the test lets them go: the way to stop a multi-step client exactly between two of
// its writes. Dry runs pass at once. TLS from a CA of its own, handed to the API server as caBundle.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { issueCert } from '../infra/certs.js';
import { adminKubeConfig } from './kube.js';

export interface HeldRequest {
  resource: string;
  name: string;
  /** Admits the held request. */
  release(): void;
}

export interface HoldWebhook {
  /** Resolves with the next non-dry-run create of `resource` (a plural) once it is held. */
  next(resource: string): Promise<HeldRequest>;
  /** Holds creates of `resource` from now on (none is held until asked). */
  hold(resource: string): void;
  /** Admits everything from now on, held requests included. */
  releaseAll(): void;
  /** How many admission reviews the API server has sent so far. */
  calls(): number;
  close(): Promise<void>;
}

interface Review {
  request: {
    uid: string;
    resource: { resource: string };
    name?: string;
    dryRun?: boolean;
    object?: { metadata?: { name?: string; generateName?: string } };
  };
}

function answer(uid: string): string {
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid, allowed: true },
  });
}

async function certificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const ca = await issueCert(dir, { name: 'hold-ca', commonName: 'hold-webhook-ca', usage: 'ca' });
  const server = await issueCert(
    dir,
    { name: 'hold', commonName: 'hold-webhook', usage: 'server', altNames: ['IP:127.0.0.1'] },
    ca,
  );
  const [caPem, cert, key] = await Promise.all(
    [ca.certPath, server.certPath, server.keyPath].map((file) => readFile(file, 'utf8')),
  );
  return { ca: caPem!, cert: cert!, key: key! };
}

/**
 * Starts the webhook for creates of `resources` (`group/plural`, '' for the core group) in
 * `namespace`, and waits until the API server calls it.
 */
export async function holdWebhook(
  namespace: string,
  resources: Array<{ group: string; plural: string }>,
): Promise<HoldWebhook> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pcm-ops-hold-'));
  const tls = await certificates(dir);
  const holding = new Set<string>();
  const held: HeldRequest[] = [];
  const waiters: Array<{ resource: string; resolve: (request: HeldRequest) => void }> = [];
  let released = false;
  let calls = 0;
  const server = https.createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      calls += 1;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      const { uid, resource, dryRun, object } = review.request;
      const send = (): void => {
        res.setHeader('content-type', 'application/json');
        res.end(answer(uid));
      };
      if (released || dryRun || !holding.has(resource.resource)) return send();
      const request: HeldRequest = {
        resource: resource.resource,
        name: object?.metadata?.name ?? object?.metadata?.generateName ?? '',
        release: send,
      };
      held.push(request);
      const at = waiters.findIndex((waiter) => waiter.resource === resource.resource);
      if (at !== -1) waiters.splice(at, 1)[0]!.resolve(request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const api = adminKubeConfig().makeApiClient(AdmissionregistrationV1Api);
  const name = `hold-${namespace}`;
  await api.createValidatingWebhookConfiguration({
    body: {
      metadata: { name },
      webhooks: [
        {
          name: 'hold.pcm-ops.test',
          clientConfig: {
            url: `https://127.0.0.1:${port}/hold`,
            caBundle: Buffer.from(tls.ca).toString('base64'),
          },
          rules: resources.map(({ group, plural }) => ({
            apiGroups: [group],
            apiVersions: ['*'],
            operations: ['CREATE'],
            resources: [plural],
          })),
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
          timeoutSeconds: 20,
        },
      ],
    },
  });
  const webhook: HoldWebhook = {
    next: (resource) =>
      new Promise((resolve) => {
        const waiting = held.find((request) => request.resource === resource);
        if (waiting) resolve(waiting);
        else waiters.push({ resource, resolve });
      }),
    hold: (resource) => {
      released = false;
      holding.add(resource);
    },
    releaseAll: () => {
      released = true;
      for (const request of held.splice(0)) request.release();
    },
    calls: () => calls,
    close: async () => {
      webhook.releaseAll();
      await api.deleteValidatingWebhookConfiguration({ name });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return webhook;
}
