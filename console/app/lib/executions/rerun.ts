// Re-run and re-run failed targets only: a new ScriptExecution (generateName) from the spec of a
// finished one. "Failed only" keeps every setting but targets exactly the instances that failed
// or timed out, as instanceIds per credential, region and (for organizations) member account, or
// for SSH hosts as ids per credential.
import {
  EXECUTION_NAME_MAX,
  type ExecutionBatch,
  type ExecutionTarget,
  type ScriptExecution,
} from '@pcm-ops/crds';

export const RERUN_OF = 'pcm-ops.io/rerun-of';
/** A target's instanceIds holds at most this many ids (the schema's limit). */
const MAX_IDS_PER_TARGET = 5000;
/** Invocation statuses a "re-run failed" sends again. */
export const RERUNNABLE: ReadonlySet<string> = new Set([
  'Failed',
  'DeliveryTimedOut',
  'ExecutionTimedOut',
  'Undeliverable',
  'Terminated',
  // never sent (a refusal, a credential that stopped working): safe to send again
  'SendFailed',
]);

export interface NewExecution {
  apiVersion: 'pcm-ops.io/v1alpha1';
  kind: 'ScriptExecution';
  metadata: {
    generateName: string;
    namespace: string;
    labels?: Record<string, string>;
    annotations: Record<string, string>;
  };
  spec: Omit<ScriptExecution['spec'], 'targets'> & { targets: ExecutionTarget[] };
}

/** A name prefix that leaves room for the 5 random characters the API server appends. */
function prefixFor(name: string, suffix: string): string {
  return `${name.slice(0, EXECUTION_NAME_MAX - 5 - suffix.length).replace(/[-.]+$/, '')}${suffix}`;
}

function manifest(
  source: ScriptExecution,
  suffix: string,
  targets: ExecutionTarget[],
): NewExecution {
  const name = source.metadata.name ?? 'execution';
  const labels = source.metadata.labels;
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ScriptExecution',
    metadata: {
      generateName: prefixFor(name, suffix),
      namespace: source.metadata.namespace ?? '',
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      annotations: { [RERUN_OF]: name },
    },
    spec: { ...source.spec, targets, suspend: false, cancel: false },
  };
}

/** The same run again: same script, parameters, targets and limits; sent at once. */
export function rerunExecution(source: ScriptExecution): NewExecution {
  return manifest(source, '-rerun-', source.spec.targets);
}

interface FailedGroup {
  entry: ExecutionTarget | undefined;
  provider: string | undefined;
  credential: string;
  accountId: string;
  region: string;
  instanceIds: string[];
}

/** The spec.targets entry a batch came from: by name, else by index (how the operator labels it). */
function entryOf(source: ScriptExecution, target: string | undefined): ExecutionTarget | undefined {
  const targets = source.spec.targets;
  return targets.find((t) => t.name !== undefined && t.name === target) ?? targets[Number(target)];
}

function failedGroups(source: ScriptExecution, batches: readonly ExecutionBatch[]): FailedGroup[] {
  const groups = new Map<string, FailedGroup>();
  const ordered = [...batches].sort((a, b) => a.spec.index - b.spec.index);
  for (const batch of ordered) {
    const failed = (batch.status?.invocations ?? [])
      .filter((i) => RERUNNABLE.has(i.status))
      .map((i) => i.instanceId);
    if (failed.length === 0) continue;
    const { target, credential, accountId, region, provider } = batch.spec;
    const key = JSON.stringify([target, credential, accountId, region]);
    const group = groups.get(key);
    if (group) group.instanceIds.push(...failed);
    else
      groups.set(key, {
        entry: entryOf(source, target),
        provider,
        credential,
        accountId,
        region,
        instanceIds: failed,
      });
  }
  return [...groups.values()];
}

/** Where the failed machines are, as their provider names them: hosts have no region. */
function placeOf(group: FailedGroup, ids: string[]): Partial<ExecutionTarget> {
  if (group.provider === 'ssh') return { ids };
  return {
    ...(group.entry?.organizationAccounts
      ? { organizationAccounts: { accountIds: [group.accountId] } }
      : {}),
    regions: [group.region],
    instanceIds: ids,
  };
}

function targetFor(group: FailedGroup, instanceIds: string[]): ExecutionTarget {
  const entry = group.entry;
  return {
    ...(entry?.name !== undefined ? { name: entry.name } : {}),
    credentialRef: { name: group.credential },
    ...placeOf(group, instanceIds),
    // The instances were reached last time; if their agent is offline now, say so as skipped.
    onlineOnly: entry?.onlineOnly ?? true,
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/** The instances that failed or timed out, as a new execution over exactly them, or undefined. */
export function rerunFailedExecution(
  source: ScriptExecution,
  batches: readonly ExecutionBatch[],
): NewExecution | undefined {
  const targets = failedGroups(source, batches).flatMap((group) =>
    chunks(group.instanceIds, MAX_IDS_PER_TARGET).map((ids) => targetFor(group, ids)),
  );
  return targets.length === 0 ? undefined : manifest(source, '-failed-', targets);
}
