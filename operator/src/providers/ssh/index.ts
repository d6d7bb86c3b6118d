/**
 * The SSH provider: a CloudCredential with spec.provider ssh logs in to the hosts of one
 * HostInventory. Targets are hosts, by name (ids) or by label (tags). A batch starts the script
 * on each of its hosts; each host claims a run once (launcher.ts), so sending a batch again
 * starts only the hosts where it never started: the send is idempotent by key, and the engine's
 * lookup of a lost send is answered "not found", which is safe. Outcomes are read back from the
 * hosts, so a restarted operator sees what ran before it, and a run whose process vanished is
 * Interrupted, never run again.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import {
  HOST_INVENTORY,
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
  ConnectFailed,
  fingerprintOf,
  open,
  openVia,
  run,
  type CommandResult,
  type HostEndpoint,
  type Login,
} from './connection.js';
import { HostKeys } from './host-keys.js';
import {
  ALREADY_STARTED,
  cancelText,
  parseState,
  startText,
  stateText,
  type RunState,
} from './launcher.js';
import { invocationOf, type HostOutcome } from './outcomes.js';

type SshSpec = NonNullable<CloudCredential['spec']['ssh']>;

interface Reached {
  credential: CloudCredential;
  ssh: SshSpec;
  inventory: HostInventory;
  login: Login;
  /** SHA256 fingerprint of the login key's public half, for people. */
  keyFingerprint: string;
}

const COMMAND_PREFIX = 'ssh:';

function commandIdOf(key: BatchKey): string {
  return `${COMMAND_PREFIX}${key.executionUid}/${key.batchIndex}`;
}

function keyOf(commandId: string): BatchKey {
  const [uid = '', index = '0'] = commandId.slice(COMMAND_PREFIX.length).split('/');
  return { executionUid: uid, batchIndex: Number(index) };
}

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
  /** What this process learnt while sending or cancelling, by run id. */
  private readonly outcomes = new Map<string, HostOutcome>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly context: ProviderContext) {
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
    return ok(selectHosts(reached.value.inventory.spec.hosts, selector));
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

  /** Runs one command on a host, through its bastion when it has one. */
  private async onHost(
    reached: Reached,
    host: InventoryHost,
    command: string,
    input = '',
  ): Promise<CommandResult> {
    const target = this.endpoint(reached, host);
    const bastion = host.bastion
      ? reached.inventory.spec.hosts.find((h) => h.name === host.bastion)
      : undefined;
    const session = bastion
      ? await openVia(this.endpoint(reached, bastion), target, reached.login)
      : await open(target, reached.login).then((client) => ({ client, close: () => client.end() }));
    try {
      return await run(session.client, command, input);
    } finally {
      session.close();
    }
  }

  private hostsOf(reached: Reached, names: readonly string[]): (InventoryHost | string)[] {
    const byName = new Map(reached.inventory.spec.hosts.map((h) => [h.name, h]));
    return names.map((name) => byName.get(name) ?? name);
  }

  private async startOn(
    reached: Reached,
    host: InventoryHost,
    key: BatchKey,
    command: RenderedCommand,
  ): Promise<void> {
    const runId = runIdOf(key, host.name);
    // the fence sits right before each host: a process past its lease starts nothing more
    if (!this.context.mayAct())
      throw new ConnectFailed('ConnectionFailed', 'this operator no longer leads');
    const text = startText({
      runId,
      interpreter: command.interpreter === 'sh' ? 'sh' : 'bash',
      sudo: reached.ssh.sudo,
      ...(command.executionTimeoutSeconds
        ? { executionTimeoutSeconds: command.executionTimeoutSeconds }
        : {}),
    });
    try {
      const answer = await this.onHost(reached, host, text, command.commandText);
      if (answer.code === 0 || answer.code === ALREADY_STARTED) return;
      this.outcomes.set(runId, {
        status: 'Undeliverable',
        details: 'CannotRecordRun',
        message: answer.stderr,
      });
    } catch (error) {
      this.outcomes.set(runId, unreached(error));
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
    const limit = reached.value.ssh.maxConcurrentHosts;
    await mapLimit(this.hostsOf(reached.value, instanceIds), limit, async (host) => {
      if (typeof host === 'string') {
        this.outcomes.set(runIdOf(key, host), {
          status: 'Undeliverable',
          details: 'NotInInventory',
        });
        return;
      }
      await this.startOn(reached.value, host, key, command);
    });
    return ok(commandIdOf(key));
  }

  private async stateOn(
    reached: Reached,
    host: InventoryHost | string,
    key: BatchKey,
  ): Promise<InvocationView> {
    const name = typeof host === 'string' ? host : host.name;
    const runId = runIdOf(key, name);
    const known = this.outcomes.get(runId);
    let state: RunState | HostOutcome | undefined = known;
    if (!known && typeof host !== 'string') {
      state = await this.onHost(reached, host, stateText(runId))
        .then(
          (answer) =>
            parseState(answer.stdout) ?? {
              status: 'InProgress' as const,
              details: 'StateUnreadable',
            },
        )
        .catch(() => ({ status: 'InProgress' as const, details: 'Unreachable' }));
    }
    return invocationOf(name, state, this.cancelled.has(runId));
  }

  async observe(
    place: Place,
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<Result<InvocationView[]>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const key = keyOf(commandId);
    const hosts = this.hostsOf(reached.value, instanceIds);
    return ok(
      await mapLimit(hosts, reached.value.ssh.maxConcurrentHosts, (h) =>
        this.stateOn(reached.value, h, key),
      ),
    );
  }

  async cancel(
    place: Place,
    commandId: string,
    instanceIds: readonly string[],
  ): Promise<Result<void>> {
    const reached = await this.reach(place);
    if (!reached.ok) return reached;
    const key = keyOf(commandId);
    const hosts = this.hostsOf(reached.value, instanceIds).filter(
      (h): h is InventoryHost => typeof h !== 'string',
    );
    await mapLimit(hosts, reached.value.ssh.maxConcurrentHosts, async (host) => {
      const runId = runIdOf(key, host.name);
      this.cancelled.add(runId);
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
    const runId = runIdOf(keyOf(commandId), instanceId);
    try {
      const state = parseState((await this.onHost(reached.value, host, stateText(runId))).stdout);
      if (!state || state.state === 'absent')
        return fail('NotStarted', `the run never started on ${instanceId}`);
      const view = invocationOf(instanceId, state, this.cancelled.has(runId));
      return ok({
        stdout: state.stdout,
        stderr: state.stderr,
        stdoutTruncated: state.stdoutTruncated,
        stderrTruncated: state.stderrTruncated,
        ...(view.exitCode !== undefined ? { exitCode: view.exitCode } : {}),
        status: view.status,
      });
    } catch (error) {
      const outcome = unreached(error);
      return {
        ok: false,
        failure: { reason: outcome.details, message: outcome.message ?? '', transient: true },
      };
    }
  }
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
