// `npm run demo` exactly as the README says, as a child process with its own control plane, emulator,
// Linux hosts, operator and console: log in with the token it prints, run the example script from
// the browser, see it succeed, run the disk check over SSH on the hosts it lists, then Ctrl-C and
// check that no process it started survives and its ports close.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import type { Browser, Page } from 'playwright-core';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseBanner,
  parseBannerHosts,
  STOPPED_LINE,
  type DemoEndpoints,
} from '../infra/demo-banner.js';
import { waitFor } from '../infra/processes.js';
import { launchBrowser, loggedInPage } from '../support/browser.js';
import { Objects } from '../support/objects.js';

type Endpoints = Omit<DemoEndpoints, 'kubectl' | 'linux'>;

const repoRoot = path.join(import.meta.dirname, '..', '..');
const NAME = 'precheck-from-console';
/** What the demo runs, as its processes' command lines show it. */
const EVERY_COMPONENT = [
  'tests/infra/demo.ts',
  '/etcd ',
  '/kube-apiserver ',
  '/kube-controller-manager ',
  'pcm_ops_emulator',
  'operator/src/main.ts',
  'console/server/main.ts',
  '/usr/sbin/sshd -D',
];
// the first run on a machine builds the control plane and the console pages
const START_TIMEOUT_MS = 20 * 60_000;

let demo: ChildProcess | undefined;
let output = '';
let endpoints: Endpoints;
let apiServerPort: number;
let treeBeforeStop: number[] = [];
let sshEndpoints: { host: string; port: number }[] = [];
let browser: Browser;
let page: Page;

function parentOf(pid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Every process below `root`, by walking /proc (detached process groups included). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    const parent = parentOf(entry);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), +entry]);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  // a zombie has exited; only its parent has not collected it yet
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const running = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

const portOf = (url: string): number => Number(new URL(url).port);

function startDemo(): ChildProcess {
  // its own process group, so a signal to the group is what Ctrl-C in a terminal sends
  const child = spawn('npm', ['run', 'demo'], {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PCM_OPS_DEMO_PORT: '0' },
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return child;
}

interface Discovery {
  instances: { instanceId: string; platform: string; state: string }[];
}

/** A GET from the logged-in page, as the console's own scripts make it. */
async function relayed<T>(target: Page, url: string): Promise<T> {
  const answer = await target.evaluate(async (url) => {
    const response = await fetch(url);
    return { status: response.status, text: await response.text() };
  }, url);
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${answer.text}`);
  return JSON.parse(answer.text) as T;
}

/** Fills the console's new-execution form as a person would and presses Run now. */
async function runFromForm(target: Page, consoleUrl: string): Promise<void> {
  await target.goto(`${consoleUrl}/aws/executions/new?script=patch-precheck`);
  await target.waitForSelector('form[data-hydrated]');
  await target.fill('#name', NAME);
  await target.fill('#param-MIN_FREE_MB', '2048');
  await target.selectOption('#param-MODE', 'strict');
  await target.check('input[name=credential][value="prod"]');
  await target.fill('#regions', 'eu-west-1, us-east-1');
  await target.fill('#tags', 'Role=web');
  await target.check('input[name=platform][value="Linux"]');
  await expect
    .poll(() => target.locator('[data-preview-total] strong').textContent(), { timeout: 60_000 })
    .toBe('10');
  await target.click('button:has-text("Run now")');
  await target.waitForURL(`**/aws/executions/*/${NAME}`, { timeout: 60_000 });
}

interface Invocation {
  instanceId: string;
  status: string;
  exitCode?: number;
  output?: string;
}

/** Each target's invocation, from the execution's batches. */
async function invocationsOf(objects: Objects, name: string): Promise<Invocation[]> {
  const batches = await objects.list('executionbatches');
  return batches
    .filter((b) => (b.spec as { executionName?: string }).executionName === name)
    .flatMap((b) => (b.status?.invocations as Invocation[] | undefined) ?? []);
}

/** key=value lines as a record. */
function keyValues(output: string | undefined): Record<string, string> {
  const lines = (output ?? '').split('\n').filter((line) => line.includes('='));
  return Object.fromEntries(
    lines.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]),
  );
}

/** The disk check run right here: the demo's Linux hosts are sshd processes on this machine. */
async function diskCheckHere(threshold: string): Promise<Record<string, string>> {
  const file = path.join(repoRoot, 'docs', 'examples', '07-linux-scripts.yaml');
  const script = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as { metadata: { name: string }; spec: { body: string } })
    .find((o) => o.metadata.name === 'disk-usage-check')!;
  const { stdout } = await promisify(execFile)('bash', ['-c', script.spec.body], {
    env: {
      ...process.env,
      THRESHOLD_PCT: threshold,
      EXCLUDE_TYPES: 'tmpfs,devtmpfs,squashfs,overlay,iso9660',
    },
  });
  return keyValues(stdout);
}

const TERMINAL = /^(Succeeded|PartiallySucceeded|Failed|Cancelled|TimedOut)$/;

