/**
 * Resolving: each location (a target's account and region) finds its instances, plans them into
 * batches and records that in its row, on its own and as soon as it is done. A large run keeps
 * every location it finished when the operator restarts; a location that fails marks its row
 * and lets the others go on.
 */
import type { ExecutionBatch, ExecutionTarget, ScriptExecution } from '@pcm-ops/crds';
import { earlierSameSpot } from '../../domain/locations.js';
import { mapLimit } from '../../domain/parallel.js';
import { batchIndex, planLocation } from '../../domain/plan.js';
import { ConflictError, EXECUTION_LABEL, LOCATION_LABEL } from '../../domain/store.js';
import type {
  Failure,
  Instance,
  LocationSession,
  SkippedInstance,
  TargetSelector,
} from '../../providers/types.js';
import type { LocationBackoff } from './backoff.js';
import type { Row, Run } from './context.js';

const SKIPPED_SAMPLE_SIZE = 20;

type Skipped = NonNullable<NonNullable<ScriptExecution['status']>['skippedSample']>[number];

function selectorOf(target: ExecutionTarget): TargetSelector {
  return {
    instanceIds: target.instanceIds,
    tags: target.tags,
    states: target.filters?.states,
    platforms: target.filters?.platforms,
    onlineOnly: target.onlineOnly,
  };
}

/** A batch name that fits Kubernetes' 253 characters (execution names hold 63). */
export function batchName(executionName: string, index: number): string {
  return `${executionName}-${index}`;
}

function batchObject(run: Run, location: number, chunk: number, ids: string[]): ExecutionBatch {
  const se = run.se;
  const row = run.rows[location]!;
  const index = batchIndex(location, chunk);
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ExecutionBatch',
    metadata: {
      name: batchName(se.metadata.name!, index),
      namespace: se.metadata.namespace,
      labels: { [EXECUTION_LABEL]: se.metadata.name!, [LOCATION_LABEL]: String(location) },
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
      index,
      location,
      target: row.target,
      credential: row.credential,
      accountId: row.accountId,
      region: row.region,
      instanceIds: ids,
    },
  };
}

/**
 * The session a location's calls use: the credential's own account, or a member account of its
 * organization when the target asks for those. A failure names the credential.
 */
export async function locationSession(
  run: Run,
  location: number,
): Promise<{ ok: true; value: LocationSession } | { ok: false; failure: Failure }> {
  const row = run.rows[location];
  if (!row)
    return {
      ok: false,
      failure: {
        reason: 'LocationUnknown',
        message: `no row ${location} in status.accounts`,
        transient: false,
      },
    };
  const { credential, accountId, region } = row;
  const member = run.se.spec.targets[row.targetIndex ?? 0]?.organizationAccounts !== undefined;
  const found = member
    ? await run.deps.sessions.memberSession(run.namespace, credential, accountId)
    : await run.deps.sessions.session(run.namespace, credential);
  if (!found.ok) {
    const message = `CloudCredential "${credential}" (account ${accountId}): ${found.failure.message}`;
    return { ok: false, failure: { ...found.failure, message } };
  }
  return {
    ok: true,
    value: { accountId, region, credential, credentials: found.value.credentials },
  };
}

interface Found {
  instances: Instance[];
  skipped: SkippedInstance[];
}

async function find(run: Run, location: number): Promise<Found | Failure> {
  const row = run.rows[location]!;
  const target = run.se.spec.targets[row.targetIndex ?? 0]!;
  const session = await locationSession(run, location);
  if (!session.ok) return session.failure;
  const resolved = await run.deps.provider.resolve(session.value, selectorOf(target));
  if (!resolved.ok) return resolved.failure;
  const platforms = run.se.status?.resolution?.script.platforms;
  const fits = (i: Instance): boolean => !platforms || platforms.includes(i.platform);
  const { instances, skipped } = resolved.value;
  return {
    instances: instances.filter(fits),
    skipped: [
      ...skipped,
      ...instances
        .filter((i) => !fits(i))
        .map((i) => ({ instanceId: i.instanceId, reason: 'PlatformMismatch' as const })),
    ],
  };
}

function sameIds(a: readonly ExecutionBatch[], b: readonly ExecutionBatch[]): boolean {
  const ids = (list: readonly ExecutionBatch[]): string =>
    JSON.stringify(list.map((x) => [x.spec.index, x.spec.instanceIds]));
  return a.length === b.length && ids([...a].sort(byIndex)) === ids([...b].sort(byIndex));
}

