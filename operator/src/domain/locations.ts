/**
 * The locations of an execution: every (target, scope, region) its targets reach, in the order
 * of spec.targets, then as the target's provider lists its places. The list is fixed when
 * resolving starts and becomes the rows of status.accounts; a batch names its row by position.
 */
import type { ExecutionTarget } from '@pcm-ops/crds';
import type { Spot } from './provider.js';

export interface LocationRow {
  targetIndex: number;
  target: string;
  credential: string;
  /** The scope: an account, a subscription, a project, an inventory. */
  accountId: string;
  region: string;
}

/** Every location of the targets, each target's places given by its provider. */
export function locationsOf(
  targets: readonly ExecutionTarget[],
  placesOf: (target: ExecutionTarget) => Spot[],
): LocationRow[] {
  return targets.flatMap((target, targetIndex) =>
    placesOf(target).map(({ scope, region }) => ({
      targetIndex,
      target: target.name ?? String(targetIndex),
      credential: target.credentialRef.name,
      accountId: scope,
      region,
    })),
  );
}

/** Earlier rows of the same scope and region: their machines are planned before this one's. */
export function earlierSameSpot(
  rows: readonly Pick<LocationRow, 'accountId' | 'region'>[],
  index: number,
): number[] {
  const row = rows[index];
  if (!row) return [];
  const earlier: number[] = [];
  for (let i = 0; i < index; i++)
    if (rows[i]!.accountId === row.accountId && rows[i]!.region === row.region) earlier.push(i);
  return earlier;
}