afterAll(async () => {
  // only when a test failed half-way: stop what is left, as Ctrl-C would
  if (demo?.pid === undefined || !running(demo)) return;
  const left = descendants(demo.pid);
  process.kill(-demo.pid, 'SIGINT');
  await waitFor('the demo to stop', async () => (running(demo!) ? undefined : true), {
    timeoutMs: 120_000,
  }).catch(() => left.forEach((pid) => alive(pid) && process.kill(pid, 'SIGKILL')));
});

function waitForBanner(): Promise<Endpoints> {
  return waitFor(
    'the demo banner',
    async () => {
      if (!running(demo!)) throw new Error(`the demo exited early:\n${output}`);
      return parseBanner(output);
    },
    { timeoutMs: START_TIMEOUT_MS, intervalMs: 500 },
  );
}

const exited = (child: ChildProcess): Promise<unknown> =>
  new Promise((resolve) => (running(child) ? child.once('exit', resolve) : resolve(0)));

async function allGone(tree: number[]): Promise<void> {
  await waitFor(
    'every process the demo started to exit',
    async () => (tree.some(alive) ? undefined : true),
    { timeoutMs: 60_000, intervalMs: 250 },
  ).catch(() => {
    throw new Error(`still running after the demo stopped: ${tree.filter(alive).join(', ')}`);
  });
}