function byIndex(a: ExecutionBatch, b: ExecutionBatch): number {
  return a.spec.index - b.spec.index;
}

/**
 * Stores the location's batches. Batches an earlier attempt stored are kept when they hold the
 * same instances; otherwise (the fleet changed meanwhile) they are replaced. Nothing of a run in
 * Resolving has been sent, so replacing them is safe.
 */
async function store(run: Run, location: number, wanted: ExecutionBatch[]): Promise<void> {
  const existing = run.inLocation(location);
  if (existing.length && sameIds(existing, wanted)) return;
  if (existing.length) {
    await run.deps.store.deleteBatches(existing);
    run.forgetLocation(location);
  }
  const stored = await mapLimit(wanted, run.deps.parallelism, (b) => run.deps.store.createBatch(b));
  if (!sameIds(stored, wanted)) {
    // another attempt stored other batches under these names: plan this location again
    await run.deps.store.deleteBatches(stored);
    throw new ConflictError(`the batches of location ${location}`);
  }
  stored.forEach((b) => run.keep(b));
}

function plannedBefore(run: Run, location: number): Set<string> {
  const earlier = earlierSameSpot(run.rows, location);
  return new Set(earlier.flatMap((at) => run.inLocation(at).flatMap((b) => b.spec.instanceIds)));
}

function skippedSample(se: ScriptExecution, row: Row, skipped: SkippedInstance[]): Skipped[] {
  const sample = se.status?.skippedSample ?? [];
  const more = skipped.slice(0, Math.max(0, SKIPPED_SAMPLE_SIZE - sample.length)).map((s) => ({
    instanceId: s.instanceId,
    reason: s.reason,
    accountId: row.accountId,
    region: row.region,
  }));
  return [...sample, ...more];
}

function rowsWith(se: ScriptExecution, location: number, row: Row): Row[] {
  return (se.status?.accounts ?? []).map((r, at) => (at === location ? row : r));
}

async function resolved(run: Run, location: number, found: Found): Promise<void> {
  const ids = found.instances.map((i) => i.instanceId);
  const chunks = planLocation(ids, plannedBefore(run, location));
  const wanted = chunks.map((chunk, n) => batchObject(run, location, n, chunk));
  await store(run, location, wanted);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  await run.updateStatus((se) => {
    const row = se.status!.accounts![location]!;
    const next: Row = { ...row, state: 'Resolved', total, skipped: found.skipped.length };
    delete next.reason;
    delete next.message;
    return {
      accounts: rowsWith(se, location, next),
      skippedSample: skippedSample(se, row, found.skipped),
    };
  });
}

async function failed(
  run: Run,
  location: number,
  failure: Failure,
  backoff: LocationBackoff,
): Promise<void> {
  const problem = { reason: failure.reason, message: failure.message.slice(0, 1024) };
  const first = backoff.fail(run.uid, location, problem, run.now().getTime());
  if (first) void run.deps.events.record(run.se, { type: 'Warning', ...problem });
  if (failure.transient) return;
  backoff.clear(run.uid, location);
  await run.updateStatus((se) => {
    const row = se.status!.accounts![location]!;
    return { accounts: rowsWith(se, location, { ...row, state: 'Failed', ...problem }) };
  });
}

async function resolveOne(run: Run, location: number, backoff: LocationBackoff): Promise<void> {
  const found = await find(run, location);
  if ('reason' in found) return failed(run, location, found, backoff);
  await resolved(run, location, found);
  backoff.clear(run.uid, location);
}

/** Rows still resolving that may go now: not waiting out a backoff, earlier rows of their spot done. */
function readyRows(run: Run, backoff: LocationBackoff): number[] {
  const rows = run.rows;
  const now = run.now().getTime();
  return rows
    .map((_, at) => at)
    .filter(
      (at) =>
        rows[at]!.state === 'Resolving' &&
        !backoff.waiting(run.uid, at, now) &&
        earlierSameSpot(rows, at).every((e) => rows[e]!.state !== 'Resolving'),
    );
}

/** Resolves every location that can go now; true once no row is still resolving. */
export async function resolveLocations(run: Run, backoff: LocationBackoff): Promise<boolean> {
  const ready = readyRows(run, backoff);
  await mapLimit(ready, run.deps.parallelism, (at) => resolveOne(run, at, backoff));
  return run.rows.every((row) => row.state !== 'Resolving');
}
