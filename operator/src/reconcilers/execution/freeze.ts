/**
 * Pending → Resolving: everything an execution needs is checked while it can still be edited
 * (the script and its parameters, each credential Ready, each region allowed), then one
 * conditional write freezes it: the spec becomes immutable, the script is copied into the status,
 * and the locations it will run in become the rows of status.accounts.
 */
import type { CloudCredential, ScriptExecution } from '@pcm-ops/crds';
import { isConditionTrue } from '../../domain/conditions.js';
import { locationsOf, regionsOf, type LocationRow } from '../../domain/locations.js';
import type { Run } from './context.js';
import type { ExecutionDeps } from './deps.js';
import { prepare } from './prepare.js';
import { hold, writeStatus } from './status.js';

/** status.accounts holds at most this many rows. */
export const MAX_LOCATIONS = 2000;

interface Problem {
  reason: string;
  message: string;
  condition: string;
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
): Problem | undefined {
  const where = `CloudCredential "${name}" (spec.targets[${targetIndex}].credentialRef)`;
  const condition = 'CredentialsReady';
  if (!credential)
    return { reason: 'CredentialNotFound', message: `${where} not found`, condition };
  if (isConditionTrue(credential.status?.conditions, 'Ready') && credential.status?.accountId)
    return undefined;
  return {
    reason: 'CredentialNotReady',
    message: `${where} is not Ready: ${readyMessage(credential)}`,
    condition,
  };
}

/** spec.aws.regions limits where a credential may be used; an empty list allows every region. */
function regionProblem(
  se: ScriptExecution,
  credential: CloudCredential,
  targetIndex: number,
): Problem | undefined {
  const allowed = credential.spec.aws?.regions ?? [];
  if (allowed.length === 0) return undefined;
  const target = se.spec.targets[targetIndex]!;
  const refused = regionsOf(target, credential).find((region) => !allowed.includes(region));
  if (refused === undefined) return undefined;
  return {
    reason: 'RegionNotAllowed',
    message: `spec.targets[${targetIndex}]: region ${refused} is not one CloudCredential "${credential.metadata.name}" may reach (spec.aws.regions: ${allowed.join(', ')})`,
    condition: 'TargetsResolved',
  };
}

/** What keeps the targets from being resolved: a credential not Ready, a region not allowed. */
export function targetProblem(se: ScriptExecution, deps: ExecutionDeps): Problem | undefined {
  for (const [index, target] of se.spec.targets.entries()) {
    const name = target.credentialRef.name;
    const credential = deps.lookups.credential(se.metadata.namespace!, name);
    const problem =
      credentialProblem(credential, name, index) ?? regionProblem(se, credential!, index);
    if (problem) return problem;
  }
  return undefined;
}

function rowsOf(se: ScriptExecution, deps: ExecutionDeps): LocationRow[] {
  return locationsOf(se.spec.targets, (name) =>
    deps.lookups.credential(se.metadata.namespace!, name)!,
  );
}

/** Checks what the run needs, then freezes it in one conditional write. */
export async function freeze(run: Run): Promise<'held' | 'frozen'> {
  const { se, deps } = run;
  const prepared = await prepare(se, deps);
  if (!prepared.ok) {
    await hold(run, prepared);
    return 'held';
  }
  const problem = targetProblem(se, deps);
  if (problem) {
    await hold(run, problem, problem.condition);
    return 'held';
  }
  const rows = rowsOf(se, deps);
  if (rows.length > MAX_LOCATIONS) {
    const message = `the targets reach ${rows.length} account-regions; one execution holds at most ${MAX_LOCATIONS}`;
    await hold(run, { reason: 'TooManyLocations', message }, 'TargetsResolved');
    return 'held';
  }
  const message = `resolving targets in ${rows.length} account-regions`;
  await writeStatus(run, {
    phase: 'Resolving',
    reason: 'Resolving',
    fields: {
      phase: 'Resolving',
      message,
      scriptHash: prepared.value.hash,
      resolution: prepared.value.resolution,
      accounts: rows.map((row) => ({ ...row, state: 'Resolving', total: 0 })),
      counts: { total: 0 },
      progress: '0/0',
    },
    extra: [{ type: 'CredentialsReady', status: 'True', reason: 'CredentialsReady', message: '' }],
  });
  return 'frozen';
}
