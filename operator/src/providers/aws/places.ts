/**
 * Where an AWS target runs: the credential's own account, or the member accounts of its
 * organization, each in the target's regions (the credential's defaultRegion when it names
 * none); and what keeps a target from a region (spec.aws.regions), found before any call.
 */
import {
  INSTANCE_ID_PATTERN,
  REGION_PATTERN,
  type CloudCredential,
  type ExecutionTarget,
} from '@pcm-ops/crds';
import type { Spot, TargetProblem } from '../../domain/provider.js';

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

/** Every account × region of the target, accounts first. */
export function awsPlaces(target: ExecutionTarget, credential: CloudCredential): Spot[] {
  return accountsOf(target, credential).flatMap((scope) =>
    regionsOf(target, credential).map((region) => ({ scope, region })),
  );
}

/** A region that is not a region code, or that spec.aws.regions does not allow. */
export function regionProblem(
  target: ExecutionTarget,
  credential: CloudCredential,
): TargetProblem | undefined {
  const regions = regionsOf(target, credential);
  const malformed = regions.find((region) => !REGION_PATTERN.test(region));
  if (malformed !== undefined) {
    return {
      reason: 'RegionInvalid',
      message: `region "${malformed}" is not an AWS region code such as eu-west-1`,
    };
  }
  const allowed = credential.spec.aws?.regions ?? [];
  const refused = allowed.length ? regions.find((r) => !allowed.includes(r)) : undefined;
  if (refused === undefined) return undefined;
  return {
    reason: 'RegionNotAllowed',
    message: `region ${refused} is not one CloudCredential "${credential.metadata.name}" may reach (spec.aws.regions: ${allowed.join(', ')})`,
  };
}

/** A credential whose account STS has not reported yet cannot place a target. */
export function accountProblem(credential: CloudCredential): TargetProblem | undefined {
  if (credential.status?.accountId) return undefined;
  return {
    reason: 'CredentialNotReady',
    message: `CloudCredential "${credential.metadata.name}" has not reported its account yet`,
  };
}

/** ids, the neutral spelling of instanceIds, hold EC2 instance (or managed node) ids for AWS. */
export function idsProblem(target: ExecutionTarget): TargetProblem | undefined {
  const at = (target.ids ?? []).findIndex((id) => !INSTANCE_ID_PATTERN.test(id));
  if (at === -1) return undefined;
  return {
    reason: 'InvalidInstanceId',
    message: `ids[${at}] "${target.ids![at]}" must be an instance id such as i-0123456789abcdef0 (the credential's provider is aws)`,
  };
}
