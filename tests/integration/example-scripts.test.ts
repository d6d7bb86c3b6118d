// The Linux tools of docs/examples/07-linux-scripts.yaml, as the example defines them, run by the
// operator over SSH on real Debian sshd hosts (processes of this machine, so what they report can
// be checked against the machine itself): the disk usage check on both sides of its threshold, the
// patching pre-check as root and without it, and a host reached through a bastion.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshFleet, type SshFleet, type SshHost } from '../infra/sshd.js';
import { repoRoot } from '../support/chart.js';
import { useOperator } from '../support/harness.js';
import type { PcmObject } from '../support/objects.js';

const h = useOperator('examples');
let fleet: SshFleet;
let hostNames: string[];

const EXAMPLE = path.join(repoRoot, 'docs', 'examples', '07-linux-scripts.yaml');
const TERMINAL = /^(Succeeded|PartiallySucceeded|Failed|Cancelled|TimedOut)$/;

interface Invocation {
  instanceId: string;
  status: string;
  exitCode?: number;
  output?: string;
}

function exampleScripts(): Omit<PcmObject, 'apiVersion'>[] {
  return parseAllDocuments(readFileSync(EXAMPLE, 'utf8')).map(
    (d) => d.toJS() as Omit<PcmObject, 'apiVersion'>,
  );
}

function inventoryHost(host: SshHost, labels: Record<string, string>, bastion?: string) {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    labels,
    ...(bastion ? { bastion } : {}),
  };
}

function sshCredential(name: string, user: string, sudo: boolean) {
  return {
    kind: 'CloudCredential',
    metadata: { name },
    spec: {
      provider: 'ssh',
      ssh: {
        user,
        sudo,
        privateKeySecretRef: { name: 'ops-key' },
        inventoryRef: { name: 'lab' },
        connectTimeoutSeconds: 60,
      },
    },
  };
}

beforeAll(async () => {
  fleet = await startSshFleet({ hosts: 2, hidden: 1 });
  hostNames = [...fleet.hosts, ...fleet.hidden].map((host) => host.name).sort();
  await h.core.createNamespacedSecret({
    namespace: h.namespace,
    body: { metadata: { name: 'ops-key' }, stringData: { privateKey: fleet.userKey.privateKey } },
  });
  await h.objects.create({
    kind: 'HostInventory',
    metadata: { name: 'lab' },
    spec: {
      hosts: [
        ...fleet.hosts.map((host) => inventoryHost(host, { env: 'prod', role: 'web' })),
        inventoryHost(fleet.bastion, { role: 'bastion' }),
        ...fleet.hidden.map((host) => inventoryHost(host, { env: 'prod', role: 'db' }, 'bastion')),
      ],
    },
  });
  await h.objects.create(sshCredential('lab-root', fleet.users.sudo, true));
  // the same login user without sudo: the pre-check needs no root (a second login user would
  // not do here: the provider's run directory on a host belongs to the first user that ran there)
  await h.objects.create(sshCredential('lab-user', fleet.users.sudo, false));
  for (const name of ['lab-root', 'lab-user']) {
    await h.objects.waitForCondition('cloudcredentials', name, { type: 'Ready', status: 'True' });
  }
  for (const script of exampleScripts()) await h.objects.create(script);
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
});

/** Runs an example Script on the hosts labelled env=prod and returns each host's report. */
async function runOnProd(
  name: string,
  script: string,
  options: { credential?: string; parameters?: Record<string, string> } = {},
): Promise<{ execution: PcmObject; reports: Map<string, Invocation & { report: Report }> }> {
  await h.objects.create({
    kind: 'ScriptExecution',
    metadata: { name },
    spec: {
      scriptRef: { name: script },
      parameters: options.parameters ?? {},
      targets: [
        { credentialRef: { name: options.credential ?? 'lab-root' }, tags: { env: ['prod'] } },
      ],
      rateControl: { maxErrors: '100%' },
    },
  });
  const execution = await h.objects.waitFor(
    'scriptexecutions',
    name,
    (o) => TERMINAL.test(String(o.status?.phase)),
    120_000,
  );
  const batches = await h.objects.list('executionbatches');
  const invocations = batches
    .filter((b) => (b.spec as { executionName?: string }).executionName === name)
    .flatMap((b) => (b.status?.invocations as Invocation[] | undefined) ?? []);
  return {
    execution,
    reports: new Map(invocations.map((i) => [i.instanceId, { ...i, report: parse(i.output) }])),
  };
}

type Report = Record<string, string>;

