import type { CloudCredential, CloudCredentialStatus } from '@pcm-ops/crds';
import {
  credentialStatus,
  readyTransition,
  selectOrganizationAccounts,
  validationGoodFor,
  type CredentialOutcome,
} from '../domain/credential-status.js';
import { sameConditions } from '../domain/conditions.js';
import type { EventRecorder } from '../k8s/events.js';
import { isConflict } from '../k8s/errors.js';
import type { Resources } from '../k8s/resources.js';
import type { Logger } from '../log.js';
import type { WorkResult } from '../queue.js';
import {
  providerOf,
  type CredentialCheck,
  type Provider,
  type Providers,
} from '../domain/provider.js';

export interface CloudCredentialDeps {
  get: (namespace: string, name: string) => CloudCredential | undefined;
  providers: Providers;
  resources: Resources<CloudCredential>;
  events: EventRecorder;
  log: Logger;
  validationIntervalMs: number;
  refreshBeforeExpiryMs: number;
  now?: () => Date;
}

/** Raised after the status says what went wrong, so the queue retries with backoff. */
export class TransientFailure extends Error {}

/** The credential changed after it was read: it is validated again from the newer copy. */
export class StaleCopy extends TransientFailure {}

function sameStatus(a: CloudCredentialStatus | undefined, b: CloudCredentialStatus): boolean {
  const { conditions: ca, ...ra } = a ?? {};
  const { conditions: cb, ...rb } = b;
  return JSON.stringify(ra) === JSON.stringify(rb) && sameConditions(ca, cb);
}

/**
 * Proves that a CloudCredential works (STS GetCallerIdentity through its source), keeps its
 * session fresh, and writes what it found into status. Level-triggered: every run recomputes the
 * status from the spec, the Secret and AWS, and asks to run again at the next validation or renewal.
 */
export class CloudCredentialReconciler {
  constructor(private readonly deps: CloudCredentialDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  async reconcile(namespace: string, name: string): Promise<WorkResult> {
    const credential = this.deps.get(namespace, name);
    if (!credential || credential.metadata.deletionTimestamp) {
      for (const provider of this.deps.providers.all()) provider.forget(namespace, name);
      return {};
    }
    const provider = providerOf(this.deps.providers, credential);
    if (provider.ok) {
      const trusted = await this.trustedFor(provider.value, credential);
      if (trusted !== undefined) return { requeueAfterMs: Math.max(1_000, trusted) };
    }
    const outcome: CredentialOutcome = provider.ok
      ? await this.observe(provider.value, credential)
      : { kind: 'failed', failure: provider.failure };
    await this.writeStatus(credential, outcome);
    if (outcome.kind === 'failed' && outcome.failure.transient) {
      throw new TransientFailure(
        `${namespace}/${name}: ${outcome.failure.reason}: ${outcome.failure.message}`,
      );
    }
    return { requeueAfterMs: this.nextCheckMs(outcome) };
  }

  /**
   * A process that has not validated the credential itself (it just started or took over) trusts
   * the validation in the status while it is recent and was made with the same versions: a
   * failover does not call STS once per credential.
   */
  private async trustedFor(
    provider: Provider,
    credential: CloudCredential,
  ): Promise<number | undefined> {
    const { namespace, name } = credential.metadata as { namespace: string; name: string };
    if (provider.validatedHere(namespace, name)) return undefined;
    const version = await provider.version(namespace, name).catch(() => undefined);
    if (!version) return undefined;
    return validationGoodFor(credential.status, {
      generation: credential.metadata.generation ?? 0,
      version,
      now: this.now(),
      validationIntervalMs: this.deps.validationIntervalMs,
      refreshBeforeExpiryMs: this.deps.refreshBeforeExpiryMs,
    });
  }

  private nextCheckMs(outcome: CredentialOutcome): number {
    if (outcome.kind === 'failed') return this.deps.validationIntervalMs;
    const untilValidation =
      outcome.validatedAt.getTime() + this.deps.validationIntervalMs - this.now().getTime();
    const untilRenewal = outcome.expiresAt
      ? outcome.expiresAt.getTime() - this.deps.refreshBeforeExpiryMs - this.now().getTime()
      : Infinity;
    return Math.max(1_000, Math.min(untilValidation, untilRenewal));
  }

  private async observe(
    provider: Provider,
    credential: CloudCredential,
  ): Promise<CredentialOutcome> {
    const result = await provider.validate(credential, this.deps.validationIntervalMs);
    if (!result.ok) return { kind: 'failed', failure: result.failure };
    const check = result.value;
    const expected = credential.spec.expectedAccountId;
    if (expected && check.account && expected !== check.account.accountId) {
      return {
        kind: 'failed',
        failure: {
          reason: 'AccountMismatch',
          message: `STS reports account ${check.scope}, but spec.expectedAccountId is ${expected}`,
          transient: false,
        },
        observedAccount: check.account,
      };
    }
    return this.withOrganization(provider, credential, check);
  }

  private async withOrganization(
    provider: Provider,
    credential: CloudCredential,
    check: CredentialCheck,
  ): Promise<CredentialOutcome> {
    const ready: CredentialOutcome = {
      kind: 'ready',
      ...(check.account ?? {}),
      scope: check.scope,
      summary: check.summary,
      validatedAt: check.validatedAt,
      expiresAt: check.expiresAt,
      version: check.version,
    };
    const organization = credential.spec.organization;
    if (!organization) return ready;
    const listed = provider.members
      ? await provider.members(credential)
      : ({
          ok: false,
          failure: {
            reason: 'OrganizationUnsupported',
            message: `provider ${provider.name} has no organizations (spec.organization)`,
            transient: false,
          },
        } as const);
    if (!listed.ok) return { kind: 'failed', failure: listed.failure };
    return {
      ...ready,
      organizationAccounts: selectOrganizationAccounts(
        listed.value,
        organization.accountIds,
        organization.excludeAccountIds,
      ),
    };
  }

  /** Conditional on the copy the status was computed from: a newer spec is validated afresh. */
  private async patchStatus(
    credential: CloudCredential,
    status: CloudCredentialStatus,
  ): Promise<void> {
    const { namespace, name, resourceVersion } = credential.metadata as {
      namespace: string;
      name: string;
      resourceVersion?: string;
    };
    try {
      await this.deps.resources.patchStatus(namespace, name, {
        metadata: { resourceVersion },
        status,
      });
    } catch (error) {
      if (isConflict(error))
        throw new StaleCopy(`${namespace}/${name} changed while it was validated`);
      throw error;
    }
  }

  private async writeStatus(
    credential: CloudCredential,
    outcome: CredentialOutcome,
  ): Promise<void> {
    const generation = credential.metadata.generation ?? 0;
    const next = credentialStatus(credential.status, outcome, { generation, now: this.now() });
    if (sameStatus(credential.status, next)) return;
    const { namespace, name } = credential.metadata as { namespace: string; name: string };
    await this.patchStatus(credential, next);
    const transition = readyTransition(credential.status?.conditions, next.conditions);
    if (transition) {
      await this.deps.events.record(credential, {
        type: transition.status === 'True' ? 'Normal' : 'Warning',
        reason: transition.reason,
        message: transition.message,
      });
    }
    this.deps.log.info(
      { namespace, name, ready: transition?.status ?? 'unchanged', reason: transition?.reason },
      'credential status written',
    );
  }
}