describe('npm run demo', () => {
  it('prints the console URL, a login token and a kubeconfig path', async () => {
    demo = startDemo();
    endpoints = await waitForBanner();
    expect(endpoints.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(endpoints.tokenPath, 'utf8').trim()).toBe(endpoints.token);
    const kubeconfig = JSON.parse(readFileSync(endpoints.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: { server: string } }[];
    };
    apiServerPort = portOf(kubeconfig.clusters[0]!.cluster.server);
    expect(await portAnswers(apiServerPort)).toBe(true);
  });

  it('logs in with the printed token and shows the seeded fleet and example runs', async () => {
    browser = await launchBrowser();
    page = await loggedInPage(browser, endpoints.consoleUrl, endpoints.token);
    await expect(page.locator('.who .user').textContent()).resolves.toBe(
      `system:serviceaccount:${endpoints.namespace}:demo-user`,
    );
    await page.goto(`${endpoints.consoleUrl}/aws/executions`);
    await expect(page.getByText('patch-precheck-2026-11').first().isVisible()).resolves.toBe(true);
    // instance discovery through the console's relay to the operator, as the logged-in user
    const prod = `/operator/api/v1/namespaces/${endpoints.namespace}/cloudcredentials/prod/instances`;
    const all = await relayed<Discovery>(page, `${prod}?region=eu-west-1`);
    expect(all.instances.length).toBe(12);
    expect(new Set(all.instances.map((i) => i.platform))).toEqual(new Set(['Linux', 'Windows']));
    // three payments API servers, one of them with its SSM agent offline
    const payments = `${prod}?region=eu-west-1&tag=Team=payments`;
    expect((await relayed<Discovery>(page, payments)).instances.length).toBe(3);
    const online = await relayed<Discovery>(page, `${payments}&onlineOnly=true`);
    expect(online.instances.length).toBe(2);
    // the instances page shows them with their Name tags and SSM status
    await page.goto(
      `${endpoints.consoleUrl}/aws/instances?credential=prod&region=eu-west-1&tag=Team=payments`,
    );
    await expect
      .poll(() => page.locator('tr[data-instance] td:nth-child(4)').allTextContents(), {
        timeout: 60_000,
      })
      .toEqual(expect.arrayContaining([expect.stringMatching(/^prod-euw1-[a-z-]+-\d\d$/)]));
    const names = await page.locator('tr[data-instance] td:nth-child(4)').allTextContents();
    expect(names).toHaveLength(3);
    expect(names.every((name) => /^prod-euw1-/.test(name))).toBe(true);
  });

  it('runs the example script from the console and shows Succeeded', async () => {
    await runFromForm(page, endpoints.consoleUrl);
    await expect
      .poll(() => page.locator('[data-phase]').textContent(), { timeout: 180_000 })
      .toBe('Succeeded');
    // prod web servers: five Linux servers in each of two regions
    await expect(page.locator('[data-count=succeeded]').textContent()).resolves.toBe('10');
    await page.locator('[data-instance] a').first().click();
    await expect
      .poll(() => page.locator('pre.output-text').textContent(), { timeout: 30_000 })
      .toMatch(/free_mb=\d+\npending=\d+/);
    // full output from the operator, through the console's relay
    const instanceId = await page.locator('[data-instance]').first().getAttribute('data-instance');
    const full = await relayed<{ stdout: string }>(
      page,
      `/operator/api/v1/namespaces/${endpoints.namespace}/scriptexecutions/${NAME}/output?instanceId=${instanceId}`,
    );
    expect(full.stdout).toMatch(/^free_mb=\d+\npending=\d+\n$/);
  });

  it('lists its Linux hosts and runs the disk check on them by label over SSH', async () => {
    const admin = new KubeConfig();
    admin.loadFromFile(endpoints.kubeconfigPath);
    const objects = new Objects(endpoints.namespace, admin);
    // the hosts of docs/examples/06 as the banner lists them, each a real sshd
    const listed = parseBannerHosts(output);
    expect(listed.map((h) => h.name)).toEqual(['bastion-1', 'web-1', 'web-2', 'db-1']);
    const inventory = await objects.get('hostinventories', 'datacenter-1');
    const hosts = (
      inventory.spec as {
        hosts: {
          name: string;
          address: string;
          port: number;
          bastion?: string;
          hostKey?: string;
        }[];
      }
    ).hosts;
    expect(hosts.map((h) => `${h.address}:${h.port}`)).toEqual(listed.map((h) => h.endpoint));
    expect(hosts.filter((h) => h.bastion).map((h) => h.name)).toEqual(['web-1', 'web-2', 'db-1']);
    sshEndpoints = hosts.map((h) => ({ host: h.address, port: h.port }));
    for (const endpoint of sshEndpoints) {
      expect(
        await portAnswers(endpoint.port, endpoint.host),
        `${endpoint.host}:${endpoint.port}`,
      ).toBe(true);
    }
    const credential = await objects.get('cloudcredentials', 'dc1-ops');
    expect(credential.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');

    // what a person would try: the disk check on the production hosts, by their env label
    await objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'disk-check-from-test' },
      spec: {
        scriptRef: { name: 'disk-usage-check' },
        parameters: { THRESHOLD_PCT: '100' },
        targets: [{ credentialRef: { name: 'dc1-ops' }, tags: { env: ['prod'] } }],
      },
    });
    const done = await objects.waitFor(
      'scriptexecutions',
      'disk-check-from-test',
      (o) => TERMINAL.test(String(o.status?.phase)),
      120_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 3, succeeded: 3 });
    const here = await diskCheckHere('100');
    const ran = await invocationsOf(objects, 'disk-check-from-test');
    expect(ran.map((i) => i.instanceId).sort()).toEqual(['db-1', 'web-1', 'web-2']);
    for (const invocation of ran) {
      const report = keyValues(invocation.output);
      expect(report).toMatchObject({
        checked: here.checked,
        over: '0',
        over_mounts: '',
        max_use_mount: here.max_use_mount,
      });
      expect(Math.abs(Number(report.max_use_pct) - Number(here.max_use_pct))).toBeLessThanOrEqual(
        1,
      );
    }

    // the examples the demo applied over SSH ran there too, and the pre-check on EC2 through SSM
    const example = await objects.waitFor(
      'scriptexecutions',
      'disk-check-dc1-prod',
      (o) => TERMINAL.test(String(o.status?.phase)),
      120_000,
    );
    expect(example.status?.counts).toMatchObject({ total: 3 });
    const staging = await objects.waitFor(
      'scriptexecutions',
      'linux-precheck-staging',
      (o) => TERMINAL.test(String(o.status?.phase)),
      120_000,
    );
    expect(staging.status?.phase).toBe('Succeeded');
    const prechecked = await invocationsOf(objects, 'linux-precheck-staging');
    // staging's Linux patch group: two web, two API and one database server in each of two regions
    expect(prechecked).toHaveLength(10);
    for (const invocation of prechecked) {
      expect(keyValues(invocation.output)).toMatchObject({
        os_id: 'amzn',
        package_manager: 'dnf',
        ready: 'yes',
      });
    }
  });

  it('stops on Ctrl-C, leaving no process behind and no port open', async () => {
    const pid = demo!.pid!;
    treeBeforeStop = descendants(pid);
    const commands = treeBeforeStop.map(commandLine).join('\n');
    for (const started of EVERY_COMPONENT) expect(commands).toContain(started);
    await page.context().close();
    process.kill(-pid, 'SIGINT');
    // npm itself ends by the SIGINT it was sent, as it does in a terminal
    await exited(demo!);
    expect(output).toContain('SIGINT: stopping');
    expect(output).toContain(STOPPED_LINE);
    await allGone(treeBeforeStop);
    const ports = [
      portOf(endpoints.consoleUrl),
      portOf(endpoints.operatorUrl),
      portOf(endpoints.emulatorUrl),
      apiServerPort,
    ];
    for (const port of ports) expect(await portAnswers(port), `port ${port}`).toBe(false);
    for (const { host, port } of sshEndpoints) {
      expect(await portAnswers(port, host), `sshd at ${host}:${port}`).toBe(false);
    }
    expect(existsSync(endpoints.tokenPath)).toBe(false);
    expect(existsSync(endpoints.kubeconfigPath)).toBe(false);
  });

  it('stops the same way on a SIGTERM to npm alone, as a process manager sends it', async () => {
    output = '';
    demo = startDemo();
    const second = await waitForBanner();
    const tree = descendants(demo.pid!);
    process.kill(demo.pid!, 'SIGTERM');
    await exited(demo);
    expect(output).toContain('SIGTERM: stopping');
    expect(output).toContain(STOPPED_LINE);
    await allGone(tree);
    expect(await portAnswers(portOf(second.consoleUrl))).toBe(false);
    expect(await portAnswers(portOf(second.operatorUrl))).toBe(false);
  });
});
