/**
 * Resolving: each location (a target's account and region) finds its instances, plans them into
 * batches and records that in its row, on its own and as soon as it is done. A large run keeps
 * every location it finished when the operator restarts; a location that fails marks its row
 * and lets the others go on.
 */
import type { ExecutionBatch, ExecutionTarget, ScriptExecution } from '@pcm-ops/crds';
import { earlierSameSpot, locationsOf } from '../../domain/locations.js';
import { mapLimit } from '../../domain/parallel.js';
import { batchIndex, planLocation } from '../../domain/plan.js';
import { ConflictError, EXECUTION_LABEL, LOCATION_LABEL } from '../../domain/store.js';
import {
  providerOf,
  type Failure,
  type Instance,
  type Place,
  type Provider,
  type SkippedInstance,
  type TargetSelector,
} from '../../domain/provider.js';
import type { LocationBackoff } from './backoff.js';
import { placesIn, targetProblem } from './freeze.js';
import type { Row, Run } from './context.js';

const SKIPPED_SAMPLE_SIZE = 20;
/** A cursor longer than this is not kept (status rows stay small); the location restarts instead. */
const CURSOR_MAX = 1024;

type Skipped = NonNullable<NonNullable<ScriptExecution['status']>['skippedSample']>[number];

function selectorOf(target: ExecutionTarget): TargetSelector {
  return {
    instanceIds: target.ids ?? target.instanceIds,
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

/** A location as its provider sees it, with the provider that acts there. */
export interface Reach {
  provider: Provider;
  place: Place;
}

/** The provider and place of a location's calls. A failure names the credential. */
export function locationReach(
  run: Run,
  location: number,
): { ok: true; value: Reach } | { ok: false; failure: Failure } {
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
  return reachFor(run, row);
}

function reachFor(
  run: Run,
  row: Spot,
): { ok: true; value: Reach } | { ok: false; failure: Failure } {
  const { credential: name, accountId, region } = row;
  const where = `CloudCredential "${name}" (account ${accountId})`;
  const credential = run.deps.lookups.credential(run.namespace, name);
  const found = credential
    ? providerOf(run.deps.providers, credential)
    : {
        ok: false as const,
        failure: {
          reason: 'CredentialNotFound',
          message: `CloudCredential "${name}" not found in namespace "${run.namespace}"`,
          transient: false,
        },
      };
  if (!found.ok) {
    return {
      ok: false,
      failure: { ...found.failure, message: `${where}: ${found.failure.message}` },
    };
  }
  const target = run.se.spec.targets[row.targetIndex ?? 0]!;
  const place = { namespace: run.namespace, credential: name, scope: accountId, region, target };
  return { ok: true, value: { provider: found.value, place } };
}

/** Where a location is: its target, credential, account and region. */
type Spot = Pick<Row, 'targetIndex' | 'credential' | 'accountId' | 'region'>;

function spotKey(row: Spot): string {
  return JSON.stringify([row.targetIndex ?? 0, row.credential, row.accountId, row.region]);
}

export interface Page {
  instances: Instance[];
  skipped: SkippedInstance[];
  next?: string;
}

/** One page of what a target selects in one spot, as the provider finds it. */
async function lookUp(run: Run, row: Spot, cursor: string | undefined): Promise<Page | Failure> {
  const reach = reachFor(run, row);
  if (!reach.ok) return reach.failure;
  const { provider, place } = reach.value;
  const found = await provider.resolvePage(place, selectorOf(place.target), cursor);
  return found.ok ? found.value : found.failure;
}

/** Instances the script's platforms leave out are skipped (PlatformMismatch). */
function byPlatform(run: Run, page: Page): Page {
  const platforms = run.se.status?.resolution?.script.platforms;
  const fits = (i: Instance): boolean => !platforms || platforms.includes(i.platform);
  const { instances, skipped, next } = page;
  return {
    instances: instances.filter(fits),
    skipped: [
      ...skipped,
      ...instances
        .filter((i) => !fits(i))
        .map((i) => ({ instanceId: i.instanceId, reason: 'PlatformMismatch' as const })),
    ],
    ...(next ? { next } : {}),
  };
}

/** The next page of a location's instances, from where `cursor` left off. */
async function findPage(
  run: Run,
  location: number,
  cursor: string | undefined,
): Promise<Page | Failure> {
  const row = run.rows[location]!;
  const early = cursor === undefined ? run.takeEarly<Page | Failure>(spotKey(row)) : undefined;
  const page = await (early ?? lookUp(run, row, cursor));
  return 'reason' in page ? page : byPlatform(run, page);
}

/** At most this many locations are looked up before the run is frozen. */
const EARLY_LOCATIONS = 8;

/**
 * While a run is about to be frozen, its first pages are looked up already, beside the writes
 * that add the finalizer and freeze it: they only read, and they are used only if the freeze
 * succeeds, which is conditional on the very copy of the spec they were looked up for.
 */
export function lookUpEarly(run: Run): void {
  // only where the run may reach: the same checks as the freeze, before any call
  if (run.hasEarly || targetProblem(run.se, run.deps)) return;
  const rows = locationsOf(run.se.spec.targets, placesIn(run.namespace, run.deps));
  if (rows.length > EARLY_LOCATIONS) return;
  for (const row of rows) {
    const page = lookUp(run, row, undefined).catch((error: unknown): Failure => ({
      reason: 'LookupFailed',
      message: error instanceof Error ? error.message : String(error),
      transient: true,
    }));
    run.early(spotKey(row), page);
  }
}

function sameIds(a: readonly ExecutionBatch[], b: readonly ExecutionBatch[]): boolean {
  const ids = (list: readonly ExecutionBatch[]): string =>
    JSON.stringify([...list].sort(byIndex).map((x) => [x.spec.index, x.spec.instanceIds]));
  return a.length === b.length && ids(a) === ids(b);
}

function byIndex(a: ExecutionBatch, b: ExecutionBatch): number {
  return a.spec.index - b.spec.index;
}

/**
 * Stores the batches of one page of a location. Batches an interrupted attempt stored for this
 * page are kept when they hold the same instances; otherwise (the fleet changed meanwhile) they
 * are replaced. Nothing of a run in Resolving has been sent, so replacing them is safe.
 */
async function store(
  run: Run,
  location: number,
  first: number,
  wanted: ExecutionBatch[],
): Promise<void> {
  const existing = run
    .inLocation(location)
    .filter((b) => b.spec.index >= batchIndex(location, first));
  if (existing.length && sameIds(existing, wanted)) return;
  if (existing.length) {
    await run.deps.store.deleteBatches(existing);
    existing.forEach((b) => run.batches.delete(b.metadata.name!));
  }
  const stored = await mapLimit(wanted, run.deps.parallelism, (b) => run.deps.store.createBatch(b));
  if (!sameIds(stored, wanted)) {
    // another attempt stored other batches under these names: plan this page again
    await run.deps.store.deleteBatches(stored);
    throw new ConflictError(`the batches of location ${location}`);
  }
  stored.forEach((b) => run.keep(b));
}

/** Instances planned already: by earlier rows of the same account and region, and earlier pages. */
function plannedBefore(run: Run, location: number, first: number): Set<string> {
  const earlier = earlierSameSpot(run.rows, location);
  const own = run.inLocation(location).filter((b) => b.spec.index < batchIndex(location, first));
  return new Set(
    [...earlier.flatMap((at) => run.inLocation(at)), ...own].flatMap((b) => b.spec.instanceIds),
  );
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

/** The row after one more page: its counts, and where the next page starts (or Resolved). */
function pageDone(row: Row, page: Page, batches: number, planned: number): Row {
  const next: Row = {
    ...row,
    total: row.total + planned,
    skipped: (row.skipped ?? 0) + page.skipped.length,
    batches,
    state: page.next ? 'Resolving' : 'Resolved',
  };
  delete next.reason;
  delete next.message;
  if (page.next && page.next.length <= CURSOR_MAX) next.cursor = page.next;
  else delete next.cursor;
  return next;
}

/** Plans one page into batches and records it on the row. */
async function planPage(run: Run, location: number, page: Page): Promise<void> {
  const first = run.rows[location]!.batches ?? 0;
  const ids = page.instances.map((i) => i.instanceId);
  const chunks = planLocation(ids, plannedBefore(run, location, first));
  const wanted = chunks.map((chunk, n) => batchObject(run, location, first + n, chunk));
  await run.confirmed();
  await store(run, location, first, wanted);
  const planned = chunks.reduce((n, c) => n + c.length, 0);
  const record = (current: ScriptExecution): object => {
    const row = current.status!.accounts![location]!;
    return {
      accounts: rowsWith(current, location, pageDone(row, page, first + chunks.length, planned)),
      skippedSample: skippedSample(current, row, page.skipped),
    };
  };
  // the last page of the last location: the write that starts the run records it too
  const last = !page.next && run.rows.every((r, at) => at === location || r.state !== 'Resolving');
  if (last) run.defer(record);
  else await run.updateStatus(record);
}

/** Pages were planned here, but where the next one starts was not kept (too long a cursor). */
function lostItsPlace(row: Row): boolean {
  return !row.cursor && (row.total > 0 || (row.batches ?? 0) > 0 || (row.skipped ?? 0) > 0);
}

/** Plans a location again from its first page: what an earlier attempt planned goes. */
async function startOver(run: Run, location: number): Promise<void> {
  const planned = run.inLocation(location);
  await run.confirmed();
  await run.deps.store.deleteBatches(planned);
  planned.forEach((b) => run.batches.delete(b.metadata.name!));
  await run.updateStatus((se) => {
    const row: Row = { ...se.status!.accounts![location]!, total: 0, batches: 0, skipped: 0 };
    return { accounts: rowsWith(se, location, row) };
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
    const next: Row = { ...row, state: 'Failed', ...problem };
    delete next.cursor;
    return { accounts: rowsWith(se, location, next) };
  });
}

/** Pages through one location from where it stands, keeping each page as it is planned. */
async function resolveOne(run: Run, location: number, backoff: LocationBackoff): Promise<void> {
  if (lostItsPlace(run.rows[location]!)) await startOver(run, location);
  let cursor = run.rows[location]!.cursor;
  for (;;) {
    const page = await findPage(run, location, cursor);
    if ('reason' in page) return failed(run, location, page, backoff);
    await planPage(run, location, page);
    run.deps.log.debug(
      {
        execution: run.se.metadata.name,
        location,
        instances: page.instances.length,
        more: Boolean(page.next),
      },
      'planned a page of targets',
    );
    backoff.clear(run.uid, location);
    if (!page.next) return;
    cursor = page.next;
  }
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
