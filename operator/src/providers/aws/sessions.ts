import { createHash } from 'node:crypto';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { V1Secret } from '@kubernetes/client-node';
import type { CloudCredential } from '@pcm-ops/crds';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { stsClient, type AwsCallObserver } from './clients.js';
import { classifyAwsError } from './errors.js';
import { fail, ok, type Result } from './failure.js';

/** Read access to the objects a credential depends on. */
export interface CredentialSources {
  /** From the informer cache. */
  credential(namespace: string, name: string): CloudCredential | undefined;
  /** A referenced Secret, read by name; throws when it cannot be read (the call is retried). */
  secret(namespace: string, name: string): Promise<V1Secret | undefined>;
}

export interface CallerIdentity {
  accountId: string;
  arn: string;
}

/** Usable AWS credentials for one CloudCredential. */
export interface Session {
  credentials: AwsCredentialIdentity;
  expiresAt?: Date;
  region: string;
  /** Another AssumeRole made with these credentials is role chaining (one hour at most). */
  isAssumedRole: boolean;
}

export interface ValidatedSession extends Session {
  identity: CallerIdentity;
  validatedAt: Date;
  /** The credential's version it was validated with (see fingerprint). */
  fingerprint: string;
}

export interface SessionCacheOptions {
  sources: CredentialSources;
  /** The operator's own identity: IRSA, Pod Identity, environment, instance profile. */
  ambient: AwsCredentialIdentityProvider;
  endpoint?: string;
  observe?: AwsCallObserver;
  refreshBeforeExpiryMs: number;
  maxChainDepth: number;
  now?: () => Date;
  /**
   * Namespaces whose credentials may use the operator's own identity (ambient, or an assumeRole
   * with no sourceCredentialRef). Undefined allows every namespace.
   */
  ambientNamespaces?: ReadonlySet<string>;
}

interface Entry {
  fingerprint: string;
  session: Session;
  identity?: CallerIdentity;
  validatedAt?: Date;
}

const CHAINED_MAX_SECONDS = 3600;

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function decode(secret: V1Secret, key: string): string | undefined {
  const raw = secret.data?.[key];
  const value = raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8').trim();
  return value ? value : undefined;
}

