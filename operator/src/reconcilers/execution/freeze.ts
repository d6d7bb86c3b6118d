/**
 * Pending → Resolving: everything an execution needs is checked while it can still be edited
 * (the script and its parameters, each credential Ready, each region allowed), then one
 * conditional write freezes it: the spec becomes immutable, the script is copied into the status,
 * and the locations it will run in become the rows of status.accounts.
 */
import type { CloudCredential, ExecutionTarget, ScriptExecution } from '@pcm-ops/crds';
import { isConditionTrue } from '../../domain/conditions.js';
import { locationsOf, type LocationRow } from '../../domain/locations.js';
import { providerOf, type Spot } from '../../domain/provider.js';
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
  if (isConditionTrue(credential.status?.conditions, 'Ready')) return undefined;
  return {
    reason: 'CredentialNotReady',
    message: `${where} is not Ready: ${readyMessage(credential)}`,
    condition,
  };
}

/** What the credential's provider refuses about the target (a region it may not reach). */
function providerProblem(
  se: ScriptExecution,
  credential: CloudCredential,
  deps: ExecutionDeps,
  targetIndex: number,
): Problem | undefined {
  const provider = providerOf(deps.providers, credential);
  if (!provider.ok) {
    const { reason, message } = provider.failure;
    return { reason, message, condition: 'CredentialsReady' };
  }
  const target = se.spec.targets[targetIndex]!;
  const problem = provider.value.targetProblem(target, credential, targetIndex);
  if (!problem) return undefined;
  const condition =
    problem.reason === 'CredentialNotReady' ? 'CredentialsReady' : 'TargetsResolved';
  return { ...problem, message: `spec.targets[${targetIndex}]: ${problem.message}`, condition };
}

/** What keeps the targets from being resolved: a credential not Ready, a region not allowed. */
export function targetProblem(se: ScriptExecution, deps: ExecutionDeps): Problem | undefined {
  for (const [index, target] of se.spec.targets.entries()) {
    const name = target.credentialRef.name;
    const credential = deps.lookups.credential(se.metadata.namespace!, name);
    const problem =
      credentialProblem(credential, name, index) ?? providerProblem(se, credential!, deps, index);
    if (problem) return problem;
  }
  return undefined;
}

/** The places of each target, as the provider of its credential lists them (all must exist). */
export function placesIn(
  namespace: string,
  deps: ExecutionDeps,
): (target: ExecutionTarget) => Spot[] {
  return (target) => {
    const credential = deps.lookups.credential(namespace, target.credentialRef.name)!;
    const provider = providerOf(deps.providers, credential);
    return provider.ok ? provider.value.places(target, credential) : [];
  };
}

function rowsOf(se: ScriptExecution, deps: ExecutionDeps): LocationRow[] {
  return locationsOf(se.spec.targets, placesIn(se.metadata.namespace!, deps));
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
