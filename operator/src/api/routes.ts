import type { IncomingMessage, ServerResponse } from 'node:http';
import { REGION_PATTERN, type CloudCredential, type ExecutionBatch } from '@pcm-ops/crds';
import type { ExecutionStore } from '../domain/store.js';
import type { SessionCache } from '../providers/aws/sessions.js';
import type { ExecutionProvider } from '../providers/types.js';
import type { Lookups } from '../reconcilers/execution/deps.js';
import type { KubernetesAccess, ResourceAccess } from './access.js';
import { discover, selectorFrom } from './discovery.js';

export interface ApiDeps {
  access: KubernetesAccess;
  store: ExecutionStore;
  lookups: Lookups;
  sessions: SessionCache;
  provider: ExecutionProvider;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // Script output is untrusted text: it only ever leaves here JSON-encoded.
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
    })
    .end(JSON.stringify(body));
}

const OUTPUT = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/scriptexecutions\/([a-z0-9.-]+)\/output$/;
const INSTANCES =
  /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/cloudcredentials\/([a-z0-9.-]+)\/instances$/;

async function authorize(
  deps: ApiDeps,
  req: IncomingMessage,
  access: ResourceAccess,
): Promise<void> {
  const decision = await deps.access.check(req.headers.authorization, access);
  if (!decision.allowed) throw new HttpError(decision.status, decision.message);
}

function batchWith(batches: ExecutionBatch[], instanceId: string): ExecutionBatch | undefined {
  return batches.find((b) => b.spec.instanceIds.includes(instanceId));
}

async function sentBatch(
  deps: ApiDeps,
  namespace: string,
  name: string,
  instanceId: string,
): Promise<ExecutionBatch> {
  const snapshot = await deps.store.read(namespace, name);
  if (!snapshot) throw new HttpError(404, `ScriptExecution "${name}" not found`);
  const batch = batchWith(snapshot.batches, instanceId);
  if (!batch)
    throw new HttpError(404, `instance ${instanceId} is not a target of ScriptExecution "${name}"`);
  if (!batch.status?.commandId)
    throw new HttpError(409, `instance ${instanceId} has not been sent the script yet`);
  return batch;
}

/** Full inline output of one target: what SSM keeps (24,000 characters of stdout, 8,000 of stderr). */
async function output(deps: ApiDeps, namespace: string, name: string, url: URL): Promise<unknown> {
  const instanceId = url.searchParams.get('instanceId');
  if (!instanceId) throw new HttpError(400, 'the query parameter instanceId is required');
  const batch = await sentBatch(deps, namespace, name, instanceId);
  const commandId = batch.status!.commandId!;
  const session = await deps.sessions.session(namespace, batch.spec.credential);
  if (!session.ok) throw new HttpError(503, session.failure.message);
  const { accountId, region, credential } = batch.spec;
  const location = { accountId, region, credential, credentials: session.value.credentials };
  const found = await deps.provider.output(location, commandId, instanceId);
  if (!found.ok) throw new HttpError(found.failure.transient ? 503 : 502, found.failure.message);
  return { instanceId, commandId, accountId, region, ...found.value };
}

function regionOf(url: URL, credential: CloudCredential): string {
  const aws = credential.spec.aws;
  const region = url.searchParams.get('region') ?? aws?.defaultRegion ?? 'us-east-1';
  if (!REGION_PATTERN.test(region))
    throw new HttpError(400, `region "${region}" is not an AWS region code such as eu-west-1`);
  const allowed = aws?.regions ?? [];
  if (allowed.length && !allowed.includes(region))
    throw new HttpError(
      403,
      `region ${region} is not one CloudCredential "${credential.metadata.name}" may reach (spec.aws.regions: ${allowed.join(', ')})`,
    );
  return region;
}

/** Instance discovery for the console: what a credential reaches in one region, filtered. */
async function instances(
  deps: ApiDeps,
  namespace: string,
  name: string,
  url: URL,
): Promise<unknown> {
  const credential = deps.lookups.credential(namespace, name);
  if (!credential?.status?.accountId)
    throw new HttpError(409, `CloudCredential "${name}" is not Ready`);
  const region = regionOf(url, credential);
  const session = await deps.sessions.session(namespace, name);
  if (!session.ok) throw new HttpError(503, session.failure.message);
  const location = { accountId: credential.status.accountId, region, credential: name };
  const selector = selectorFrom(url.searchParams);
  if (!selector.ok) throw new HttpError(400, selector.message);
  const found = await discover(
    deps.provider,
    { ...location, credentials: session.value.credentials },
    selector.value,
  );
  if (!found.ok) throw new HttpError(found.failure.transient ? 503 : 502, found.failure.message);
  return { ...location, ...found.value };
}

function route(pathname: string): {
  kind: 'output' | 'instances';
  namespace: string;
  name: string;
} {
  const out = OUTPUT.exec(pathname);
  const match = out ?? INSTANCES.exec(pathname);
  if (!match) throw new HttpError(404, `no such API path: ${pathname}`);
  return { kind: out ? 'output' : 'instances', namespace: match[1] ?? '', name: match[2] ?? '' };
}

/** The operator's read API: `/api/v1/...`, each request authorized by Kubernetes RBAC. */
export async function handleApi(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://operator');
  try {
    if (req.method !== 'GET') throw new HttpError(405, 'only GET is served');
    const { kind, namespace, name } = route(url.pathname);
    const resource = kind === 'output' ? 'scriptexecutions' : 'cloudcredentials';
    await authorize(deps, req, { namespace, resource, name, verb: 'get' });
    const serve = kind === 'output' ? output : instances;
    send(res, 200, await serve(deps, namespace, name, url));
  } catch (error) {
    const status = error instanceof HttpError ? error.status : 500;
    send(res, status, { error: error instanceof Error ? error.message : String(error) });
  }
}
