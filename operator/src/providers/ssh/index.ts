/**
 * The SSH provider: a CloudCredential with spec.provider ssh logs in to the hosts of one
 * HostInventory. Targets are hosts, by name (ids) or by label (tags). Sending a batch stages the
 * script on each of its hosts and starts as many as the batch's maxConcurrency lets run at once;
 * each poll starts more as hosts finish, or, once more failed than its maxErrors allows, keeps the
 * rest from ever starting (pace.ts). Each host claims a run once (launcher.ts), so sending a batch
 * again stages nothing new and starts nothing that started: the send is idempotent by key, and
 * the engine's lookup of a lost send is answered "not found", which is safe. Outcomes are read
 * back from the hosts, so a restarted operator sees what ran before it, and a run whose process
 * vanished is Interrupted, never run again.
 */
import { createHash } from 'node:crypto';
import pLimit, { type LimitFunction } from 'p-limit';
import ssh2, { type Client } from 'ssh2';
import {
  HOST_INVENTORY,
  type BatchInvocation,
  type CloudCredential,
  type ExecutionTarget,
  type HostInventory,
  type InventoryHost,
} from '@pcm-ops/crds';
import { mapLimit } from '../../domain/parallel.js';
import {
  fail,
  ok,
  type BatchKey,
  type CredentialCheck,
  type FullOutput,
  type InvocationView,
  type Place,
  type Provider,
  type RenderedCommand,
  type ResolvedLocation,
  type ResolvedPage,
  type Result,
  type Spot,
  type TargetProblem,
  type TargetSelector,
} from '../../domain/provider.js';
import type { ProviderContext, WatchedObjects } from '../context.js';
import {
  ChannelFailed,
  ConnectFailed,
  fingerprintOf,
  open,
  openThrough,
  reachable,
  reachableThrough,
  run,
  type CommandResult,
  type HostEndpoint,
  type Login,
} from './connection.js';
import { HostKeys } from './host-keys.js';
import { SessionPool } from './pool.js';
import {
  ALREADY_STARTED,
  cancelText,
  launchText,
  parseState,
  savedText,
  skipText,
  stageText,
  startText,
  stateText,
  streamText,
  type RunState,
} from './launcher.js';
import { invocationOf, type HostOutcome } from './outcomes.js';
import {
  FULL_OUTPUT_MAX_BYTES,
  fullOutput,
  keysOf,
  needsSaving,
  stillSaving,
} from './full-output.js';
import type { OutputBucket } from '../output-bucket.js';
import { commandIdOf, nextStep, paceOf, sentOf, type Sent } from './pace.js';

type SshSpec = NonNullable<CloudCredential['spec']['ssh']>;

interface Reached {
  credential: CloudCredential;
  ssh: SshSpec;
  inventory: HostInventory;
  login: Login;
  /** SHA256 fingerprint of the login key's public half, for people. */
  keyFingerprint: string;
}

/**
 * How long a host that answered is taken as answering (discovery asks twice in a row), and the
 * longest a probe waits. A host that did not answer is asked again next time: it may be back.
 */
const REACHABILITY_TTL_MS = 5_000;
const PROBE_TIMEOUT_MS = 5_000;

/** Outcomes kept in memory at most: a hint for the hosts that could not be reached, no record. */
const OUTCOMES_KEPT = 10_000;

function runIdOf(key: BatchKey, host: string): string {
  return `${key.executionUid}-${key.batchIndex}-${host}`;
}

function decode(data: Record<string, string> | undefined, key: string): string | undefined {
  const raw = data?.[key];
  return raw === undefined ? undefined : Buffer.from(raw, 'base64').toString('utf8');
}

function labelsMatch(host: InventoryHost, tags: Record<string, string[]>): boolean {
  return Object.entries(tags).every(([key, values]) => values.includes(host.labels?.[key] ?? ''));
}

/** The hosts a selector picks, and the names it lists that the inventory does not have. */
export function selectHosts(hosts: InventoryHost[], selector: TargetSelector): ResolvedLocation {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const named = selector.instanceIds;
  const picked = named
    ? named.flatMap((name) => byName.get(name) ?? [])
    : hosts.filter((h) => labelsMatch(h, selector.tags ?? {}));
  const platforms = selector.platforms;
  return {
    instances: picked
      .filter(() => !platforms || platforms.includes('Linux'))
      .map((h) => ({ instanceId: h.name, platform: 'Linux', state: 'running', name: h.address })),
    skipped: (named ?? [])
      .filter((name) => !byName.has(name))
      .map((instanceId) => ({ instanceId, reason: 'NotFound' })),
  };
}

