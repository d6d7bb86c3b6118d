/**
 * What a provider (AWS, Linux hosts over SSH, Azure, GCP) does for the engine, in the engine's own
 * words. The reconcilers, the domain and the discovery API know providers only through this
 * module; each provider lives in its own folder under providers/ and registers under the name
 * a CloudCredential gives in spec.provider. Nothing here names a cloud.
 */
import type { BatchInvocation, CloudCredential, ExecutionTarget, Interpreter } from '@pcm-ops/crds';

/** Why a call failed, in words that say what to fix. */
export interface Failure {
  reason: string;
  message: string;
  /** Retry with backoff (throttling, network); otherwise wait for a change. */
  transient: boolean;
  /**
   * For a call that is not idempotent (a send): no definite answer came back (a timeout, a
   * dropped connection, a server error), so the provider may have acted on it. It must be looked
   * for before it is made again.
   */
  outcomeUnknown?: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string, message: string, transient = false): Result<T> {
  return { ok: false, failure: { reason, message, transient } };
}

/**
 * Where a set of targets lives, as a provider names it: a scope (an AWS account, an Azure
 * subscription, a GCP project, an inventory of hosts) and, inside it, a region or zone ('' where
 * the provider has none). A place is reached through one CloudCredential.
 */
export interface Spot {
  scope: string;
  region: string;
}

export interface Place extends Spot {
  namespace: string;
  /** Name of the CloudCredential that reaches it. */
  credential: string;
  /** The spec.targets entry it serves: a provider reads its own settings there. */
  target: ExecutionTarget;
}

export type Platform = 'Linux' | 'Windows';

/** A machine a target selects: an instance, a VM, a host. */
export interface Instance {
  instanceId: string;
  platform: Platform;
  state: string;
  /** A name people know it by (an AWS Name tag, a host name), shown by discovery. */
  name?: string;
  /** Whether the machine's agent (or SSH) answered recently. */
  online?: boolean;
}

export type SkipReason = 'NotFound' | 'NotRunning' | 'Offline' | 'PlatformMismatch';

export interface SkippedInstance {
  instanceId: string;
  reason: SkipReason;
}

/** What a target selects in one place, in neutral terms each provider interprets. */
export interface TargetSelector {
  instanceIds?: string[];
  tags?: Record<string, string[]>;
  states?: string[];
  platforms?: Platform[];
  onlineOnly: boolean;
}

export interface ResolvedLocation {
  instances: Instance[];
  skipped: SkippedInstance[];
}

/** One page of a selector's machines in a place; `next` continues it, none means the last. */
export interface ResolvedPage extends ResolvedLocation {
  next?: string;
}

/** The command a batch sends: already rendered, parameters included. */
export interface RenderedCommand {
  /** The shell that runs the text: a provider picks its own way to start it. */
  interpreter: Interpreter;
  /** The script text as one string, parameters set at its top. */
  commandText: string;
  deliveryTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  /** How many of the batch's targets run at once, and how many may fail ("10", "10%"). */
  maxConcurrency?: string;
  maxErrors?: string;
}

/** Identifies one batch to the provider, so a send whose answer was lost can be found again. */
export interface BatchKey {
  executionUid: string;
  batchIndex: number;
}

export type InvocationStatus =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Success'
  | 'Failed'
  | 'DeliveryTimedOut'
  | 'ExecutionTimedOut'
  | 'Undeliverable'
  | 'Terminated'
  | 'Cancelled'
  | 'Cancelling'
  | 'Interrupted';

export interface InvocationView {
  instanceId: string;
  status: InvocationStatus;
  /** The provider's own word for where the target stands, for people. */
  statusDetails: string;
  exitCode?: number;
  /** Head of stdout as the provider keeps it. */
  output?: string;
  outputTruncated?: boolean;
  startedAt?: string;
  finishedAt?: string;
}

/**
 * Where a stream's text was read: the part the provider keeps inline (SSM's 24,000 characters of
 * stdout, a host's run directory), or the whole copy in the output bucket.
 */
export type OutputSource = 'inline' | 'bucket';

export interface FullOutput {
  stdout: string;
  stderr: string;
  /** The text returned is only part of what the script wrote. */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  exitCode?: number;
  status: InvocationStatus;
  /** Where each stream was read; `inline` when the provider does not say. */
  stdoutSource?: OutputSource;
  stderrSource?: OutputSource;
  /** Why a truncated stream comes from the inline part and not the output bucket. */
  sourceNote?: string;
  /**
   * The end of a stream cut in the middle, where the provider keeps one (an SSH host does; SSM
   * keeps only a head): what lies between `stdout` and `stdoutTail` is missing.
   */
  stdoutTail?: string;
  stderrTail?: string;
  /** The streams' whole sizes in bytes, where the provider knows them. */
  stdoutBytes?: number;
  stderrBytes?: number;
}

