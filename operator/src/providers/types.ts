/**
 * What a cloud provider does for the reconcilers. AWS is the first; Azure, GCP or SSH slot in
 * beside it by implementing this interface and registering under their name.
 */
import type { AwsCredentialIdentity } from '@smithy/types';

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

/** Where a set of targets lives: one account (or subscription, project) and region. */
export interface Location {
  accountId: string;
  region: string;
  /** Name of the CloudCredential that reaches it. */
  credential: string;
}

/** A session able to act in one location. Never logged, never written to status. */
export interface LocationSession extends Location {
  credentials: AwsCredentialIdentity;
}

export type Platform = 'Linux' | 'Windows';

export interface Instance {
  instanceId: string;
  platform: Platform;
  state: string;
  /** The instance's Name tag, when it has one (shown by the console's instance discovery). */
  name?: string;
  /** Whether the SSM agent answered recently (PingStatus Online). */
  online?: boolean;
}

export type SkipReason = 'NotFound' | 'NotRunning' | 'Offline' | 'PlatformMismatch';

export interface SkippedInstance {
  instanceId: string;
  reason: SkipReason;
}

/** What a target selector means in one location. */
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

/** One page of a selector's instances in a location; `next` continues it, none means the last. */
export interface ResolvedPage extends ResolvedLocation {
  next?: string;
}

/** The command a batch sends: already rendered, parameters included. */
export interface RenderedCommand {
  /** SSM document: AWS-RunShellScript or AWS-RunPowerShellScript. */
  document: string;
  /** The script text as one string; SSM's `commands` parameter. */
  commandText: string;
  deliveryTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  /** SSM MaxConcurrency / MaxErrors for this command, as SSM takes them ("10", "10%"). */
  maxConcurrency?: string;
  maxErrors?: string;
}

/** Identifies one batch to AWS: the comment carries it, so a lost send can be found again. */
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
  | 'Cancelling';

export interface InvocationView {
  instanceId: string;
  status: InvocationStatus;
  /** SSM's StatusDetails as AWS wrote it, for people. */
  statusDetails: string;
  exitCode?: number;
  /** Head of stdout as ListCommandInvocations returns it (2,500 characters at most). */
  output?: string;
  outputTruncated?: boolean;
  startedAt?: string;
  finishedAt?: string;
}

export interface FullOutput {
  stdout: string;
  stderr: string;
  /** SSM keeps 24,000 characters of stdout and 8,000 of stderr inline. */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  exitCode?: number;
  status: InvocationStatus;
}

export interface ExecutionProvider {
  readonly name: string;
  resolve(session: LocationSession, selector: TargetSelector): Promise<Result<ResolvedLocation>>;
  /**
   * One page of what `resolve` finds, from where `cursor` (a previous page's `next`) left off: a
   * large location is planned page by page, and a restart carries on from the last page kept.
   */
  resolvePage(
    session: LocationSession,
    selector: TargetSelector,
    cursor?: string,
  ): Promise<Result<ResolvedPage>>;
  /** The command id of a batch sent before, found by its comment; undefined when never sent. */
  findSent(
    session: LocationSession,
    key: BatchKey,
    sentAfter: Date,
  ): Promise<Result<string | undefined>>;
  /**
   * Sends one batch, once: never retried behind the caller's back. A failure with
   * `outcomeUnknown` may have reached the provider; look for it with findSent before sending again.
   */
  send(
    session: LocationSession,
    key: BatchKey,
    instanceIds: string[],
    command: RenderedCommand,
  ): Promise<Result<string>>;
  /** Every invocation of one command: one page of 50 per call to AWS. */
  observe(session: LocationSession, commandId: string): Promise<Result<InvocationView[]>>;
  cancel(session: LocationSession, commandId: string): Promise<Result<void>>;
  output(
    session: LocationSession,
    commandId: string,
    instanceId: string,
  ): Promise<Result<FullOutput>>;
}