export class SshProvider implements Provider {
  readonly name = 'ssh';
  private readonly inventories: WatchedObjects<HostInventory>;
  private readonly keys: HostKeys;
  private readonly validated = new Set<string>();
  /**
   * Hosts this process could not stage a run on, by run id: their record says only "absent",
   * which reads as NotStarted; this keeps the reason for as long as it is polled. Bounded: the
   * oldest go first.
   */
  private readonly outcomes = new Map<string, HostOutcome>();
  /** Recent probes, by inventory, host and address: when, and whether it answered. */
  private readonly probes = new Map<string, { at: number; answered: Promise<boolean> }>();

  private readonly pool: SessionPool;
  /** The global cap: SSH commands at once, over every host and credential. */
  private readonly sessions: LimitFunction;

  constructor(private readonly context: ProviderContext) {
    const { config } = context;
    this.pool = new SessionPool({
      maxConnections: config.PCM_OPS_SSH_MAX_SESSIONS,
      channelsPerHost: config.PCM_OPS_SSH_SESSIONS_PER_HOST,
      idleMs: config.PCM_OPS_SSH_IDLE_SECONDS * 1000,
    });
    this.sessions = pLimit(config.PCM_OPS_SSH_MAX_SESSIONS);
    this.inventories = context.watch<HostInventory>(HOST_INVENTORY, (inventory) => {
      const { namespace = '', name } = inventory.metadata;
      context.requeueCredentials(namespace, (cc) => cc.spec.ssh?.inventoryRef.name === name);
    });
    this.keys = new HostKeys(this.inventories);
  }

  // -- credentials

  private inventoryOf(credential: CloudCredential): HostInventory | undefined {
    const name = credential.spec.ssh?.inventoryRef.name ?? '';
    return this.inventories.get(credential.metadata.namespace ?? '', name);
  }

  private async reached(credential: CloudCredential): Promise<Result<Reached>> {
    const ssh = credential.spec.ssh;
    if (!ssh) return fail('SshSpecMissing', 'spec.ssh is required for provider ssh');
    const namespace = credential.metadata.namespace ?? '';
    const ref = ssh.privateKeySecretRef;
    const secret = await this.context.secret(namespace, ref.name);
    if (!secret)
      return fail(
        'SecretNotFound',
        `Secret "${ref.name}" (spec.ssh.privateKeySecretRef) not found`,
      );
    const privateKey = decode(secret.data, ref.privateKeyKey);
    if (!privateKey)
      return fail(
        'InvalidSecret',
        `Secret "${ref.name}" has no key "${ref.privateKeyKey}" (spec.ssh.privateKeySecretRef.privateKeyKey)`,
      );
    const passphrase = decode(secret.data, ref.passphraseKey);
    const parsed = ssh2.utils.parseKey(privateKey, passphrase);
    if (parsed instanceof Error)
      return fail(
        'InvalidSecret',
        `the private key in Secret "${ref.name}" cannot be read: ${parsed.message}`,
      );
    const inventory = this.inventoryOf(credential);
    if (!inventory)
      return fail(
        'InventoryNotFound',
        `HostInventory "${ssh.inventoryRef.name}" (spec.ssh.inventoryRef) not found`,
      );
    const login = {
      user: ssh.user,
      privateKey,
      ...(passphrase ? { passphrase } : {}),
      connectTimeoutMs: ssh.connectTimeoutSeconds * 1000,
    };
    const keyFingerprint = fingerprintOf(parsed.getPublicSSH());
    return ok({ credential, ssh, inventory, login, keyFingerprint });
  }

  async validate(credential: CloudCredential): Promise<Result<CredentialCheck>> {
    const found = await this.reached(credential);
    if (!found.ok) return found;
    const { ssh, inventory, keyFingerprint: fingerprint } = found.value;
    const { namespace = '', name = '' } = credential.metadata;
    this.validated.add(`${namespace}/${name}`);
    return ok({
      scope: ssh.inventoryRef.name,
      identity: `${ssh.user}@${ssh.inventoryRef.name}`,
      summary: `logs in as ${ssh.user} with key ${fingerprint} to the ${inventory.spec.hosts.length} hosts of HostInventory "${ssh.inventoryRef.name}"`,
      validatedAt: new Date(),
      version: await this.version(namespace, name),
    });
  }

