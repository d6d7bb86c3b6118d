/**
 * Cuts resolved targets into the batches a ScriptExecution sends: one SendCommand each, in one
 * account and region. The plan is deterministic, so after a restart the same batch index names
 * the same instances, and the comment on a command sent before finds its batch again.
 */
import type { Instance, Location } from '../providers/types.js';

/** SendCommand takes at most 50 instance ids. */
export const MAX_BATCH_SIZE = 50;

export interface TargetGroup {
  location: Location;
  targetName?: string;
  instances: Instance[];
}

export interface PlannedBatch {
  index: number;
  location: Location;
  targetName?: string;
  instanceIds: string[];
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size ${size} is not >= 1`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** Code-unit order, the same on every machine whatever its locale. */
function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

interface RankedGroup {
  rank: number;
  location: Location;
  targetName?: string;
  instanceIds: string[];
}

/**
 * Groups of one target keep the place where the target first appears (callers pass groups in
 * spec.targets order); an unnamed group keeps its own place. Groups of the same target, account,
 * region and credential are merged so their batches fill up.
 */
function rankGroups(groups: readonly TargetGroup[]): RankedGroup[] {
  const firstSeen = new Map<string, number>();
  const merged = new Map<string, RankedGroup>();
  groups.forEach((group, position) => {
    const name = group.targetName;
    if (name !== undefined && !firstSeen.has(name)) firstSeen.set(name, position);
    const rank = name === undefined ? position : (firstSeen.get(name) ?? position);
    const { accountId, region, credential } = group.location;
    const key = JSON.stringify([rank, accountId, region, credential]);
    const existing = merged.get(key);
    const ids = group.instances.map((instance) => instance.instanceId);
    if (existing) existing.instanceIds.push(...ids);
    else merged.set(key, { rank, location: group.location, targetName: name, instanceIds: ids });
  });
  return [...merged.values()];
}

function compareGroups(a: RankedGroup, b: RankedGroup): number {
  return (
    a.rank - b.rank ||
    compareText(a.location.accountId, b.location.accountId) ||
    compareText(a.location.region, b.location.region) ||
    compareText(a.location.credential, b.location.credential)
  );
}

/**
 * Batches in order of target, then account, region and instance id; indexes 0..n-1. An instance
 * listed by several groups in the same account and region runs once, in the first group.
 */
export function planBatches(
  groups: readonly TargetGroup[],
  batchSize = MAX_BATCH_SIZE,
): PlannedBatch[] {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
    throw new RangeError(`batch size ${batchSize} is not between 1 and ${MAX_BATCH_SIZE}`);
  const planned = new Set<string>();
  const batches: PlannedBatch[] = [];
  for (const group of rankGroups(groups).sort(compareGroups)) {
    const { accountId, region } = group.location;
    const fresh = [...new Set(group.instanceIds)]
      .filter((id) => !planned.has(JSON.stringify([accountId, region, id])))
      .sort(compareText);
    fresh.forEach((id) => planned.add(JSON.stringify([accountId, region, id])));
    for (const instanceIds of chunk(fresh, batchSize)) {
      const batch: PlannedBatch = { index: batches.length, location: group.location, instanceIds };
      if (group.targetName !== undefined) batch.targetName = group.targetName;
      batches.push(batch);
    }
  }
  return batches;
}
