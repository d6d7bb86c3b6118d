// Linux hosts over SSH, through the operator, against real Debian sshd processes on loopback: a
// HostInventory of 20 hosts, a bastion and a host behind it; an SSH CloudCredential; runs by
// label with parameters; host keys trusted on first use and a changed key refused; a host down;
// cancel stopping the script on the host. Each host counts its runs in a marker file of its own.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startSshFleet, type SshFleet, type SshHost } from '../infra/sshd.js';
import { assumeAccount } from '../support/aws.js';
import { HUB_ACCOUNT, useOperator } from '../support/harness.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from '../support/operator.js';
import type { PcmObject } from '../support/objects.js';

const h = useOperator('ssh');
let fleet: SshFleet;

const TERMINAL = /^(Succeeded|PartiallySucceeded|Failed|Cancelled|TimedOut)$/;

function inventoryHost(host: SshHost, labels: Record<string, string>, bastion?: string) {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    labels,
    ...(bastion ? { bastion } : {}),
  };
}

beforeAll(async () => {
  fleet = await startSshFleet({ hosts: 20, hidden: 1 });
  await h.core.createNamespacedSecret({
    namespace: h.namespace,
    body: {
      metadata: { name: 'ops-key' },
      stringData: { privateKey: fleet.userKey.privateKey },
    },
  });
  await h.objects.create({
    kind: 'HostInventory',
    metadata: { name: 'lab' },
    spec: {
      hosts: [
        ...fleet.hosts.map((host, at) =>
          inventoryHost(host, { role: 'web', group: at < 10 ? 'a' : 'b' }),
        ),
        inventoryHost(fleet.bastion, { role: 'bastion' }),
        ...fleet.hidden.map((host) => inventoryHost(host, { role: 'hidden' }, 'bastion')),
      ],
    },
  });
  await h.objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'lab-ops' },
    spec: {
      provider: 'ssh',
      ssh: {
        user: fleet.users.sudo,
        privateKeySecretRef: { name: 'ops-key' },
        inventoryRef: { name: 'lab' },
        // 20 handshakes at once with sshd forking per connection: slow on a loaded 2-core machine
        connectTimeoutSeconds: 60,
      },
    },
  });
  await h.objects.waitForCondition('cloudcredentials', 'lab-ops', {
    type: 'Ready',
    status: 'True',
  });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
});

function run(name: string, labels: Record<string, string[]>, body: string, extra = {}) {
  return h.objects.create({
    kind: 'ScriptExecution',
    metadata: { name },
    spec: {
      script: {
        interpreter: 'bash',
        body,
        parameters: [{ name: 'GREETING', default: 'hello' }],
      },
      parameters: { GREETING: 'hi there' },
      targets: [{ credentialRef: { name: 'lab-ops' }, tags: labels }],
      ...extra,
    },
  });
}

function ended(name: string, timeoutMs = 90_000): Promise<PcmObject> {
  return h.objects.waitFor(
    'scriptexecutions',
    name,
    (o) => TERMINAL.test(String(o.status?.phase)),
    timeoutMs,
  );
}

interface Invocation {
  instanceId: string;
  status: string;
  statusDetails?: string;
  exitCode?: number;
  output?: string;
}

async function invocations(name: string): Promise<Map<string, Invocation>> {
  const batches = await h.objects.list('executionbatches');
  const own = batches.filter((b) => (b.spec as { executionName?: string }).executionName === name);
  const all = own.flatMap((b) => (b.status?.invocations as Invocation[] | undefined) ?? []);
  return new Map(all.map((i) => [i.instanceId, i]));
}