  validatedHere(namespace: string, name: string): boolean {
    return this.validated.has(`${namespace}/${name}`);
  }

  secretsOf(credential: CloudCredential): string[] {
    const name = credential.spec.ssh?.privateKeySecretRef.name;
    return name ? [name] : [];
  }

  async version(namespace: string, name: string): Promise<string> {
    const credential = this.context.credential(namespace, name);
    if (!credential?.spec.ssh) return 'missing';
    const secret = await this.context.secret(
      namespace,
      credential.spec.ssh.privateKeySecretRef.name,
    );
    const inventory = this.inventoryOf(credential);
    const parts = [
      JSON.stringify(credential.spec),
      secret?.metadata?.resourceVersion ?? 'none',
      String(inventory?.metadata.generation ?? 'none'),
    ];
    return createHash('sha256').update(parts.join('\n')).digest('hex');
  }

  forget(namespace: string, name: string): void {
    this.validated.delete(`${namespace}/${name}`);
  }

  // -- planning

  targetProblem(target: ExecutionTarget): TargetProblem | undefined {
    if (target.regions?.length)
      return {
        reason: 'RegionsNotApplicable',
        message: 'regions: SSH hosts have no regions; leave it out',
      };
    if (target.organizationAccounts)
      return {
        reason: 'OrganizationNotApplicable',
        message: 'organizationAccounts is for AWS credentials',
      };
    if (target.instanceIds)
      return {
        reason: 'InvalidInstanceId',
        message: 'instanceIds holds EC2 ids: name hosts in ids',
      };
    if (target.filters?.states)
      return {
        reason: 'StatesNotApplicable',
        message: 'filters.states: SSH hosts have no instance states',
      };
    return undefined;
  }

  places(_target: ExecutionTarget, credential: CloudCredential): Spot[] {
    return [{ scope: credential.spec.ssh?.inventoryRef.name ?? '', region: '' }];
  }

  // -- the run

  private async reach(place: Place): Promise<Result<Reached>> {
    const credential = this.context.credential(place.namespace, place.credential);
    if (!credential)
      return fail('CredentialNotFound', `CloudCredential "${place.credential}" not found`);
    return this.reached(credential);
  }

  resolve(place: Place, selector: TargetSelector): Promise<Result<ResolvedLocation>> {
    return this.resolvePage(place, selector);
  }

