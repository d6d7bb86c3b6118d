import type {
  CloudCredential,
  ExecutionBatch,
  ScriptExecution,
  ScriptSpec,
  ExecutionTarget,
} from '@pcm-ops/crds';
import { isConditionTrue } from '../../domain/conditions.js';
import { mapLimit } from '../../domain/parallel.js';
import { planBatches } from '../../domain/plan.js';
import type { Instance, Location, SkippedInstance, TargetSelector } from '../../providers/types.js';
import { EXECUTION_LABEL, PLAN_LABEL, type ExecutionDeps } from './deps.js';

export interface SkippedTarget extends SkippedInstance {
  accountId: string;
  region: string;
}

export type ResolveOutcome =
  | { kind: 'planned'; batches: ExecutionBatch[]; skipped: SkippedTarget[]; locations: number }
  | { kind: 'waiting'; reason: string; message: string }
  | { kind: 'failed'; reason: string; message: string; transient: boolean };

interface Work {
  targetIndex: number;
  target: ExecutionTarget;
  credential: CloudCredential;
  accountId: string;
  region: string;
}

interface Found {
  work: Work;
  instances: Instance[];
  skipped: SkippedTarget[];
}

function selectorOf(target: ExecutionTarget): TargetSelector {
  return {
    instanceIds: target.instanceIds,
    tags: target.tags,
    states: target.filters?.states,
    platforms: target.filters?.platforms,
    onlineOnly: target.onlineOnly,
  };
}

function accountsOf(target: ExecutionTarget, credential: CloudCredential): string[] {
  if (!target.organizationAccounts) return [credential.status!.accountId!];
  const listed = (credential.status?.organizationAccounts ?? []).map((a) => a.id);
  const wanted = target.organizationAccounts.accountIds;
  return wanted?.length ? wanted.filter((id) => listed.includes(id)) : listed;
}

function readyMessage(credential: CloudCredential): string {
  return (
    credential.status?.conditions?.find((c) => c.type === 'Ready')?.message ?? 'not validated yet'
  );
}

function credentialProblem(
  credential: CloudCredential | undefined,
  name: string,
  targetIndex: number,
): ResolveOutcome | undefined {
  const where = `CloudCredential "${name}" (spec.targets[${targetIndex}].credentialRef)`;
  if (!credential)
    return { kind: 'waiting', reason: 'CredentialNotFound', message: `${where} not found` };
  const ready =
    isConditionTrue(credential.status?.conditions, 'Ready') &&
    Boolean(credential.status?.accountId);
  if (ready) return undefined;
  return {
    kind: 'waiting',
    reason: 'CredentialNotReady',
    message: `${where} is not Ready: ${readyMessage(credential)}`,
  };
}

/** Every (target, account, region) to search, or the credential that is not ready yet. */
function workList(se: ScriptExecution, deps: ExecutionDeps): Work[] | ResolveOutcome {
  const work: Work[] = [];
  for (const [targetIndex, target] of se.spec.targets.entries()) {
    const name = target.credentialRef.name;
    const credential = deps.lookups.credential(se.metadata.namespace!, name);
    const problem = credentialProblem(credential, name, targetIndex);
    if (problem) return problem;
    const regions = target.regions?.length ? target.regions : [credential!.spec.aws!.defaultRegion];
    for (const accountId of accountsOf(target, credential!)) {
      for (const region of regions)
        work.push({ targetIndex, target, credential: credential!, accountId, region });
    }
  }
  return work;
}

async function search(
  se: ScriptExecution,
  script: ScriptSpec,
  work: Work,
  deps: ExecutionDeps,
): Promise<Found | ResolveOutcome> {
  const namespace = se.metadata.namespace!;
  const credentialName = work.credential.metadata.name!;
  const session = work.target.organizationAccounts
    ? await deps.sessions.memberSession(namespace, credentialName, work.accountId)
    : await deps.sessions.session(namespace, credentialName);
  const where = `spec.targets[${work.targetIndex}] (account ${work.accountId}, ${work.region})`;
  if (!session.ok)
    return { kind: 'failed', ...session.failure, message: `${where}: ${session.failure.message}` };
  const location = { accountId: work.accountId, region: work.region, credential: credentialName };
  const resolved = await deps.provider.resolve(
    { ...location, credentials: session.value.credentials },
    selectorOf(work.target),
  );
  if (!resolved.ok)
    return {
      kind: 'failed',
      ...resolved.failure,
      message: `${where}: ${resolved.failure.message}`,
    };
  const allowed = script.platforms;
  const fits = (i: Instance): boolean => !allowed || allowed.includes(i.platform);
  const at = { accountId: work.accountId, region: work.region };
  return {
    work,
    instances: resolved.value.instances.filter(fits),
    skipped: [
      ...resolved.value.skipped.map((s) => ({ ...s, ...at })),
      ...resolved.value.instances
        .filter((i) => !fits(i))
        .map((i) => ({ instanceId: i.instanceId, reason: 'PlatformMismatch' as const, ...at })),
    ],
  };
}

export function batchName(executionName: string, index: number): string {
  return `${executionName.slice(0, 240)}-${index}`;
}

function batchObject(
  se: ScriptExecution,
  planned: ReturnType<typeof planBatches>[number],
): ExecutionBatch {
  const location: Location = planned.location;
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ExecutionBatch',
    metadata: {
      name: batchName(se.metadata.name!, planned.index),
      namespace: se.metadata.namespace,
      labels: {
        [EXECUTION_LABEL]: se.metadata.name!,
        [PLAN_LABEL]: String(se.metadata.generation ?? 0),
      },
      ownerReferences: [
        {
          apiVersion: se.apiVersion,
          kind: se.kind,
          name: se.metadata.name,
          uid: se.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      executionName: se.metadata.name!,
      index: planned.index,
      target: planned.targetName,
      credential: location.credential,
      accountId: location.accountId,
      region: location.region,
      instanceIds: planned.instanceIds,
    },
  };
}

/** Finds the instances every target selects and cuts them into batches of at most 50. */
export async function resolveTargets(
  se: ScriptExecution,
  script: ScriptSpec,
  deps: ExecutionDeps,
): Promise<ResolveOutcome> {
  const work = workList(se, deps);
  if (!Array.isArray(work)) return work;
  const found = await mapLimit(work, deps.parallelism, (w) => search(se, script, w, deps));
  const failure = found.find((f): f is ResolveOutcome => 'kind' in f);
  if (failure) return failure;
  const results = found as Found[];
  const planned = planBatches(
    results.map((r) => ({
      location: {
        accountId: r.work.accountId,
        region: r.work.region,
        credential: r.work.credential.metadata.name!,
      },
      targetName: r.work.target.name ?? String(r.work.targetIndex),
      instances: r.instances,
    })),
  );
  return {
    kind: 'planned',
    batches: planned.map((p) => batchObject(se, p)),
    skipped: results.flatMap((r) => r.skipped),
    locations: results.length,
  };
}