/** A member of a credential's organization (an account the credential reaches besides its own). */
export interface MemberView {
  id: string;
  name?: string;
  status?: string;
}

/** What validating a credential found. */
export interface CredentialCheck {
  /** The scope the credential acts in (an account id, an inventory). */
  scope: string;
  /** Who it acts as (an ARN, a user name). */
  identity: string;
  /** What validation found, in words, for the Ready condition. */
  summary: string;
  /** Set by providers whose scope is an AWS account: status.accountId and status.arn. */
  account?: { accountId: string; arn: string };
  validatedAt: Date;
  expiresAt?: Date;
  /** A hash of what it was validated with (versions, never values). */
  version: string;
  /** The members of its organization, when the spec asks for them. */
  members?: MemberView[];
}

/** A refusal found before any call, naming the field to fix. */
export interface TargetProblem {
  reason: string;
  message: string;
}

export interface Provider {
  /** The name a CloudCredential gives in spec.provider. */
  readonly name: string;

  // -- credentials
  /**
   * Proves the credential works, asking the provider only when the credential changed or the
   * last answer is older than `maxAgeMs`.
   */
  validate(credential: CloudCredential, maxAgeMs: number): Promise<Result<CredentialCheck>>;
  /** True when this process validated the credential itself (no need to trust the status). */
  validatedHere(namespace: string, name: string): boolean;
  /** The Secrets the credential reads (by name, in its namespace): a change to one revalidates it. */
  secretsOf(credential: CloudCredential): string[];
  /** The version the credential would be validated with now; throws when it cannot be read. */
  version(namespace: string, name: string): Promise<string | undefined>;
  /** The members of the credential's organization (spec.organization), where the provider has them. */
  members?(credential: CloudCredential): Promise<Result<MemberView[]>>;
  /** Drops what is kept for a credential that is gone. */
  forget(namespace: string, name: string): void;

  // -- planning
  /** What keeps a target from using this credential, found without a call (a region refused). */
  targetProblem(
    target: ExecutionTarget,
    credential: CloudCredential,
    targetIndex: number,
  ): TargetProblem | undefined;
  /** The places a target reaches through the credential, in a stable order. */
  places(target: ExecutionTarget, credential: CloudCredential): Spot[];

  // -- the run
  /** Everything a selector finds in a place (discovery). */
  resolve(place: Place, selector: TargetSelector): Promise<Result<ResolvedLocation>>;
  /**
   * One page of what `resolve` finds, from where `cursor` (a previous page's `next`) left off: a
   * large place is planned page by page, and a restart carries on from the last page kept.
   */
  resolvePage(
    place: Place,
    selector: TargetSelector,
    cursor?: string,
  ): Promise<Result<ResolvedPage>>;
  /**
   * The command id of a batch sent before, found by its key; undefined when never sent. A
   * provider whose send is itself idempotent by key (the SSH provider: each host claims a run
   * once) may answer undefined: sending again starts only what never started.
   */
  findSent(place: Place, key: BatchKey, sentAfter: Date): Promise<Result<string | undefined>>;
  /**
   * Sends one batch, once: never retried behind the caller's back. A failure with
   * `outcomeUnknown` may have reached the provider; look for it with findSent before sending again.
   */
  send(
    place: Place,
    key: BatchKey,
    instanceIds: string[],
    command: RenderedCommand,
  ): Promise<Result<string>>;
  /**
   * Every target's invocation of one command; `instanceIds` are the batch's targets, `recorded`
   * the statuses the batch already holds by target (written by an earlier poll, maybe by an
   * earlier process). A provider that paces a batch itself decides on them, never on less: a
   * target recorded Failed still counts against maxErrors while it cannot be read.
   */
  observe(
    place: Place,
    commandId: string,
    instanceIds: readonly string[],
    recorded?: ReadonlyMap<string, BatchInvocation['status']>,
  ): Promise<Result<InvocationView[]>>;
  cancel(place: Place, commandId: string, instanceIds: readonly string[]): Promise<Result<void>>;
  output(place: Place, commandId: string, instanceId: string): Promise<Result<FullOutput>>;

  /** Lets go of what the provider holds (clients, connections), at shutdown. */
  close?(): void;
}

/** The providers this operator knows, by the name a credential gives. */
export interface Providers {
  get(name: string): Provider | undefined;
  all(): readonly Provider[];
}

/** The provider a credential names, or a failure saying which providers there are. */
export function providerOf(providers: Providers, credential: CloudCredential): Result<Provider> {
  const name = credential.spec.provider;
  const found = providers.get(name);
  if (found) return ok(found);
  const known = providers
    .all()
    .map((p) => p.name)
    .join(', ');
  return fail(
    'ProviderUnknown',
    `CloudCredential "${credential.metadata.name}" names provider "${name}", which this operator does not run (it runs: ${known})`,
  );
}