  async resolvePage(place: Place, selector: TargetSelector): Promise<Result<ResolvedPage>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const selected = selectHosts(reached.value.inventory.spec.hosts, selector);
    if (!selector.onlineOnly) return ok(selected);
    return ok(await this.keepOnline(reached.value, selected));
  }

  /**
   * The hosts whose SSH server answers (directly, or through their bastion), as the agent's ping
   * is for SSM: the rest are skipped as Offline. A host that answers with a changed key stays:
   * it is refused, with its reason, when the batch reaches it.
   */
  private async keepOnline(
    reached: Reached,
    selected: ResolvedLocation,
  ): Promise<ResolvedLocation> {
    const byName = new Map(reached.inventory.spec.hosts.map((h) => [h.name, h]));
    const answered = await mapLimit(selected.instances, reached.ssh.maxConcurrentHosts, (i) =>
      this.answers(reached, byName.get(i.instanceId)!),
    );
    return {
      instances: selected.instances
        .filter((_, at) => answered[at])
        .map((instance) => ({ ...instance, online: true })),
      skipped: [
        ...selected.skipped,
        ...selected.instances
          .filter((_, at) => !answered[at])
          .map((i) => ({ instanceId: i.instanceId, reason: 'Offline' as const })),
      ],
    };
  }

  private answers(reached: Reached, host: InventoryHost): Promise<boolean> {
    const { namespace = '', name = '' } = reached.inventory.metadata;
    const id = [namespace, name, host.name, host.address, host.port, host.bastion ?? ''].join('/');
    const now = Date.now();
    const known = this.probes.get(id);
    if (known && now - known.at < REACHABILITY_TTL_MS) return known.answered;
    for (const [key, probe] of this.probes)
      if (now - probe.at >= REACHABILITY_TTL_MS) this.probes.delete(key);
    const timeout = Math.min(PROBE_TIMEOUT_MS, reached.login.connectTimeoutMs);
    const target = this.endpoint(reached, host);
    const bastion = host.bastion
      ? reached.inventory.spec.hosts.find((h) => h.name === host.bastion)
      : undefined;
    const answered = bastion
      ? this.overBastion(reached, bastion, (jump) => reachableThrough(jump, target, timeout)).catch(
          () => false,
        )
      : reachable(target, timeout);
    this.probes.set(id, { at: now, answered });
    void answered.then((yes) => {
      if (!yes && this.probes.get(id)?.answered === answered) this.probes.delete(id);
    });
    return answered;
  }

  async findSent(): Promise<Result<string | undefined>> {
    // sending again is safe: each host starts a run once (see the header)
    return ok(undefined);
  }

  private endpoint(reached: Reached, host: InventoryHost): HostEndpoint {
    const { namespace = '', name = '' } = reached.inventory.metadata;
    return {
      name: host.name,
      address: host.address,
      port: host.port,
      verify: (key) => this.keys.check({ namespace, name }, host, key, reached.ssh.hostKeyPolicy),
    };
  }

  /**
   * The pooled connection a host is reached over: one per inventory entry as written (address,
   * port, pinned key, bastion) and login (user, key, key policy), so an edit opens a new one.
   */
  private connectionId(reached: Reached, host: InventoryHost): string {
    const { namespace = '', name = '' } = reached.inventory.metadata;
    const { user, hostKeyPolicy } = reached.ssh;
    return JSON.stringify([namespace, name, host, user, reached.keyFingerprint, hostKeyPolicy]);
  }

  private connect(reached: Reached, host: InventoryHost): Promise<Client> {
    const target = this.endpoint(reached, host);
    const bastion = host.bastion
      ? reached.inventory.spec.hosts.find((h) => h.name === host.bastion)
      : undefined;
    if (!bastion) return open(target, reached.login);
    return this.overBastion(reached, bastion, (jump) =>
      openThrough(jump, bastion.name, target, reached.login),
    );
  }

  /** Runs `work` on the bastion's own pooled connection. */
  private overBastion<T>(
    reached: Reached,
    bastion: InventoryHost,
    work: (jump: Client) => Promise<T>,
  ): Promise<T> {
    return this.pool.use(
      this.connectionId(reached, bastion),
      () => open(this.endpoint(reached, bastion), reached.login),
      work,
    );
  }

  /** Runs one command on a host, through its bastion when it has one, over a pooled connection. */
  private onHost(
    reached: Reached,
    host: InventoryHost,
    command: string,
    input = '',
  ): Promise<CommandResult> {
    return this.sessions(() =>
      this.pool.use(
        this.connectionId(reached, host),
        () => this.connect(reached, host),
        (client) => run(client, command, input),
      ),
    );
  }

  close(): void {
    this.pool.close();
  }

  private hostsOf(reached: Reached, names: readonly string[]): (InventoryHost | string)[] {
    const byName = new Map(reached.inventory.spec.hosts.map((h) => [h.name, h]));
    return names.map((name) => byName.get(name) ?? name);
  }

  private remember(runId: string, outcome: HostOutcome): void {
    this.outcomes.delete(runId);
    this.outcomes.set(runId, outcome);
    for (const oldest of this.outcomes.keys()) {
      if (this.outcomes.size <= OUTCOMES_KEPT) break;
      this.outcomes.delete(oldest);
    }
  }

  /** The fence sits right before each host: a process past its lease starts nothing more. */
  private fence(): void {
    if (!this.context.mayAct())
      throw new ConnectFailed('ConnectionFailed', 'this operator no longer leads');
  }

  /** Stages the run on a host, and starts it there when `launch`; what went wrong is kept. */
  private async deliver(
    reached: Reached,
    host: InventoryHost,
    { key, command, launch }: { key: BatchKey; command: RenderedCommand; launch: boolean },
  ): Promise<void> {
    const runId = runIdOf(key, host.name);
    const options = {
      runId,
      interpreter: command.interpreter === 'sh' ? ('sh' as const) : ('bash' as const),
      sudo: reached.ssh.sudo,
      ...(command.executionTimeoutSeconds
        ? { executionTimeoutSeconds: command.executionTimeoutSeconds }
        : {}),
    };
    try {
      this.fence();
      const text = launch ? startText(options) : stageText(options);
      const answer = await this.onHost(reached, host, text, command.commandText);
      if (answer.code === 0 || answer.code === ALREADY_STARTED) {
        this.outcomes.delete(runId);
        return;
      }
      this.remember(runId, {
        status: 'Undeliverable',
        details: 'CannotRecordRun',
        message: answer.stderr,
      });
    } catch (error) {
      // no answer: the host's record says what happened, at the next poll
      if (error instanceof ChannelFailed) return;
      this.remember(runId, unreached(error));
    }
  }

  async send(
    place: Place,
    key: BatchKey,
    instanceIds: string[],
    command: RenderedCommand,
  ): Promise<Result<string>> {
    if (command.interpreter === 'powershell')
      return fail('InterpreterNotSupported', 'SSH hosts run sh and bash scripts, not powershell');
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const pace = paceOf(command, instanceIds.length);
    const limit = reached.value.ssh.maxConcurrentHosts;
    // the first hosts start at once, up to the batch's concurrency; the rest wait, staged, for
    // observe to start them as slots free up
    const hosts = this.hostsOf(reached.value, instanceIds).map((host, at) => ({ host, at }));
    await mapLimit(hosts, limit, async ({ host, at }) => {
      if (typeof host === 'string') {
        this.remember(runIdOf(key, host), { status: 'Undeliverable', details: 'NotInInventory' });
        return;
      }
      await this.deliver(reached.value, host, { key, command, launch: at < pace.concurrency });
    });
    return ok(commandIdOf(key, pace));
  }

  /** What a host's record says of its run, or what this process knows when it cannot be read. */
  private async stateOn(
    reached: Reached,
    host: InventoryHost | string,
    key: BatchKey,
  ): Promise<RunState | HostOutcome | undefined> {
    const name = typeof host === 'string' ? host : host.name;
    const runId = runIdOf(key, name);
    const known = this.outcomes.get(runId);
    if (known || typeof host === 'string') return known;
    return this.onHost(reached, host, stateText(runId))
      .then(
        (answer) =>
          parseState(answer.stdout) ?? {
            status: 'InProgress' as const,
            details: 'StateUnreadable',
          },
      )
      .catch(() => ({ status: 'InProgress' as const, details: 'Unreachable' }));
  }

  /** Starts the staged hosts the batch's pace lets start now, or skips them all (pace.ts). */
  private async pace(
    reached: Reached,
    sent: Sent,
    polled: {
      hosts: (InventoryHost | string)[];
      states: (RunState | HostOutcome | undefined)[];
      recorded: ReadonlyMap<string, BatchInvocation['status']>;
    },
  ): Promise<(RunState | HostOutcome | undefined)[]> {
    const { hosts, states, recorded } = polled;
    const staged = states.flatMap((state, at) =>
      state && 'state' in state && state.state === 'staged' ? [at] : [],
    );
    if (staged.length === 0) return states;
    const views = hosts.map((host, at) => invocationOf(nameOf(host), states[at]));
    const step = nextStep(sent, views, recorded, staged);
    const skip = 'skip' in step;
    const next = [...states];
    const chosen = 'skip' in step ? step.skip : step.launch;
    await mapLimit(chosen, reached.ssh.maxConcurrentHosts, async (at) => {
      const host = hosts[at] as InventoryHost;
      const runId = runIdOf(sent, host.name);
      const text = skip
        ? skipText(runId, 'MaxErrorsReached')
        : launchText(runId, { sudo: reached.ssh.sudo });
      try {
        this.fence();
        await this.onHost(reached, host, text);
        next[at] = await this.stateOn(reached, host, sent);
      } catch {
        // not reached: still staged, decided again at the next poll
      }
    });
    return next;
  }

  async observe(
    place: Place,
    commandId: string,
    instanceIds: readonly string[],
    recorded: ReadonlyMap<string, BatchInvocation['status']> = new Map(),
  ): Promise<Result<InvocationView[]>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const sent = sentOf(commandId);
    const hosts = this.hostsOf(reached.value, instanceIds);
    const states = await mapLimit(hosts, reached.value.ssh.maxConcurrentHosts, (h) =>
      this.stateOn(reached.value, h, sent),
    );
    const paced = await this.pace(reached.value, sent, { hosts, states, recorded });
    const now = new Date();
    const indexes = hosts.map((_, at) => at);
    return ok(
      await mapLimit(indexes, reached.value.ssh.maxConcurrentHosts, async (at) => {
        const host = hosts[at]!;
        const state = paced[at];
        const view = invocationOf(nameOf(host), state);
        const bucket = this.context.outputBucket;
        const polled = state && 'state' in state ? state : undefined;
        if (!bucket || typeof host === 'string' || !needsSaving(polled)) return view;
        const failure = await this.save(reached.value, host, sent, bucket);
        return failure ? (stillSaving(host.name, polled, now, failure) ?? view) : view;
      }),
    );
  }

  /** Copies a run's cut streams from the host to the bucket; what failed, or undefined. */
  private async save(
    reached: Reached,
    host: InventoryHost,
    key: BatchKey,
    bucket: OutputBucket,
  ): Promise<string | undefined> {
    const runId = runIdOf(key, host.name);
    const keys = keysOf(bucket, key, host.name);
    try {
      for (const stream of ['stdout', 'stderr'] as const) {
        const read = await this.onHost(
          reached,
          host,
          streamText(runId, stream, FULL_OUTPUT_MAX_BYTES),
        );
        if (read.code !== 0) return `the host could not read its ${stream}`;
        const put = await bucket.put(keys[stream], Buffer.from(read.stdout.trim(), 'base64'));
        if (!put.ok) return put.failure.message;
      }
      await this.onHost(reached, host, savedText(runId));
      return undefined;
    } catch (error) {
      return unreached(error).details;
    }
  }

  async cancel(
    place: Place,
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<Result<void>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const key = sentOf(commandId);
    const hosts = this.hostsOf(reached.value, instanceIds).filter(
      (h): h is InventoryHost => typeof h !== 'string',
    );
    await mapLimit(hosts, reached.value.ssh.maxConcurrentHosts, async (host) => {
      const runId = runIdOf(key, host.name);
      await this.onHost(
        reached.value,
        host,
        cancelText(runId, { sudo: reached.value.ssh.sudo }),
      ).catch(() => undefined);
    });
    return ok(undefined);
  }

  async output(place: Place, commandId: string, instanceId: string): Promise<Result<FullOutput>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const host = reached.value.inventory.spec.hosts.find((h) => h.name === instanceId);
    if (!host) return fail('NotInInventory', `host ${instanceId} is not in the inventory`);
    const key = sentOf(commandId);
    const runId = runIdOf(key, instanceId);
    try {
      const state = parseState((await this.onHost(reached.value, host, stateText(runId))).stdout);
      if (
        !state ||
        (state.state !== 'running' && state.state !== 'finished' && state.state !== 'interrupted')
      )
        return fail('NotStarted', `the run never started on ${instanceId}`);
      const inline = inlineOutput(instanceId, state);
      const bucket = this.context.outputBucket;
      return ok(await fullOutput(inline, { bucket, key, host: instanceId }));
    } catch (error) {
      const outcome = unreached(error);
      return {
        ok: false,
        failure: { reason: outcome.details, message: outcome.message ?? '', transient: true },
      };
    }
  }
}