function sessionName(credential: CloudCredential): string {
  const given = credential.spec.aws?.source.assumeRole?.sessionName;
  const fallback = `pcm-ops-${credential.metadata.namespace}-${credential.metadata.name}`;
  return (given ?? fallback).replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

/**
 * Credentials for every CloudCredential, resolved through secrets, role chains and the ambient
 * identity, cached until the spec, the Secret or a source changes or the session nears its end.
 * At most one resolution per credential is in flight; callers asking meanwhile share it.
 */
export class SessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<Result<Entry>>>();
  private ambientEntry: { session: Session; fetchedAt: Date } | undefined;

  constructor(private readonly options: SessionCacheOptions) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /** A session for the credential, renewed when it is about to expire. */
  async session(namespace: string, name: string): Promise<Result<Session>> {
    const entry = await this.entry(namespace, name);
    return entry.ok ? ok(entry.value.session) : entry;
  }

  /**
   * The session and who it is, asking STS GetCallerIdentity only when the credential changed,
   * the session was renewed, or the last answer is older than `maxAgeMs`.
   */
  async validated(
    namespace: string,
    name: string,
    maxAgeMs: number,
  ): Promise<Result<ValidatedSession>> {
    const found = await this.entry(namespace, name);
    if (!found.ok) return found;
    const entry = found.value;
    const fresh =
      entry.validatedAt && this.now().getTime() - entry.validatedAt.getTime() < maxAgeMs;
    if (!fresh || !entry.identity) {
      const identity = await this.callerIdentity(entry.session);
      if (!identity.ok) return identity;
      entry.identity = identity.value;
      entry.validatedAt = this.now();
    }
    return ok({
      ...entry.session,
      identity: entry.identity!,
      validatedAt: entry.validatedAt!,
      fingerprint: entry.fingerprint,
    });
  }

  /** Whether this process has validated the credential itself (since it started). */
  hasValidated(namespace: string, name: string): boolean {
    return this.entries.get(keyOf(namespace, name))?.validatedAt !== undefined;
  }

  forget(namespace: string, name: string): void {
    this.entries.delete(keyOf(namespace, name));
  }

  /** Changes of the spec, the Secret or any source credential, as one hash. */
  async fingerprint(namespace: string, name: string, depth = 0): Promise<string> {
    const credential = this.options.sources.credential(namespace, name);
    if (!credential || depth > this.options.maxChainDepth) return 'missing';
    const parts = [JSON.stringify(credential.spec), await this.secretVersion(credential)];
    const sourceRef = credential.spec.aws?.source.assumeRole?.sourceCredentialRef;
    if (sourceRef) parts.push(await this.fingerprint(namespace, sourceRef.name, depth + 1));
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  }

  private async secretVersion(credential: CloudCredential): Promise<string> {
    const ref = credential.spec.aws?.source.secretRef;
    if (!ref) return '';
    const secret = await this.options.sources.secret(credential.metadata.namespace ?? '', ref.name);
    return secret ? `${secret.metadata?.uid}:${secret.metadata?.resourceVersion}` : 'no-secret';
  }

  /** Whether credentials in `namespace` may act as the operator itself. */
  private ambientAllowed(namespace: string): boolean {
    const allowed = this.options.ambientNamespaces;
    return !allowed || allowed.has(namespace);
  }

  private ambientRefused(namespace: string, field: string): Result<Session> {
    return fail(
      'AmbientIdentityNotAllowed',
      `${field} uses the operator's own AWS identity, which credentials in namespace "${namespace}" may not: an administrator lists the namespaces allowed to (chart value operator.ambientIdentity.namespaces, setting PCM_OPS_AMBIENT_NAMESPACES)`,
    );
  }

  private fresh(key: string, fingerprint: string): Session | undefined {
    const cached = this.entries.get(key);
    if (!cached || cached.fingerprint !== fingerprint || this.needsRenewal(cached.session))
      return undefined;
    return cached.session;
  }

  private needsRenewal(session: Session): boolean {
    if (!session.expiresAt) return false;
    return session.expiresAt.getTime() - this.now().getTime() <= this.options.refreshBeforeExpiryMs;
  }

  private async entry(namespace: string, name: string): Promise<Result<Entry>> {
    const key = keyOf(namespace, name);
    let fingerprint: string;
    try {
      fingerprint = await this.fingerprint(namespace, name);
    } catch (error) {
      return this.unreadable(error);
    }
    const cached = this.entries.get(key);
    if (cached && cached.fingerprint === fingerprint && !this.needsRenewal(cached.session)) {
      return ok(cached);
    }
    const running = this.inFlight.get(key);
    if (running) return running;
    const resolving = this.resolve(namespace, name)
      .then((session): Result<Entry> => {
        if (!session.ok) return session;
        const entry: Entry = { fingerprint, session: session.value };
        this.entries.set(key, entry);
        return ok(entry);
      })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, resolving);
    return resolving;
  }

  private async resolve(namespace: string, name: string): Promise<Result<Session>> {
    const credential = this.options.sources.credential(namespace, name);
    if (!credential) {
      return fail(
        'CredentialNotFound',
        `CloudCredential "${name}" not found in namespace "${namespace}"`,
      );
    }
    const aws = credential.spec.aws;
    if (!aws) return fail('InvalidSpec', 'spec.aws is required for provider aws');
    if (aws.source.secretRef) return this.fromSecret(credential);
    if (aws.source.assumeRole) return this.fromAssumeRole(credential);
    if (!this.ambientAllowed(namespace))
      return this.ambientRefused(namespace, 'spec.aws.source.ambient');
    return this.fromAmbient(aws.defaultRegion);
  }

  /** A Secret that could not be read (the API server is away): try again later. */
  private unreadable<T>(error: unknown): Result<T> {
    const message = error instanceof Error ? error.message : String(error);
    return fail('SecretUnreadable', `the credential's Secret could not be read: ${message}`, true);
  }

  private async fromSecret(credential: CloudCredential): Promise<Result<Session>> {
    const namespace = credential.metadata.namespace!;
    const ref = credential.spec.aws!.source.secretRef!;
    let secret: V1Secret | undefined;
    try {
      secret = await this.options.sources.secret(namespace, ref.name);
    } catch (error) {
      return this.unreadable(error);
    }
    if (!secret) {
      return fail(
        'SecretNotFound',
        `Secret "${ref.name}" (spec.aws.source.secretRef.name) not found in namespace "${namespace}"`,
      );
    }
    const accessKeyId = decode(secret, ref.accessKeyIdKey);
    const secretAccessKey = decode(secret, ref.secretAccessKeyKey);
    for (const [value, key, field] of [
      [accessKeyId, ref.accessKeyIdKey, 'accessKeyIdKey'],
      [secretAccessKey, ref.secretAccessKeyKey, 'secretAccessKeyKey'],
    ] as const) {
      if (!value) {
        return fail(
          'InvalidSecret',
          `Secret "${ref.name}" has no key "${key}" (spec.aws.source.secretRef.${field}), or it is empty`,
        );
      }
    }
    const sessionToken = decode(secret, ref.sessionTokenKey);
    return ok({
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken },
      region: credential.spec.aws!.defaultRegion,
      isAssumedRole: false,
    });
  }

  private async fromAmbient(region: string): Promise<Result<Session>> {
    const current = this.ambientEntry?.session;
    if (current && !this.needsRenewal(current)) return ok({ ...current, region });
    try {
      const credentials = await this.options.ambient();
      const probe: Session = {
        credentials,
        expiresAt: credentials.expiration,
        region,
        isAssumedRole: false,
      };
      const identity = await this.callerIdentity(probe);
      if (!identity.ok) return identity;
      const session = { ...probe, isAssumedRole: identity.value.arn.includes(':assumed-role/') };
      this.ambientEntry = { session, fetchedAt: this.now() };
      return ok(session);
    } catch (error) {
      const failure = classifyAwsError(error);
      return fail(
        failure.reason === 'AwsError' ? 'NoAmbientCredentials' : failure.reason,
        `the operator's own AWS identity is not available: ${failure.message}`,
        failure.transient,
      );
    }
  }

  /**
   * The names along the credential's sourceCredentialRef links, itself first. Walked over the
   * specs rather than the cached sessions, so a cached source cannot hide a chain grown too long.
   */
  private chainOf(namespace: string, name: string): { names: string[]; cycle: boolean } {
    const names = [name];
    for (;;) {
      const current = this.options.sources.credential(namespace, names[names.length - 1]!);
      const next = current?.spec.aws?.source.assumeRole?.sourceCredentialRef?.name;
      if (!next) return { names, cycle: false };
      if (names.includes(next)) return { names: [...names, next], cycle: true };
      names.push(next);
      if (names.length > this.options.maxChainDepth + 1) return { names, cycle: false };
    }
  }

  private checkChain(namespace: string, name: string): Result<void> {
    const { names, cycle } = this.chainOf(namespace, name);
    const path = names.join(' → ');
    if (cycle) return fail('ChainTooLong', `sourceCredentialRef forms a cycle: ${path}`);
    if (names.length - 1 > this.options.maxChainDepth) {
      return fail(
        'ChainTooLong',
        `role chain ${path} has more than ${this.options.maxChainDepth} hops (spec.aws.source.assumeRole.sourceCredentialRef)`,
      );
    }
    return ok(undefined);
  }

  private async sourceFor(credential: CloudCredential): Promise<Result<Session>> {
    const namespace = credential.metadata.namespace!;
    const ref = credential.spec.aws!.source.assumeRole!.sourceCredentialRef;
    if (!ref) {
      if (!this.ambientAllowed(namespace))
        return this.ambientRefused(
          namespace,
          'spec.aws.source.assumeRole without sourceCredentialRef',
        );
      return this.fromAmbient(credential.spec.aws!.defaultRegion);
    }
    const chain = this.checkChain(namespace, credential.metadata.name!);
    if (!chain.ok) return chain;
    const source = await this.entry(namespace, ref.name);
    if (source.ok) return ok(source.value.session);
    return fail(
      source.failure.reason === 'ChainTooLong' ? 'ChainTooLong' : 'SourceCredentialNotReady',
      `source credential "${ref.name}" (spec.aws.source.assumeRole.sourceCredentialRef): ${source.failure.message}`,
      source.failure.transient,
    );
  }

  private async fromAssumeRole(credential: CloudCredential): Promise<Result<Session>> {
    const role = credential.spec.aws!.source.assumeRole!;
    const base = await this.sourceFor(credential);
    if (!base.ok) return base;
    if (base.value.isAssumedRole && role.durationSeconds > CHAINED_MAX_SECONDS) {
      return fail(
        'DurationTooLong',
        `spec.aws.source.assumeRole.durationSeconds is ${role.durationSeconds}, but the identity assuming the role is itself an assumed role, and AWS caps chained sessions at ${CHAINED_MAX_SECONDS} seconds`,
      );
    }
    // STS is called, and the new session used, in this credential's own region.
    return this.assume(
      { ...base.value, region: credential.spec.aws!.defaultRegion },
      {
        RoleArn: role.roleArn,
        RoleSessionName: sessionName(credential),
        ExternalId: role.externalId,
        DurationSeconds: role.durationSeconds,
      },
    );
  }

  /**
   * A session in a member account of the credential's organization, through the role that
   * spec.organization.roleName names. Cached like the credential's own session.
   */
  async memberSession(
    namespace: string,
    name: string,
    accountId: string,
  ): Promise<Result<Session>> {
    const credential = this.options.sources.credential(namespace, name);
    const organization = credential?.spec.organization;
    if (!credential || !organization) {
      return fail('NotAnOrganization', `CloudCredential "${name}" has no spec.organization`);
    }
    const key = `${keyOf(namespace, name)}@${accountId}`;
    let fingerprint: string;
    try {
      fingerprint = await this.fingerprint(namespace, name);
    } catch (error) {
      return this.unreadable(error);
    }
    const cached = this.fresh(key, fingerprint);
    if (cached) return ok(cached);
    const base = await this.session(namespace, name);
    if (!base.ok) return base;
    const partition = credential.spec.aws?.partition ?? 'aws';
    const member = await this.assume(base.value, {
      RoleArn: `arn:${partition}:iam::${accountId}:role/${organization.roleName}`,
      RoleSessionName: sessionName(credential),
      DurationSeconds: 3600,
    });
    if (member.ok) this.entries.set(key, { fingerprint, session: member.value });
    return member;
  }

  private async assume(
    base: Session,
    request: {
      RoleArn: string;
      RoleSessionName: string;
      ExternalId?: string;
      DurationSeconds: number;
    },
  ): Promise<Result<Session>> {
    const sts = stsClient({
      region: base.region,
      credentials: base.credentials,
      endpoint: this.options.endpoint,
      observe: this.options.observe,
    });
    try {
      const answer = await sts.send(new AssumeRoleCommand(request));
      const c = answer.Credentials!;
      return ok({
        credentials: {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
        },
        expiresAt: c.Expiration,
        region: base.region,
        isAssumedRole: true,
      });
    } catch (error) {
      const failure = classifyAwsError(error);
      return fail(
        failure.reason,
        `AssumeRole into ${request.RoleArn} (spec.aws.source.assumeRole.roleArn) failed: ${failure.code}: ${failure.message}`,
        failure.transient,
      );
    } finally {
      sts.destroy();
    }
  }

  private async callerIdentity(session: Session): Promise<Result<CallerIdentity>> {
    const sts = stsClient({
      region: session.region,
      credentials: session.credentials,
      endpoint: this.options.endpoint,
      observe: this.options.observe,
    });
    try {
      const answer = await sts.send(new GetCallerIdentityCommand({}));
      return ok({ accountId: answer.Account!, arn: answer.Arn! });
    } catch (error) {
      const failure = classifyAwsError(error);
      return fail(
        failure.reason,
        `STS GetCallerIdentity failed: ${failure.code}: ${failure.message}`,
        failure.transient,
      );
    } finally {
      sts.destroy();
    }
  }
}
