// `npm run demo` exactly as the README says, as a child process with its own control plane, emulator,
// operator and console: log in with the token it prints, run the example script from the browser,
// see it succeed, then Ctrl-C and check that no process it started survives and its ports close.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBanner, STOPPED_LINE, type DemoEndpoints } from '../infra/demo-banner.js';
import { waitFor } from '../infra/processes.js';
import { launchBrowser, loggedInPage } from '../support/browser.js';

type Endpoints = Omit<DemoEndpoints, 'kubectl'>;

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
];
// the first run on a machine builds the control plane and the console pages
const START_TIMEOUT_MS = 20 * 60_000;

let demo: ChildProcess | undefined;
let output = '';
let endpoints: Endpoints;
let apiServerPort: number;
let treeBeforeStop: number[] = [];
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

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
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
