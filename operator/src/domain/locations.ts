/**
 * The locations of an execution: every (target, account, region) its targets reach, in the order
 * of spec.targets, then account, then region. The list is fixed when resolving starts and becomes
 * the rows of status.accounts; a batch names its row by position.
 */
import type { CloudCredential, ExecutionTarget } from '@pcm-ops/crds';

export interface LocationRow {
  targetIndex: number;
  target: string;
  credential: string;
  accountId: string;
  region: string;
}

/** The accounts a target reaches: the credential's own, or members of its organization. */
export function accountsOf(target: ExecutionTarget, credential: CloudCredential): string[] {
  if (!target.organizationAccounts) return [credential.status?.accountId ?? ''];
  const listed = (credential.status?.organizationAccounts ?? []).map((a) => a.id);
  const wanted = target.organizationAccounts.accountIds;
  return wanted?.length ? wanted.filter((id) => listed.includes(id)) : listed;
}

export function regionsOf(target: ExecutionTarget, credential: CloudCredential): string[] {
  return target.regions?.length ? target.regions : [credential.spec.aws?.defaultRegion ?? ''];
}

/** Every location of the targets, each credential looked up by name (all must exist). */
export function locationsOf(
  targets: readonly ExecutionTarget[],
  credential: (name: string) => CloudCredential,
): LocationRow[] {
  return targets.flatMap((target, targetIndex) => {
    const found = credential(target.credentialRef.name);
    return accountsOf(target, found).flatMap((accountId) =>
      regionsOf(target, found).map((region) => ({
        targetIndex,
        target: target.name ?? String(targetIndex),
        credential: target.credentialRef.name,
        accountId,
        region,
      })),
    );
  });
}

/** Earlier rows of the same account and region: their instances are planned before this one's. */
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