/** How often the run with this marker ran on the host (its scratch dir keeps the count). */
function runsOn(host: SshHost, marker: string): number {
  const file = path.join(host.dir, `ran-${marker}`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** Whether a process of this command line runs anywhere on the machine (zombies aside). */
function running(commandLine: string): boolean {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .some((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        return cmdline === commandLine;
      } catch {
        return false;
      }
    });
}

/** A fresh operator on short lease and poll times, for the tests that kill one. */
async function quickOperator(env: Record<string, string> = {}): Promise<RunningOperator> {
  const kubeconfigPath = await operatorKubeconfig(inject('kubeconfigPath'), h.namespace);
  const ambient = await assumeAccount(h.endpoint, HUB_ACCOUNT, 'pcm-ops-operator');
  return startOperator({
    kubeconfigPath,
    namespace: h.namespace,
    emulatorEndpoint: h.endpoint,
    ambient,
    env: {
      // short enough for a quick takeover after the kill, long enough to outlast 20
      // handshakes on a loaded machine
      PCM_OPS_LEASE_DURATION_SECONDS: '8',
      PCM_OPS_RENEW_DEADLINE_SECONDS: '6',
      PCM_OPS_RETRY_PERIOD_SECONDS: '0.5',
      PCM_OPS_POLL_MIN_MS: '200',
      PCM_OPS_POLL_MAX_MS: '500',
      ...env,
    },
  });
}

const MARKING = (marker: string): string =>
  `echo "$GREETING from $PCM_TEST_HOST as $(id -un)"; echo ran >> "$PCM_TEST_HOST_DIR/ran-${marker}"`;

describe('Linux hosts over SSH', () => {
  it('runs a script with parameters on 20 hosts by label, once each, to Succeeded', async () => {
    await run('twenty', { role: ['web'] }, MARKING('twenty'));
    const done = await ended('twenty');
    const unsuccessful = [...(await invocations('twenty')).values()].filter(
      (i) => i.status !== 'Success',
    );
    expect(unsuccessful).toEqual([]);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 20, succeeded: 20 });
    const seen = await invocations('twenty');
    for (const host of fleet.hosts) {
      expect(seen.get(host.name)).toMatchObject({ status: 'Success', exitCode: 0 });
      expect(seen.get(host.name)?.output).toBe(
        `hi there from ${host.name} as ${fleet.users.sudo}\n`,
      );
      expect(runsOn(host, 'twenty')).toBe(1);
    }
    expect(runsOn(fleet.bastion, 'twenty')).toBe(0);
    // trusted on first use: each host's key is recorded in the inventory's status
    const inventory = await h.objects.get('hostinventories', 'lab');
    const recorded = new Map(
      ((inventory.status?.hosts as { name: string; fingerprint: string }[]) ?? []).map((x) => [
        x.name,
        x.fingerprint,
      ]),
    );
    for (const host of fleet.hosts) expect(recorded.get(host.name)).toBe(host.fingerprint);
  });

  it('refuses a host whose key changed, names the reason, and runs nothing there', async () => {
    const changed = fleet.hosts[3]!;
    await fleet.rekey(changed);
    await run('rekeyed', { group: ['a'] }, MARKING('rekeyed'));
    const done = await ended('rekeyed');
    expect(done.status?.phase).toBe('PartiallySucceeded');
    const seen = await invocations('rekeyed');
    expect(seen.get(changed.name)).toMatchObject({
      status: 'Undeliverable',
      statusDetails: 'HostKeyChanged',
    });
    expect(runsOn(changed, 'rekeyed')).toBe(0);
    for (const host of fleet.hosts.slice(0, 10).filter((x) => x !== changed)) {
      expect(seen.get(host.name)?.status).toBe('Success');
      expect(runsOn(host, 'rekeyed')).toBe(1);
    }

    // the remedy the reason names: pin the new key, and the host is reached again
    const inventory = await h.objects.get('hostinventories', 'lab');
    const hosts = (inventory.spec as { hosts: { name: string }[] }).hosts.map((x) =>
      x.name === changed.name ? { ...x, hostKey: changed.hostKey } : x,
    );
    await h.objects.patch('hostinventories', 'lab', { spec: { hosts } });
    await run('pinned', { group: ['a'] }, MARKING('pinned'));
    expect((await ended('pinned')).status?.phase).toBe('Succeeded');
    expect(runsOn(changed, 'pinned')).toBe(1);
  });

  it('reaches a host through its bastion', async () => {
    const hidden = fleet.hidden[0]!;
    const before = await fleet.forwardsTo(hidden);
    await run('hidden', { role: ['hidden'] }, MARKING('hidden'));
    const done = await ended('hidden');
    expect(done.status?.phase).toBe('Succeeded');
    expect(runsOn(hidden, 'hidden')).toBe(1);
    await expect.poll(() => fleet.forwardsTo(hidden)).toBeGreaterThan(before);
  });

  it('fails a host that is down with a connection reason while the rest succeed', async () => {
    const down = fleet.hosts[12]!;
    await fleet.stop(down);
    try {
      // onlineOnly: false sends to every host selected, answering or not
      const everyHost = { credentialRef: { name: 'lab-ops' }, tags: { group: ['b'] } };
      await run('one-down', {}, MARKING('one-down'), {
        targets: [{ ...everyHost, onlineOnly: false }],
      });
      const done = await ended('one-down');
      expect(done.status?.phase).toBe('PartiallySucceeded');
      expect(done.status?.counts).toMatchObject({ total: 10, succeeded: 9 });
      const seen = await invocations('one-down');
      expect(seen.get(down.name)).toMatchObject({
        status: 'Undeliverable',
        statusDetails: 'ConnectionFailed',
      });
      // by default a host whose SSH server does not answer is skipped, as an offline agent is
      await run('one-down-skipped', {}, MARKING('one-down-skipped'), { targets: [everyHost] });
      const skipped = await ended('one-down-skipped');
      expect(skipped.status?.phase).toBe('Succeeded');
      expect(skipped.status?.counts).toMatchObject({ total: 10, succeeded: 9, skipped: 1 });
      expect(skipped.status?.skippedSample).toEqual([
        expect.objectContaining({ instanceId: down.name, reason: 'Offline' }),
      ]);
      expect((await invocations('one-down-skipped')).has(down.name)).toBe(false);
      expect(runsOn(down, 'one-down')).toBe(0);
      expect(runsOn(down, 'one-down-skipped')).toBe(0);
    } finally {
      await fleet.start(down);
    }
  });

  it('cancels a running script, stopping it on the host', async () => {
    const host = fleet.hosts[15]!;
    const started = path.join(host.dir, 'sleeper.started');
    // an odd duration names this sleep among every process of the machine
    const sleep = 'sleep 301.4242';
    await h.objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'sleeper' },
      spec: {
        script: {
          interpreter: 'bash',
          body: `${sleep} & touch "$PCM_TEST_HOST_DIR/sleeper.started"; wait`,
        },
        targets: [{ credentialRef: { name: 'lab-ops' }, ids: [host.name] }],
      },
    });
    await expect.poll(() => existsSync(started), { timeout: 60_000 }).toBe(true);
    expect(running(sleep)).toBe(true);
    await h.objects.patch('scriptexecutions', 'sleeper', { spec: { cancel: true } });
    const done = await ended('sleeper');
    expect(done.status?.phase).toBe('Cancelled');
    expect((await invocations('sleeper')).get(host.name)?.status).toBe('Cancelled');
    expect(running(sleep)).toBe(false);
  });

  it('runs at most maxConcurrency hosts of a batch at once, the rest waiting their turn', async () => {
    const span = (host: SshHost) => path.join(host.dir, 'span-paced');
    const body = `echo "$(date +%s.%N)" >> "$PCM_TEST_HOST_DIR/span-paced"; sleep 2; echo "$(date +%s.%N)" >> "$PCM_TEST_HOST_DIR/span-paced"`;
    await run('paced', { group: ['b'] }, body, { rateControl: { maxConcurrency: 3 } });
    const done = await ended('paced', 180_000);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 10, succeeded: 10 });
    // one batch of 10 hosts: the pacing is the provider's, inside the batch
    expect(new Set([...(await invocations('paced')).keys()]).size).toBe(10);
    const spans = fleet.hosts.slice(10).map((host) => {
      const [start, end] = readFileSync(span(host), 'utf8').trim().split('\n').map(Number);
      return { start: start!, end: end! };
    });
    const overlapAt = (t: number) => spans.filter((s) => s.start <= t && t < s.end).length;
    const most = Math.max(...spans.map((s) => overlapAt(s.start)));
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThanOrEqual(2);
  });

  it('stops starting hosts once more failed than maxErrors allows, as SSM does', async () => {
    const body = `${MARKING('failing')}; exit 7`;
    await run('failing', { group: ['a'] }, body, {
      rateControl: { maxConcurrency: 2, maxErrors: 1 },
    });
    const done = await ended('failing', 180_000);
    expect(done.status?.phase).toBe('Failed');
    const seen = [...(await invocations('failing')).values()];
    const ran = fleet.hosts.slice(0, 10).filter((host) => runsOn(host, 'failing') === 1);
    // the second failure stops new hosts; at most one more was running when it came
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(ran.length).toBeLessThanOrEqual(3);
    expect(seen.filter((i) => i.status === 'Failed' && i.exitCode === 7)).toHaveLength(ran.length);
    const kept = seen.filter((i) => i.status === 'Terminated');
    expect(kept).toHaveLength(10 - ran.length);
    for (const i of kept) expect(i.statusDetails).toBe('MaxErrorsReached');
    for (const host of fleet.hosts.slice(0, 10))
      expect(runsOn(host, 'failing')).toBeLessThanOrEqual(1);
  });

  it('reaches each host over one shared connection for every command of a run', async () => {
    const hosts = fleet.hosts.slice(3, 6);
    const count = (host: SshHost, pattern: RegExp): number =>
      readFileSync(host.logPath, 'utf8')
        .split('\n')
        .filter((line) => pattern.test(line)).length;
    const seen = () =>
      hosts.map((host) => ({
        logins: count(host, /Accepted publickey for/),
        commands: count(host, /Starting session: command/),
      }));
    const before = seen();
    await run('pooled', {}, 'sleep 3; echo done', {
      targets: [{ credentialRef: { name: 'lab-ops' }, ids: hosts.map((host) => host.name) }],
    });
    const done = await ended('pooled');
    const outcomes = JSON.stringify([...(await invocations('pooled')).values()]);
    expect(done.status?.phase, outcomes).toBe('Succeeded');
    const after = seen();
    for (const [at, was] of before.entries()) {
      // the start and several polls of its state, over at most one new login
      expect(after[at]!.commands - was.commands).toBeGreaterThanOrEqual(3);
      expect(after[at]!.logins - was.logins).toBeLessThanOrEqual(1);
    }
  });

  it('runs as another login user on hosts where the first user already ran', async () => {
    await h.objects.create({
      kind: 'CloudCredential',
      metadata: { name: 'lab-plain' },
      spec: {
        provider: 'ssh',
        ssh: {
          user: fleet.users.plain,
          privateKeySecretRef: { name: 'ops-key' },
          inventoryRef: { name: 'lab' },
          connectTimeoutSeconds: 60,
        },
      },
    });
    await h.objects.waitForCondition('cloudcredentials', 'lab-plain', {
      type: 'Ready',
      status: 'True',
    });
    // hosts 1 and 2 ran the first test's script as the sudo user: their run folder exists
    await run('plain-user', {}, MARKING('plain-user'), {
      targets: [{ credentialRef: { name: 'lab-plain' }, ids: ['host-1', 'host-2'] }],
    });
    const done = await ended('plain-user');
    expect(done.status?.phase).toBe('Succeeded');
    const seen = await invocations('plain-user');
    expect(seen.get('host-1')?.output).toContain(`as ${fleet.users.plain}`);
    for (const host of fleet.hosts.slice(0, 2)) expect(runsOn(host, 'plain-user')).toBe(1);
  });

  it('waits for a key Secret created after its credential, and is Ready once it appears', async () => {
    // the console creates the credential first and its Secret after, owned by the credential
    await h.objects.create({
      kind: 'CloudCredential',
      metadata: { name: 'lab-late' },
      spec: {
        provider: 'ssh',
        ssh: {
          user: fleet.users.sudo,
          privateKeySecretRef: { name: 'late-key' },
          inventoryRef: { name: 'lab' },
          connectTimeoutSeconds: 60,
        },
      },
    });
    const waiting = await h.objects.waitForCondition('cloudcredentials', 'lab-late', {
      type: 'Ready',
      status: 'False',
      reason: 'SecretNotFound',
    });
    const ready = waiting.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.message).toContain('Secret "late-key" (spec.ssh.privateKeySecretRef) not found');
    await h.core.createNamespacedSecret({
      namespace: h.namespace,
      body: {
        metadata: { name: 'late-key' },
        stringData: { privateKey: fleet.userKey.privateKey },
      },
    });
    // no edit to the credential: the Secret's arrival alone revalidates it
    await h.objects.waitForCondition('cloudcredentials', 'lab-late', {
      type: 'Ready',
      status: 'True',
    });
  });

  it('runs one execution over AWS instances and SSH hosts together, with rows per location', async () => {
    const { instanceIds } = await h.fleet({
      accounts: [HUB_ACCOUNT],
      regions: ['us-east-1'],
      perRegion: 3,
      windowsShare: 0,
      tags: { Role: 'mixed' },
    });
    await h.objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'mixed' },
      spec: {
        script: { interpreter: 'bash', body: MARKING('mixed') },
        targets: [
          {
            name: 'ec2',
            credentialRef: { name: `acct-${HUB_ACCOUNT}` },
            regions: ['us-east-1'],
            tags: { Role: ['mixed'] },
          },
          { name: 'lab', credentialRef: { name: 'lab-ops' }, ids: ['host-1', 'host-2'] },
        ],
      },
    });
    const done = await ended('mixed');
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({
      total: instanceIds.length + 2,
      succeeded: instanceIds.length + 2,
    });
    const rows = (
      done.status?.accounts as {
        target: string;
        accountId: string;
        region: string;
        total: number;
      }[]
    ).map((r) => [r.target, r.accountId, r.region, r.total]);
    expect(rows).toEqual([
      ['ec2', HUB_ACCOUNT, 'us-east-1', instanceIds.length],
      ['lab', 'lab', '', 2],
    ]);
    for (const host of fleet.hosts.slice(0, 2)) expect(runsOn(host, 'mixed')).toBe(1);
  });

  it('runs no host twice when the operator is SIGKILLed right after starting the hosts', async () => {
    await h.operator.stop();
    let doomed = await quickOperator({ PCM_OPS_CRASH_AT: 'after-send:1' });
    await run('crashed', { role: ['web'] }, `sleep 1; ${MARKING('crashed')}`);
    await doomed.process.exited;
    // a process that lost its lease on a loaded machine exits before its crash point
    for (let tries = 0; doomed.process.child.signalCode !== 'SIGKILL' && tries < 5; tries += 1) {
      doomed = await quickOperator({ PCM_OPS_CRASH_AT: 'after-send:1' });
      await doomed.process.exited;
    }
    expect(doomed.process.child.signalCode).toBe('SIGKILL');
    h.operator = await quickOperator();
    const done = await ended('crashed');
    const unsuccessful = [...(await invocations('crashed')).values()].filter(
      (i) => i.status !== 'Success',
    );
    expect(unsuccessful).toEqual([]);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 20, succeeded: 20 });
    for (const host of fleet.hosts) expect(runsOn(host, 'crashed')).toBe(1);
  });

  it('runs no host twice when the operator is SIGKILLed while a paced batch is part done', async () => {
    await run('killed-mid-run', { role: ['web'] }, `sleep 1; ${MARKING('killed-mid-run')}`, {
      rateControl: { maxConcurrency: 4 },
    });
    const ranSoFar = () => fleet.hosts.filter((host) => runsOn(host, 'killed-mid-run') > 0).length;
    await expect.poll(ranSoFar, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(6);
    expect(ranSoFar()).toBeLessThan(20);
    process.kill(-h.operator.process.pid, 'SIGKILL');
    await h.operator.process.exited;
    h.operator = await quickOperator();
    const done = await ended('killed-mid-run', 180_000);
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 20, succeeded: 20 });
    for (const host of fleet.hosts) expect(runsOn(host, 'killed-mid-run')).toBe(1);
  });
});
