import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudCredential, ExecutionBatch, ExecutionTarget } from '@pcm-ops/crds';
import type { Lookups } from '../domain/lookups.js';
import { providerOf, type Place, type Provider, type Providers } from '../domain/provider.js';
import type { ExecutionSnapshot, ExecutionStore } from '../domain/store.js';
import type { KubernetesAccess, ResourceAccess } from './access.js';
import { discover, selectorFrom } from './discovery.js';

export interface ApiDeps {
  access: KubernetesAccess;
  store: ExecutionStore;
  lookups: Lookups;
  providers: Providers;
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
): Promise<{ batch: ExecutionBatch; target: ExecutionTarget }> {
  const snapshot = await deps.store.read(namespace, name);
  if (!snapshot) throw new HttpError(404, `ScriptExecution "${name}" not found`);
  const batch = batchWith(snapshot.batches, instanceId);
  if (!batch)
    throw new HttpError(404, `instance ${instanceId} is not a target of ScriptExecution "${name}"`);
  if (!batch.status?.commandId)
    throw new HttpError(409, `instance ${instanceId} has not been sent the script yet`);
  return { batch, target: snapshotTarget(snapshot, batch) };
}

/** Full inline output of one target: what SSM keeps (24,000 characters of stdout, 8,000 of stderr). */
async function output(deps: ApiDeps, namespace: string, name: string, url: URL): Promise<unknown> {
  const instanceId = url.searchParams.get('instanceId');
  if (!instanceId) throw new HttpError(400, 'the query parameter instanceId is required');
  const { batch, target } = await sentBatch(deps, namespace, name, instanceId);
  const commandId = batch.status!.commandId!;
  const { accountId, region, credential: credentialName } = batch.spec;
  const credential = deps.lookups.credential(namespace, credentialName);
  if (!credential) throw new HttpError(503, `CloudCredential "${credentialName}" not found`);
  const provider = providerFor(deps, credential);
  const place = { namespace, credential: credentialName, scope: accountId, region, target };
  const found = await provider.output(place, commandId, instanceId);
  if (!found.ok) throw new HttpError(found.failure.transient ? 503 : 502, found.failure.message);
  return { instanceId, commandId, accountId, region, ...found.value };
}

function providerFor(deps: ApiDeps, credential: CloudCredential): Provider {
  const found = providerOf(deps.providers, credential);
  if (!found.ok) throw new HttpError(409, found.failure.message);
  return found.value;
}

/** The spec.targets entry a batch serves (its provider reads its settings there). */
function snapshotTarget(snapshot: ExecutionSnapshot, batch: ExecutionBatch): ExecutionTarget {
  const rows = snapshot.execution.status?.accounts ?? [];
  const index = rows[batch.spec.location ?? 0]?.targetIndex ?? 0;
  const target = snapshot.execution.spec.targets[index];
  if (!target) throw new HttpError(409, `no target for batch ${batch.metadata.name}`);
  return target;
}

/** The place discovery looks in: the credential's own scope, in the region asked for. */
function placeOf(deps: ApiDeps, credential: CloudCredential, url: URL): Place {
  const region = url.searchParams.get('region');
  const target: ExecutionTarget = {
    credentialRef: { name: credential.metadata.name ?? '' },
    ...(region ? { regions: [region] } : {}),
    onlineOnly: false,
  };
  const provider = providerFor(deps, credential);
  const problem = provider.targetProblem(target, credential, 0);
  if (problem) throw new HttpError(problem.reason === 'RegionInvalid' ? 400 : 403, problem.message);
  const [spot] = provider.places(target, credential);
  if (!spot)
    throw new HttpError(409, `CloudCredential "${credential.metadata.name}" reaches no place`);
  const namespace = credential.metadata.namespace ?? '';
  return { namespace, credential: target.credentialRef.name, ...spot, target };
}

/** Instance discovery for the console: what a credential reaches in one region, filtered. */
async function instances(
  deps: ApiDeps,
  namespace: string,
  name: string,
  url: URL,
): Promise<unknown> {
  const credential = deps.lookups.credential(namespace, name);
  // validated: the scope it acts in is known (an account id, an inventory)
  if (!(credential?.status?.scope ?? credential?.status?.accountId))
    throw new HttpError(409, `CloudCredential "${name}" is not Ready`);
  const place = placeOf(deps, credential, url);
  const provider = credential.spec.provider;
  const selector = selectorFrom(url.searchParams, provider);
  if (!selector.ok) throw new HttpError(400, selector.message);
  const found = await discover(providerFor(deps, credential), place, selector.value);
  if (!found.ok) throw new HttpError(found.failure.transient ? 503 : 502, found.failure.message);
  // accountId is the scope under the name the console has always read
  const location = {
    provider,
    scope: place.scope,
    accountId: place.scope,
    region: place.region,
    credential: name,
  };
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