/** What a host's record holds of a run's output: the heads, and the tails past them. */
function inlineOutput(host: string, state: Extract<RunState, { stdout: string }>): FullOutput {
  const view = invocationOf(host, state);
  return {
    stdout: state.stdout,
    stderr: state.stderr,
    stdoutTruncated: state.stdoutTruncated,
    stderrTruncated: state.stderrTruncated,
    stdoutBytes: state.stdoutBytes,
    stderrBytes: state.stderrBytes,
    ...(state.stdoutTail ? { stdoutTail: state.stdoutTail } : {}),
    ...(state.stderrTail ? { stderrTail: state.stderrTail } : {}),
    ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
    status: view.status,
  };
}

function nameOf(host: InventoryHost | string): string {
  return typeof host === 'string' ? host : host.name;
}

/** A host that could not be reached: its key refused, no session within the deadline, down. */
function unreached(error: unknown): HostOutcome {
  if (error instanceof ConnectFailed) {
    const reason = error.reason === 'HostKeyRefused' ? error.message.split(':')[0]! : error.reason;
    const status = error.reason === 'ConnectTimeout' ? 'DeliveryTimedOut' : 'Undeliverable';
    return { status, details: reason, message: error.message };
  }
  return { status: 'Undeliverable', details: 'ConnectionFailed', message: String(error) };
}

export function createSshProvider(context: ProviderContext): SshProvider {
  return new SshProvider(context);
}
