/**
 * Cuts the targets of one location (a target's account and region) into the batches an execution
 * sends: one SendCommand each. A location is planned on its own, as soon as its instances are
 * known, so a large run keeps what it planned when the operator restarts midway. The plan is
 * deterministic: the same instances give the same batches, so after a restart the same batch
 * index names the same instances, and the comment on a command sent before finds its batch again.
 */
import { LOCATION_STRIDE } from '@pcm-ops/crds';

/** SendCommand takes at most 50 instance ids. */
export const MAX_BATCH_SIZE = 50;

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

/**
 * The instance ids of one location in batches: duplicates dropped, ids an earlier location of
 * the same account and region already plans left out (an instance runs once, in the first target
 * that names it), sorted, in chunks of at most 50.
 */
export function planLocation(
  instanceIds: readonly string[],
  plannedBefore: ReadonlySet<string> = new Set(),
  batchSize = MAX_BATCH_SIZE,
): string[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE)
    throw new RangeError(`batch size ${batchSize} is not between 1 and ${MAX_BATCH_SIZE}`);
  const fresh = [...new Set(instanceIds)].filter((id) => !plannedBefore.has(id)).sort(compareText);
  return chunk(fresh, batchSize);
}

/** The plan-wide index of a location's nth batch: unique, and stable across attempts. */
export function batchIndex(location: number, chunkIndex: number): number {
  if (chunkIndex >= LOCATION_STRIDE)
    throw new RangeError(`a location holds at most ${LOCATION_STRIDE} batches`);
  return location * LOCATION_STRIDE + chunkIndex;
}
