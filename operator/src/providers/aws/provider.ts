/**
 * The AWS execution provider: EC2 to find targets, SSM Run Command to run, follow and cancel
 * scripts. Every call takes a token from the client-side rate limiter first and goes through a
 * client cached per access key and region, so the SDK's adaptive retry state survives between
 * reconciles. Errors come back as values: throttling and outages as transient failures the caller
 * requeues, the rest with AWS's code as the reason.
 */
import {
  DescribeInstancesCommand,
  type EC2Client,
  type Filter,
  type Instance as Ec2Instance,
} from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type CommandInvocation,
  type CommandPlugin,
  type GetCommandInvocationCommandOutput,
  type InstanceInformationStringFilter,
  type SendCommandCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { SSM_DOCUMENT, isTerminalInvocation } from '@pcm-ops/crds';
import type {
  BatchKey,
  FullOutput,
  Instance,
  InvocationStatus,
  InvocationView,
  Platform,
  RenderedCommand,
  ResolvedLocation,
  ResolvedPage,
  SkipReason,
  TargetSelector,
} from '../../domain/provider.js';
import type { OutputBucket } from '../output-bucket.js';
import { ClientCache } from './client-cache.js';
import type { AwsCallObserver } from './clients.js';
import { classifyAwsError, type AwsFailure } from './errors.js';
import { ok, type Result } from './failure.js';
import { RateLimiter } from './rate-limiter.js';
import type { LocationSession } from './location.js';
import { invocationStatus } from './ssm-status.js';
import { outputLocation, withBucketCopy } from './ssm-output.js';

/** SendCommand takes at most 50 instance ids and a comment of at most 100 characters. */
export const MAX_INSTANCES_PER_COMMAND = 50;
const MAX_COMMENT_LENGTH = 100;
/** Page sizes: the most each API returns per call. */
const INVOCATIONS_PAGE = 50;
const COMMANDS_PAGE = 50;
const INSTANCE_INFORMATION_PAGE = 50;
const DESCRIBE_INSTANCES_PAGE = 1000;
/** Instance ids per `instance-id` filter of DescribeInstances. */
const INSTANCE_ID_FILTER_VALUES = 200;
/**
 * Instances per page when a location is planned page by page: small enough that a page is found
 * and kept quickly (an operator restarting often still moves on), large enough to stay cheap.
 */
const PLANNING_PAGE = 200;
/** A cursor over listed instance ids (not an AWS NextToken): the index of the next chunk. */
const ID_CURSOR = /^ids:([0-9]+)$/;
/**
 * ListCommandInvocations' plugin Output holds 2,500 characters. The agent cuts stdout and stderr
 * before that and marks each cut with one of these lines.
 */
const PLUGIN_OUTPUT_LIMIT = 2500;
const TRUNCATION_MARKERS = ['\n---Output truncated---', '\n---Error truncated----'];
/** GetCommandInvocation returns the first 24,000 characters of stdout and 8,000 of stderr. */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
/** Clock skew between the operator and AWS that findSent tolerates. */
const FIND_SENT_SLACK_MS = 60_000;
const DEFAULT_STATES = ['running'];
/** SSM reports -1 when there is no exit code (not run, cancelled, timed out). */
const NO_EXIT_CODE = -1;

export interface AwsExecutionProviderOptions {
  /** Send calls here instead of the public endpoints (the emulator in tests and the demo). */
  endpoint?: string;
  observe?: AwsCallObserver;
  limiter?: RateLimiter;
  maxAttempts?: number;
  /** Access key × region pairs whose clients are kept (default 256). */
  maxCachedClients?: number;
  /** Whether this process may still send (it holds its lease); checked before each SendCommand. */
  mayAct?: () => boolean;
  /** Deadline of one SendCommand attempt, in milliseconds. */
  sendTimeoutMs?: number;
  /** Where SSM writes each invocation's whole output, and `output` reads what it cut. */
  outputBucket?: OutputBucket;
}

/** The comment that tags a batch's command, so a send lost in a crash can be found again. */
export function batchComment(key: BatchKey): string {
  const comment = `pcm-ops ${key.executionUid}/${key.batchIndex}`;
  if (comment.length > MAX_COMMENT_LENGTH)
    throw new RangeError(`batch comment longer than ${MAX_COMMENT_LENGTH} characters: ${comment}`);
  return comment;
}

// ---------------------------------------------------------------------------------------------
// calls

class AwsCallFailed extends Error {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly failure: AwsFailure,
  ) {
    super(`${service} ${operation} failed: ${failure.code}`);
  }
}

