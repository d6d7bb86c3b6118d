/**
 * The AWS provider: a CloudCredential with spec.provider aws reaches one account (or the member
 * accounts of its organization) through STS; targets are EC2 instances and managed nodes, found
 * with EC2 and SSM and run with SSM Run Command. Sessions are kept per credential by the
 * SessionCache; each call of the engine names a place, which becomes a session here.
 */
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { CloudCredential, ExecutionTarget } from '@pcm-ops/crds';
import { ambientNamespaces } from '../../config.js';
import type {
  BatchKey,
  CredentialCheck,
  Failure,
  FullOutput,
  InvocationView,
  MemberView,
  Place,
  Provider,
  RenderedCommand,
  ResolvedLocation,
  ResolvedPage,
  Result,
  Spot,
  TargetProblem,
  TargetSelector,
} from '../../domain/provider.js';
import type { ProviderContext } from '../context.js';
import type { AwsCallObserver } from './clients.js';
import type { LocationSession } from './location.js';
import { listOrganizationAccounts } from './organizations.js';
import { accountProblem, awsPlaces, idsProblem, regionProblem } from './places.js';
import { AwsExecutionProvider, type AwsExecutionProviderOptions } from './provider.js';
import { SessionCache, type SessionCacheOptions } from './sessions.js';

export interface AwsProviderOptions {
  sessions: Omit<SessionCacheOptions, 'endpoint' | 'observe'>;
  calls?: Omit<AwsExecutionProviderOptions, 'endpoint' | 'observe'>;
  /** Send calls here instead of the public endpoints (the emulator in tests and the demo). */
  endpoint?: string;
  observe?: AwsCallObserver;
}

/** A failure of the session names the credential and the account. */
function sessionFailure(place: Place, failure: Failure): { ok: false; failure: Failure } {
  const message = `CloudCredential "${place.credential}" (account ${place.scope}): ${failure.message}`;
  return { ok: false, failure: { ...failure, message } };
}

export class AwsProvider implements Provider {
  readonly name = 'aws';
  readonly sessions: SessionCache;
  readonly calls: AwsExecutionProvider;

  constructor(private readonly options: AwsProviderOptions) {
    const { endpoint, observe } = options;
    this.sessions = new SessionCache({ ...options.sessions, endpoint, observe });
    this.calls = new AwsExecutionProvider({ ...options.calls, endpoint, observe });
  }

  close(): void {
    this.calls.close();
  }

  async validate(credential: CloudCredential, maxAgeMs: number): Promise<Result<CredentialCheck>> {
    const { namespace = '', name = '' } = credential.metadata;
    const found = await this.sessions.validated(namespace, name, maxAgeMs);
    if (!found.ok) return { ok: false, failure: explain(credential, found.failure) };
    const session = found.value;
    return {
      ok: true,
      value: {
        scope: session.identity.accountId,
        identity: session.identity.arn,
        summary: `STS reports account ${session.identity.accountId} as ${session.identity.arn}`,
        account: { accountId: session.identity.accountId, arn: session.identity.arn },
        validatedAt: session.validatedAt,
        ...(session.expiresAt ? { expiresAt: session.expiresAt } : {}),
        version: session.fingerprint,
      },
    };
  }

  async members(credential: CloudCredential): Promise<Result<MemberView[]>> {
    const { namespace = '', name = '' } = credential.metadata;
    const session = await this.sessions.session(namespace, name);
    if (!session.ok) return session;
    const { endpoint, observe } = this.options;
    return listOrganizationAccounts(session.value, { endpoint, observe });
  }

  validatedHere(namespace: string, name: string): boolean {
    return this.sessions.hasValidated(namespace, name);
  }

  secretsOf(credential: CloudCredential): string[] {
    const name = credential.spec.aws?.source.secretRef?.name;
    return name ? [name] : [];
  }

  version(namespace: string, name: string): Promise<string | undefined> {
    return this.sessions.fingerprint(namespace, name);
  }

  forget(namespace: string, name: string): void {
    this.sessions.forget(namespace, name);
  }

  targetProblem(target: ExecutionTarget, credential: CloudCredential): TargetProblem | undefined {
    return accountProblem(credential) ?? regionProblem(target, credential) ?? idsProblem(target);
  }

  places(target: ExecutionTarget, credential: CloudCredential): Spot[] {
    return awsPlaces(target, credential);
  }

  resolve(place: Place, selector: TargetSelector): Promise<Result<ResolvedLocation>> {
    return this.in(place, (session) => this.calls.resolve(session, selector));
  }

  resolvePage(
    place: Place,
    selector: TargetSelector,
    cursor?: string,
  ): Promise<Result<ResolvedPage>> {
    return this.in(place, (session) => this.calls.resolvePage(session, selector, cursor));
  }

  findSent(place: Place, key: BatchKey, sentAfter: Date): Promise<Result<string | undefined>> {
    return this.in(place, (session) => this.calls.findSent(session, key, sentAfter));
  }

  send(
    place: Place,
    key: BatchKey,
    instanceIds: string[],
    command: RenderedCommand,
  ): Promise<Result<string>> {
    return this.in(place, (session) => this.calls.send(session, key, instanceIds, command));
  }

  observe(place: Place, commandId: string): Promise<Result<InvocationView[]>> {
    return this.in(place, (session) => this.calls.observe(session, commandId));
  }

  cancel(place: Place, commandId: string): Promise<Result<void>> {
    return this.in(place, (session) => this.calls.cancel(session, commandId));
  }

  output(place: Place, commandId: string, instanceId: string): Promise<Result<FullOutput>> {
    return this.in(place, (session) => this.calls.output(session, commandId, instanceId));
  }

  /**
   * Runs `work` with a session for the place: the credential's own account, or a member account
   * of its organization when the place's target asks for those.
   */
  private async in<T>(
    place: Place,
    work: (session: LocationSession) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    const { namespace, credential, scope, region } = place;
    const found = place.target.organizationAccounts
      ? await this.sessions.memberSession(namespace, credential, scope)
      : await this.sessions.session(namespace, credential);
    if (!found.ok) return sessionFailure(place, found.failure);
    return work({ accountId: scope, region, credential, credentials: found.value.credentials });
  }
}

/** Access keys AWS refused are the Secret's to fix: say which Secret. */
function explain(credential: CloudCredential, failure: Failure): Failure {
  const secret = credential.spec.aws?.source.secretRef;
  if (failure.reason === 'InvalidCredentials' && secret) {
    return {
      ...failure,
      reason: 'InvalidSecret',
      message: `AWS rejected the access keys in Secret "${secret.name}" (spec.aws.source.secretRef): ${failure.message}`,
    };
  }
  return failure;
}

/** The AWS provider as the operator runs it, from its configuration. */
export function createAwsProvider(context: ProviderContext): AwsProvider {
  const { config } = context;
  return new AwsProvider({
    sessions: {
      sources: { credential: context.credential, secret: context.secret },
      ambient: fromNodeProviderChain(),
      refreshBeforeExpiryMs: config.PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS * 1000,
      maxChainDepth: config.PCM_OPS_MAX_CHAIN_DEPTH,
      ambientNamespaces: ambientNamespaces(config),
    },
    calls: {
      mayAct: context.mayAct,
      sendTimeoutMs: config.PCM_OPS_SEND_TIMEOUT_SECONDS * 1000,
      outputBucket: context.outputBucket,
    },
    endpoint: config.PCM_OPS_AWS_ENDPOINT_URL,
    observe: context.observeCall,
  });
}