/** The scripts' key=value lines. */
function parse(output: string | undefined): Report {
  const lines = (output ?? '').split('\n').filter((line) => line.includes('='));
  return Object.fromEntries(
    lines.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

function osRelease(key: string): string {
  const line = readFileSync('/etc/os-release', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}=`));
  return (line ?? '').slice(key.length + 1).replace(/^"|"$/g, '');
}

/** Megabytes free on / for an unprivileged user, as df -Pm counts them. */
function rootFreeMb(): number {
  const stats = statfsSync('/');
  return Math.floor((stats.bavail * stats.bsize) / 1024 / 1024);
}

describe('the disk usage check of docs/examples', () => {
  it('fails on every host when the threshold is 0, naming / as over', async () => {
    const { execution, reports } = await runOnProd('disk-at-0', 'disk-usage-check', {
      parameters: { THRESHOLD_PCT: '0' },
    });
    expect(execution.status?.phase).toBe('Failed');
    expect([...reports.keys()].sort()).toEqual(hostNames);
    for (const { status, exitCode, report } of reports.values()) {
      expect({ status, exitCode }).toEqual({ status: 'Failed', exitCode: 1 });
      expect(Number(report.checked)).toBeGreaterThanOrEqual(1);
      expect(Number(report.over)).toBeGreaterThanOrEqual(1);
      expect(report.over_mounts?.split(',')).toContainEqual(expect.stringMatching(/^\/:\d+$/));
    }
  });

  it('passes on every host at 100, with the usage of this machine’s filesystems', async () => {
    const { execution, reports } = await runOnProd('disk-at-100', 'disk-usage-check', {
      parameters: { THRESHOLD_PCT: '100' },
    });
    expect(execution.status?.phase).toBe('Succeeded');
    expect(execution.status?.counts).toMatchObject({ total: 3, succeeded: 3 });
    const stats = statfsSync('/');
    // df's Capacity: used over (used + available), rounded up
    const used = stats.blocks - stats.bfree;
    const rootPct = Math.ceil((100 * used) / (used + stats.bavail));
    for (const { exitCode, report } of reports.values()) {
      expect(exitCode).toBe(0);
      expect(report).toMatchObject({ over: '0', over_mounts: '' });
      expect(Number(report.max_use_pct)).toBeGreaterThanOrEqual(rootPct - 1);
      expect(Number(report.max_use_pct)).toBeLessThanOrEqual(100);
    }
  });
});

describe('the Linux patching pre-check of docs/examples', () => {
  const expectedManager = existsSync('/usr/bin/dnf')
    ? 'dnf'
    : existsSync('/usr/bin/apt-get')
      ? 'apt'
      : 'unknown';

  it('reports this machine’s release, kernel, updates, space and uptime, as root', async () => {
    const { execution, reports } = await runOnProd('precheck-root', 'linux-patch-precheck');
    expect(execution.status?.phase).toBe('Succeeded');
    expect([...reports.keys()].sort()).toEqual(hostNames);
    for (const { exitCode, report } of reports.values()) {
      expect(exitCode).toBe(0);
      expect(report).toMatchObject({
        os_id: osRelease('ID'),
        os_version: osRelease('VERSION_ID'),
        os_name: osRelease('PRETTY_NAME'),
        kernel: os.release(),
        package_manager: expectedManager,
        boot_separate: expect.stringMatching(/^(yes|no)$/),
        reboot_required: expect.stringMatching(/^(yes|no|unknown)$/),
        ready: 'yes',
      });
      expect(report.pending_updates).toMatch(/^(\d+|unknown)$/);
      expect(report.security_updates).toMatch(/^(\d+|unknown)$/);
      expect(Number(report.root_free_mb)).toBeGreaterThan(rootFreeMb() * 0.9);
      expect(Number(report.root_free_mb)).toBeLessThan(rootFreeMb() * 1.1 + 64);
      expect(Number(report.uptime_days)).toBe(Math.floor(os.uptime() / 86_400));
      const bootedAt = Date.parse(report.booted_at ?? '');
      expect(Math.abs(bootedAt - (Date.now() - os.uptime() * 1000))).toBeLessThan(120_000);
    }
  });

  it('reports the same without root', async () => {
    const { execution, reports } = await runOnProd('precheck-user', 'linux-patch-precheck', {
      credential: 'lab-user',
    });
    expect(execution.status?.phase).toBe('Succeeded');
    for (const { report } of reports.values()) {
      expect(report).toMatchObject({ kernel: os.release(), ready: 'yes' });
    }
  });

  it('fails a host short of space on /, naming the check', async () => {
    const { execution, reports } = await runOnProd('precheck-short', 'linux-patch-precheck', {
      parameters: { MIN_ROOT_FREE_MB: '999999999' },
    });
    expect(execution.status?.phase).toBe('Failed');
    for (const { status, exitCode, report } of reports.values()) {
      expect({ status, exitCode }).toEqual({ status: 'Failed', exitCode: 1 });
      expect(report).toMatchObject({ ready: 'no', problems: 'root_free_mb<999999999' });
    }
  });
});
