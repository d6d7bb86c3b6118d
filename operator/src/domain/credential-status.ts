import type { CloudCredentialStatus, Condition } from '@pcm-ops/crds';
import { setConditions, type ConditionUpdate } from './conditions.js';

export interface CredentialFailureView {
  reason: string;
  message: string;
  transient: boolean;
}

export interface OrganizationAccountView {
  id: string;
  name?: string;
  status?: string;
}

export type CredentialOutcome =
  | {
      kind: 'ready';
      /** The AWS account and identity STS reported; absent for providers without accounts. */
      accountId?: string;
      arn?: string;
      /** Where it acts in its provider's terms (the account id when absent). */
      scope?: string;
      /** What validation found, in words (the STS answer when absent). */
      summary?: string;
      validatedAt: Date;
      expiresAt?: Date;
      organizationAccounts?: OrganizationAccountView[];
      /** What it was validated with (a hash of versions, never of values). */
      version?: string;
    }
  | {
      kind: 'failed';
      failure: CredentialFailureView;
      observedAccount?: { accountId: string; arn: string };
    };

function readyConditions(message: string): ConditionUpdate[] {
  return [
    { type: 'Ready', status: 'True', reason: 'Validated', message },
    { type: 'Validated', status: 'True', reason: 'Validated', message },
    { type: 'Reconciling', status: 'False', reason: 'Validated', message: '' },
    { type: 'Stalled', status: 'False', reason: 'Validated', message: '' },
  ];
}

function failedConditions(failure: CredentialFailureView): ConditionUpdate[] {
  const { reason, message } = failure;
  return [
    { type: 'Ready', status: 'False', reason, message },
    { type: 'Validated', status: 'False', reason, message },
    failure.transient
      ? { type: 'Reconciling', status: 'True', reason: 'Retrying', message: `retrying: ${message}` }
      : { type: 'Reconciling', status: 'False', reason, message: '' },
    failure.transient
      ? { type: 'Stalled', status: 'False', reason: 'Retrying', message: '' }
      : { type: 'Stalled', status: 'True', reason, message },
  ];
}

/** Where a ready credential acts, and as whom (account and ARN for AWS). */
function identityOf(
  outcome: Extract<CredentialOutcome, { kind: 'ready' }>,
): Partial<CloudCredentialStatus> {
  const { accountId, arn, scope } = outcome;
  return {
    ...(accountId ? { accountId } : {}),
    ...(arn ? { arn } : {}),
    ...((scope ?? accountId) ? { scope: scope ?? accountId } : {}),
  };
}

/**
 * The status a credential should have after an attempt. Ready, Validated, Reconciling and Stalled
 * follow kstatus: a transient failure is Reconciling, one that needs a person is Stalled.
 */
export function credentialStatus(
  previous: CloudCredentialStatus | undefined,
  outcome: CredentialOutcome,
  at: { generation: number; now: Date },
): CloudCredentialStatus {
  const conditions: Condition[] = setConditions(
    previous?.conditions,
    outcome.kind === 'ready'
      ? readyConditions(
          outcome.summary ?? `STS reports account ${outcome.accountId} as ${outcome.arn}`,
        )
      : failedConditions(outcome.failure),
    at,
  );
  if (outcome.kind === 'failed') {
    return {
      ...previous,
      ...(outcome.observedAccount ?? {}),
      observedGeneration: at.generation,
      conditions,
    };
  }
  const status: CloudCredentialStatus = {
    observedGeneration: at.generation,
    ...identityOf(outcome),
    lastValidatedAt: outcome.validatedAt.toISOString(),
    conditions,
  };
  if (outcome.expiresAt) status.expiresAt = outcome.expiresAt.toISOString();
  if (outcome.organizationAccounts) status.organizationAccounts = outcome.organizationAccounts;
  if (outcome.version) status.validatedVersion = outcome.version;
  return status;
}

export interface FreshnessCheck {
  generation: number;
  /** The credential's version now (spec, Secret and source versions, hashed). */
  version: string;
  now: Date;
  validationIntervalMs: number;
  refreshBeforeExpiryMs: number;
}

/**
 * How long a validation recorded in the status stays good: a restarted operator need not call STS
 * for a credential Ready for this spec, validated with these versions less than an interval ago,
 * whose session is not about to expire. Undefined when it must validate now.
 */
export function validationGoodFor(
  status: CloudCredentialStatus | undefined,
  check: FreshnessCheck,
): number | undefined {
  if (!validatedAsItIs(status, check)) return undefined;
  const now = check.now.getTime();
  const untilValidation =
    new Date(status!.lastValidatedAt!).getTime() + check.validationIntervalMs - now;
  const untilRenewal = status!.expiresAt
    ? new Date(status!.expiresAt).getTime() - check.refreshBeforeExpiryMs - now
    : Infinity;
  const left = Math.min(untilValidation, untilRenewal);
  return left > 0 ? left : undefined;
}

/** Ready, for this generation, validated (at a known time) with the versions it has now. */
function validatedAsItIs(
  status: CloudCredentialStatus | undefined,
  check: FreshnessCheck,
): boolean {
  const ready = status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return (
    ready &&
    Boolean(status?.lastValidatedAt) &&
    status?.observedGeneration === check.generation &&
    status?.validatedVersion === check.version
  );
}
/** Transitions worth an Event: Ready changing status, or failing for a new reason. */
export function readyTransition(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): Condition | undefined {
  const old = before?.find((c) => c.type === 'Ready');
  const now = after?.find((c) => c.type === 'Ready');
  if (!now) return undefined;
  if (!old || old.status !== now.status || old.reason !== now.reason) return now;
  return undefined;
}

/** Members of an organization to show, after the spec's include and exclude lists. */
export function selectOrganizationAccounts(
  accounts: readonly OrganizationAccountView[],
  include: readonly string[] | undefined,
  exclude: readonly string[] | undefined,
): OrganizationAccountView[] {
  return accounts
    .filter((a) => !include?.length || include.includes(a.id))
    .filter((a) => !exclude?.includes(a.id))
    .sort((a, b) => a.id.localeCompare(b.id));
}