/** One location's AWS: each call rate-limited, each error turned into an AwsCallFailed. */
interface LocationApi {
  ec2<T>(operation: string, run: (client: EC2Client) => Promise<T>): Promise<T>;
  ssm<T>(operation: string, run: (client: SSMClient) => Promise<T>): Promise<T>;
  /** SSM for SendCommand: one attempt, never retried by the SDK, fenced by the lease. */
  ssmSend<T>(operation: string, run: (client: SSMClient) => Promise<T>): Promise<T>;
}

/** AWS codes such as InvalidInstanceID.NotFound as a CamelCase reason. */
function reasonOf(failure: AwsFailure): string {
  if (failure.reason !== 'AwsError') return failure.reason;
  return failure.code.replace(/[^A-Za-z0-9]/g, '') || 'AwsError';
}

function failureOf<T>(error: AwsCallFailed, session: LocationSession): Result<T> {
  const { failure } = error;
  const where = `account ${session.accountId}, region ${session.region} (CloudCredential ${session.credential})`;
  return {
    ok: false,
    failure: {
      reason: reasonOf(failure),
      message: `${error.service} ${error.operation} failed in ${where}: ${failure.code}: ${failure.message}`,
      transient: failure.transient,
      ...(failure.outcomeUnknown ? { outcomeUnknown: true } : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// resolve

function chunked<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function wantedStates(selector: TargetSelector): string[] {
  return selector.states?.length ? selector.states : DEFAULT_STATES;
}

/** EC2 reports `Platform: windows` for Windows and nothing for Linux. */
function platformOf(instance: Ec2Instance): Platform {
  return String(instance.Platform ?? '').toLowerCase() === 'windows' ? 'Windows' : 'Linux';
}

function instanceOf(raw: Ec2Instance): Instance {
  const name = raw.Tags?.find((tag) => tag.Key === 'Name')?.Value;
  return {
    instanceId: raw.InstanceId ?? '',
    platform: platformOf(raw),
    state: raw.State?.Name ?? '',
    ...(name ? { name } : {}),
  };
}

function selectorFilters(selector: TargetSelector): Filter[] {
  const tags = Object.entries(selector.tags ?? {}).map(([key, values]) => ({
    Name: `tag:${key}`,
    Values: values,
  }));
  return [...tags, { Name: 'instance-state-name', Values: wantedStates(selector) }];
}

async function describeInstances(api: LocationApi, filters: Filter[]): Promise<Instance[]> {
  const found: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const input = { Filters: filters, MaxResults: DESCRIBE_INSTANCES_PAGE, NextToken };
    const page = await api.ec2('DescribeInstances', (c) =>
      c.send(new DescribeInstancesCommand(input)),
    );
    const instances = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    found.push(...instances.map(instanceOf));
    NextToken = page.NextToken;
  } while (NextToken);
  return found;
}

/**
 * By the `instance-id` filter rather than InstanceIds: the filter leaves out ids EC2 does not
 * know, where InstanceIds fails the whole call with InvalidInstanceID.NotFound.
 */
async function describeByIds(api: LocationApi, instanceIds: string[]): Promise<Instance[]> {
  const found: Instance[] = [];
  for (const chunk of chunked(instanceIds, INSTANCE_ID_FILTER_VALUES))
    found.push(...(await describeInstances(api, [{ Name: 'instance-id', Values: chunk }])));
  return found;
}

function skipReason(
  instance: Instance | undefined,
  states: string[],
  platforms: Platform[] | undefined,
): SkipReason | undefined {
  if (!instance) return 'NotFound';
  if (!states.includes(instance.state)) return 'NotRunning';
  if (platforms?.length && !platforms.includes(instance.platform)) return 'PlatformMismatch';
  return undefined;
}

/** Splits what EC2 described into targets and skipped instances, in the order asked for. */
export function selectTargets(selector: TargetSelector, described: Instance[]): ResolvedLocation {
  const byId = new Map(described.map((instance) => [instance.instanceId, instance]));
  const ids = selector.instanceIds ? [...new Set(selector.instanceIds)] : [...byId.keys()];
  const states = wantedStates(selector);
  const resolved: ResolvedLocation = { instances: [], skipped: [] };
  for (const instanceId of ids) {
    const instance = byId.get(instanceId);
    const reason = skipReason(instance, states, selector.platforms);
    if (reason || !instance) resolved.skipped.push({ instanceId, reason: reason ?? 'NotFound' });
    else resolved.instances.push(instance);
  }
  return resolved;
}

async function describeInformation(
  api: LocationApi,
  filters: InstanceInformationStringFilter[] | undefined,
  into: Map<string, string>,
): Promise<void> {
  let NextToken: string | undefined;
  do {
    const input = { Filters: filters, MaxResults: INSTANCE_INFORMATION_PAGE, NextToken };
    const page = await api.ssm('DescribeInstanceInformation', (c) =>
      c.send(new DescribeInstanceInformationCommand(input)),
    );
    for (const info of page.InstanceInformationList ?? [])
      if (info.InstanceId) into.set(info.InstanceId, info.PingStatus ?? '');
    NextToken = page.NextToken;
  } while (NextToken);
}

/**
 * PingStatus of the given instances: one call per 50 ids (one page each), which costs no more than
 * listing the region's managed nodes unless nearly all of them are targets.
 */
async function pingStatuses(api: LocationApi, instanceIds: string[]): Promise<Map<string, string>> {
  const statuses = new Map<string, string>();
  try {
    for (const chunk of chunked(instanceIds, INSTANCE_INFORMATION_PAGE))
      await describeInformation(api, [{ Key: 'InstanceIds', Values: chunk }], statuses);
  } catch (error) {
    // An id that is no managed node may fail the filtered call: read every managed node instead.
    if (!(error instanceof AwsCallFailed) || error.failure.code !== 'InvalidInstanceId')
      throw error;
    await describeInformation(api, undefined, statuses);
  }
  return statuses;
}

async function keepOnline(api: LocationApi, resolved: ResolvedLocation): Promise<ResolvedLocation> {
  if (resolved.instances.length === 0) return resolved;
  const statuses = await pingStatuses(
    api,
    resolved.instances.map((instance) => instance.instanceId),
  );
  const kept: ResolvedLocation = { instances: [], skipped: [...resolved.skipped] };
  for (const instance of resolved.instances) {
    if (statuses.get(instance.instanceId) === 'Online')
      kept.instances.push({ ...instance, online: true });
    else kept.skipped.push({ instanceId: instance.instanceId, reason: 'Offline' });
  }
  return kept;
}

/** One page of instances selected by tags and filters, from DescribeInstances' NextToken. */
async function describePage(
  api: LocationApi,
  selector: TargetSelector,
  cursor: string | undefined,
): Promise<{ described: Instance[]; next?: string }> {
  const input = {
    Filters: selectorFilters(selector),
    MaxResults: PLANNING_PAGE,
    NextToken: cursor,
  };
  const page = await api.ec2('DescribeInstances', (c) =>
    c.send(new DescribeInstancesCommand(input)),
  );
  const described = (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).map(instanceOf);
  return { described, ...(page.NextToken ? { next: page.NextToken } : {}) };
}

/** One page of listed instance ids: a chunk of the ids, by index. */
async function idPage(
  api: LocationApi,
  selector: TargetSelector,
  cursor: string | undefined,
): Promise<{ page: TargetSelector; described: Instance[]; next?: string }> {
  const ids = [...new Set(selector.instanceIds)];
  const at = Number(ID_CURSOR.exec(cursor ?? 'ids:0')?.[1] ?? 0);
  const chunk = ids.slice(at * INSTANCE_ID_FILTER_VALUES, (at + 1) * INSTANCE_ID_FILTER_VALUES);
  const described = chunk.length ? await describeByIds(api, chunk) : [];
  const more = (at + 1) * INSTANCE_ID_FILTER_VALUES < ids.length;
  return {
    page: { ...selector, instanceIds: chunk },
    described,
    ...(more ? { next: `ids:${at + 1}` } : {}),
  };
}

async function resolvePageOf(
  api: LocationApi,
  selector: TargetSelector,
  cursor: string | undefined,
): Promise<ResolvedPage> {
  const found = selector.instanceIds
    ? await idPage(api, selector, cursor)
    : { page: selector, ...(await describePage(api, selector, cursor)) };
  const resolved = selectTargets(found.page, found.described);
  const kept = selector.onlineOnly ? await keepOnline(api, resolved) : resolved;
  return { ...kept, ...(found.next ? { next: found.next } : {}) };
}

async function resolveTargets(
  api: LocationApi,
  selector: TargetSelector,
): Promise<ResolvedLocation> {
  const described = selector.instanceIds
    ? await describeByIds(api, [...new Set(selector.instanceIds)])
    : await describeInstances(api, selectorFilters(selector));
  const resolved = selectTargets(selector, described);
  return selector.onlineOnly ? keepOnline(api, resolved) : resolved;
}

// ---------------------------------------------------------------------------------------------
// commands and invocations

function sendInput(
  key: BatchKey,
  instanceIds: string[],
  command: RenderedCommand,
  outputBucket: OutputBucket | undefined,
): SendCommandCommandInput {
  const parameters: Record<string, string[]> = { commands: [command.commandText] };
  if (command.executionTimeoutSeconds !== undefined)
    parameters.executionTimeout = [String(command.executionTimeoutSeconds)];
  return {
    InstanceIds: instanceIds,
    DocumentName: SSM_DOCUMENT[command.interpreter],
    Parameters: parameters,
    Comment: batchComment(key),
    TimeoutSeconds: command.deliveryTimeoutSeconds,
    MaxConcurrency: command.maxConcurrency,
    MaxErrors: command.maxErrors,
    ...outputLocation(outputBucket),
  };
}

/** ISO 8601 to the second, as ListCommands' InvokedAfter filter takes it. */
function filterTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isoTime(date: Date | undefined): string | undefined {
  return date && date.getTime() > 0 ? date.toISOString() : undefined;
}

const RAN_TO_AN_END = new Set<InvocationStatus>(['Success', 'Failed']);

/** The script's exit code, once there is one. */
export function exitCodeOf(status: InvocationStatus, responseCode?: number): number | undefined {
  if (responseCode === undefined || !isTerminalInvocation(status)) return undefined;
  if (responseCode === NO_EXIT_CODE && !RAN_TO_AN_END.has(status)) return undefined;
  return responseCode;
}

/** The plugin Output was cut: the agent marked a cut, or it fills the whole field. */
export function isPluginOutputTruncated(output: string): boolean {
  return output.length >= PLUGIN_OUTPUT_LIMIT || TRUNCATION_MARKERS.some((m) => output.includes(m));
}

function pluginFields(plugin: CommandPlugin | undefined): Partial<InvocationView> {
  const output = plugin?.Output || undefined;
  return {
    output,
    outputTruncated: output === undefined ? undefined : isPluginOutputTruncated(output),
    startedAt: isoTime(plugin?.ResponseStartDateTime),
    finishedAt: isoTime(plugin?.ResponseFinishDateTime),
  };
}

/** One invocation as ListCommandInvocations (with Details) reports it. */
export function invocationView(invocation: CommandInvocation): InvocationView {
  // The documents this provider sends have one plugin: aws:runShellScript or
  // aws:runPowerShellScript.
  const plugin = invocation.CommandPlugins?.[0];
  const status = invocationStatus(invocation.Status, invocation.StatusDetails);
  return dropUndefined({
    instanceId: invocation.InstanceId ?? '',
    status,
    statusDetails: invocation.StatusDetails ?? invocation.Status ?? '',
    exitCode: exitCodeOf(status, plugin?.ResponseCode),
    ...pluginFields(plugin),
  });
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** GetCommandInvocation's answer: SSM keeps 24,000 characters of stdout and 8,000 of stderr. */
export function fullOutputOf(answer: GetCommandInvocationCommandOutput): FullOutput {
  const status = invocationStatus(answer.Status, answer.StatusDetails);
  const stdout = answer.StandardOutputContent ?? '';
  const stderr = answer.StandardErrorContent ?? '';
  return dropUndefined({
    stdout,
    stderr,
    stdoutTruncated: stdout.length >= STDOUT_LIMIT,
    stderrTruncated: stderr.length >= STDERR_LIMIT,
    exitCode: exitCodeOf(status, answer.ResponseCode),
    status,
  });
}

// ---------------------------------------------------------------------------------------------
// the provider

/** SSM Run Command and EC2 in one account and region, for the AWS provider (see index.ts). */
export class AwsExecutionProvider {
  private readonly clients: ClientCache;
  private readonly limiter: RateLimiter;
  private readonly outputBucket: OutputBucket | undefined;

  constructor(options: AwsExecutionProviderOptions = {}) {
    this.outputBucket = options.outputBucket;
    this.clients = new ClientCache(options, { maxEntries: options.maxCachedClients ?? 256 });
    this.limiter = options.limiter ?? new RateLimiter();
  }

  /** Destroys every cached client (at shutdown). */
  close(): void {
    this.clients.close();
  }

  async resolve(
    session: LocationSession,
    selector: TargetSelector,
  ): Promise<Result<ResolvedLocation>> {
    return this.run(session, async (api) => ok(await resolveTargets(api, selector)));
  }

  async resolvePage(
    session: LocationSession,
    selector: TargetSelector,
    cursor?: string,
  ): Promise<Result<ResolvedPage>> {
    return this.run(session, async (api) => ok(await resolvePageOf(api, selector, cursor)));
  }

  async findSent(
    session: LocationSession,
    key: BatchKey,
    sentAfter: Date,
  ): Promise<Result<string | undefined>> {
    const comment = batchComment(key);
    const after = filterTime(new Date(sentAfter.getTime() - FIND_SENT_SLACK_MS));
    return this.run(session, async (api) => {
      let NextToken: string | undefined;
      do {
        const input = {
          Filters: [{ key: 'InvokedAfter' as const, value: after }],
          MaxResults: COMMANDS_PAGE,
          NextToken,
        };
        const page = await api.ssm('ListCommands', (c) => c.send(new ListCommandsCommand(input)));
        const found = (page.Commands ?? []).find((command) => command.Comment === comment);
        if (found?.CommandId) return ok(found.CommandId);
        NextToken = page.NextToken;
      } while (NextToken);
      return ok(undefined);
    });
  }

  async send(
    session: LocationSession,
    key: BatchKey,
    instanceIds: string[],
    command: RenderedCommand,
  ): Promise<Result<string>> {
    if (instanceIds.length === 0 || instanceIds.length > MAX_INSTANCES_PER_COMMAND)
      throw new RangeError(
        `a batch holds 1 to ${MAX_INSTANCES_PER_COMMAND} instances, got ${instanceIds.length}`,
      );
    const input = sendInput(key, instanceIds, command, this.outputBucket);
    return this.run(session, async (api) => {
      const { Command } = await api.ssmSend('SendCommand', (c) =>
        c.send(new SendCommandCommand(input)),
      );
      if (Command?.CommandId) return ok(Command.CommandId);
      // an answer without an id: the caller looks for the batch by its comment before resending
      return {
        ok: false,
        failure: {
          reason: 'NoCommandId',
          message: `SSM SendCommand for ${input.Comment} returned no CommandId`,
          transient: true,
          outcomeUnknown: true,
        },
      };
    });
  }

  async observe(session: LocationSession, commandId: string): Promise<Result<InvocationView[]>> {
    return this.run(session, async (api) => {
      const views: InvocationView[] = [];
      let NextToken: string | undefined;
      do {
        const input = {
          CommandId: commandId,
          Details: true,
          MaxResults: INVOCATIONS_PAGE,
          NextToken,
        };
        const page = await api.ssm('ListCommandInvocations', (c) =>
          c.send(new ListCommandInvocationsCommand(input)),
        );
        views.push(...(page.CommandInvocations ?? []).map(invocationView));
        NextToken = page.NextToken;
      } while (NextToken);
      return ok(views);
    });
  }

  async cancel(session: LocationSession, commandId: string): Promise<Result<void>> {
    return this.run(session, async (api) => {
      await api.ssm('CancelCommand', (c) =>
        c.send(new CancelCommandCommand({ CommandId: commandId })),
      );
      return ok(undefined);
    });
  }

  /** GetCommandInvocation's inline output, with the output bucket's copy of any stream SSM cut. */
  async output(
    session: LocationSession,
    commandId: string,
    instanceId: string,
  ): Promise<Result<FullOutput>> {
    return this.run(session, async (api) => {
      const answer = await api.ssm('GetCommandInvocation', (c) =>
        c.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
      );
      return ok(await withBucketCopy(fullOutputOf(answer), answer, this.outputBucket));
    });
  }

  private api(session: LocationSession): LocationApi {
    const call = async <C, T>(
      target: { service: string; client: () => C },
      operation: string,
      run: (client: C) => Promise<T>,
    ): Promise<T> => {
      await this.limiter.take({ account: session.accountId, region: session.region, operation });
      try {
        return await run(target.client());
      } catch (error) {
        throw new AwsCallFailed(target.service, operation, classifyAwsError(error));
      }
    };
    const ec2 = { service: 'EC2', client: () => this.clients.ec2(session) };
    const ssm = { service: 'SSM', client: () => this.clients.ssm(session) };
    const ssmSend = { service: 'SSM', client: () => this.clients.ssmSend(session) };
    return {
      ec2: (operation, run) => call(ec2, operation, run),
      ssm: (operation, run) => call(ssm, operation, run),
      ssmSend: (operation, run) => call(ssmSend, operation, run),
    };
  }

  /** Runs AWS calls for one location; an AWS error becomes a failure naming call and place. */
  private async run<T>(
    session: LocationSession,
    work: (api: LocationApi) => Promise<Result<T>>,
  ): Promise<Result<T>> {
    try {
      return await work(this.api(session));
    } catch (error) {
      if (error instanceof AwsCallFailed) return failureOf(error, session);
      throw error;
    }
  }
}
