// The console's SSH section in a real browser, against the real control plane, the real operator
// and real Debian sshd hosts on loopback: the inventory's hosts with their key state and whether
// they answer, an SSH credential refused with its fields named and then created from a pasted
// key, and a run on hosts chosen by label from the form, followed on the execution page to
// Succeeded. Assertions are on what a person sees.
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshFleet, type SshFleet, type SshHost } from '../infra/sshd.js';
import { ensureConsoleBuild, launchBrowser, loggedInPage } from '../support/browser.js';
import { startConsole, userToken } from '../support/console.js';
import { useOperator } from '../support/harness.js';

const h = useOperator('console-ssh');

let fleet: SshFleet;
let browser: Browser;
let origin: string;
let page: Page;
let web: SshHost[];
let pinned: SshHost;
const cspViolations: string[] = [];

function inventoryHost(host: SshHost, labels: Record<string, string>, hostKey?: string) {
  return {
    name: host.name,
    address: host.address,
    port: host.port,
    labels,
    ...(hostKey ? { hostKey } : {}),
  };
}

const hostRow = (name: string) => page.locator(`tr[data-host="${name}"]`);

async function credentialNames(): Promise<string[]> {
  return (await h.objects.list('cloudcredentials')).map((o) => o.metadata.name).sort();
}

async function secretNames(): Promise<string[]> {
  const list = await h.core.listNamespacedSecret({ namespace: h.namespace });
  return list.items.map((s) => s.metadata?.name ?? '').sort();
}

beforeAll(async () => {
  await ensureConsoleBuild();
  const [running, launched, started] = await Promise.all([
    startConsole({ operatorUrl: h.operator.apiUrl }),
    launchBrowser(),
    startSshFleet({ hosts: 3 }),
  ]);
  origin = `http://127.0.0.1:${running.port}`;
  browser = launched;
  fleet = started;
  web = fleet.hosts.slice(0, 2);
  pinned = fleet.hosts[2]!;
  await h.core.createNamespacedSecret({
    namespace: h.namespace,
    body: { metadata: { name: 'ops-key' }, stringData: { privateKey: fleet.userKey.privateKey } },
  });
  await h.objects.create({
    kind: 'HostInventory',
    metadata: { name: 'lab' },
    spec: {
      hosts: [
        ...web.map((host) => inventoryHost(host, { role: 'web' })),
        inventoryHost(pinned, { role: 'db' }, pinned.hostKey),
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
        connectTimeoutSeconds: 60,
      },
    },
  });
  await h.objects.waitForCondition('cloudcredentials', 'lab-ops', {
    type: 'Ready',
    status: 'True',
  });
  const plurals = KINDS.map((kind) => kind.plural);
  const token = await userToken(h.namespace, 'ssh-operator', [
    { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: [GROUP], resources: ['scriptexecutions', 'cloudcredentials'], verbs: ['create'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  page = await loggedInPage(browser, origin, token);
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
});

describe('the SSH section', () => {
  it('is on the dashboard and in the navigation, and lists the inventory', async () => {
    await expect(page.locator('[data-section="ssh"] h2').textContent()).resolves.toBe('SSH');
    await page.locator('[data-section="ssh"]').getByRole('link', { name: 'Inventories' }).click();
    await page.waitForURL(`${origin}/ssh/inventories`);
    const row = page.locator('tr[data-inventory="lab"]');
    await row.waitFor();
    await expect(row.locator('td').allTextContents()).resolves.toEqual([
      'lab',
      h.namespace,
      '3',
      '1',
      '0',
      'lab-ops',
      'YAML',
    ]);
  });

  it("shows each host's address, labels and key state, and that it answers", async () => {
    await page.locator('tr[data-inventory="lab"] a', { hasText: 'lab' }).first().click();
    await page.waitForURL(`${origin}/ssh/inventories/${h.namespace}/lab`);
    for (const host of web) {
      await expect(hostRow(host.name).locator('td').nth(1).textContent()).resolves.toBe(
        host.address,
      );
      await expect(hostRow(host.name).locator('td').nth(2).textContent()).resolves.toBe(
        String(host.port),
      );
      await expect(hostRow(host.name).locator('td').nth(3).textContent()).resolves.toBe('role=web');
      await expect(hostRow(host.name).locator('[data-key-state]').textContent()).resolves.toBe(
        'Not yet seen',
      );
    }
    await expect(hostRow(pinned.name).locator('[data-key-state]').textContent()).resolves.toBe(
      'Pinned in the inventory (ssh-ed25519)',
    );
    await expect
      .poll(() => page.locator('[data-reach]').allTextContents(), { timeout: 60_000 })
      .toEqual(['Online', 'Online', 'Online']);
    await expect(page.locator('[data-reached-through]').textContent()).resolves.toBe(
      'Reachability through SSH credential lab-ops.',
    );
  });
});

describe('SSH credentials', () => {
  it('names each bad field in words and creates nothing', async () => {
    const before = { credentials: await credentialNames(), secrets: await secretNames() };
    await page.goto(`${origin}/ssh/credentials/new?namespace=${h.namespace}`);
    await page.waitForSelector('form[data-form="ssh-credential"] [data-hydrated]');
    await page.fill('input[name=name]', 'lab-admin');
    await page.selectOption('select[name=inventory]', 'lab');
    await page.fill('input[name=user]', 'Root');
    await page.fill('textarea[name=privateKey]', 'ssh-ed25519 AAAA not a private key');
    await page.click('button:has-text("Create credential")');
    await expect(page.locator('[data-error-for=user]').textContent()).resolves.toMatch(
      /^Login user: must be a login name/,
    );
    await expect(page.locator('[data-error-for=privateKey]').textContent()).resolves.toMatch(
      /^Private key: paste the whole key/,
    );
    expect(page.url()).toBe(`${origin}/ssh/credentials/new?namespace=${h.namespace}`);
    expect(await credentialNames()).toEqual(before.credentials);
    expect(await secretNames()).toEqual(before.secrets);
  });

  it('creates one from a pasted key, which becomes Ready and is never shown back', async () => {
    await page.fill('input[name=user]', fleet.users.sudo);
    await page.fill('textarea[name=privateKey]', fleet.userKey.privateKey);
    await Promise.all([
      page.waitForURL(`${origin}/ssh/credentials?namespace=${h.namespace}`),
      page.click('button:has-text("Create credential")'),
    ]);
    const row = page.locator('tr[data-credential="lab-admin"]');
    await expect
      .poll(() => row.locator('[data-ready]').textContent(), { timeout: 60_000 })
      .toBe('Ready');
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('lab');
    await expect(row.locator('td').nth(5).textContent()).resolves.toBe('lab-admin-ssh-key');
    const html = await page.content();
    const keyLine = fleet.userKey.privateKey.split('\n')[1]!;
    expect(html).not.toContain(keyLine);
    const secret = await h.core.readNamespacedSecret({
      name: 'lab-admin-ssh-key',
      namespace: h.namespace,
    });
    expect(secret.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'CloudCredential',
      name: 'lab-admin',
    });
  });
});

describe('a run on hosts by label', () => {
  it('previews the hosts a label matches and runs there to Succeeded', async () => {
    await page.goto(`${origin}/ssh/executions/new?namespace=${h.namespace}`);
    await page.waitForSelector('form[data-hydrated]');
    await page.check('input[name=scriptSource][value=inline]');
    await page.fill('#body', 'echo "hello from $PCM_TEST_HOST"');
    await page.check('input[name=credential][value="lab-ops"]');
    await page.fill('#tags', 'role=web');
    await expect
      .poll(() => page.locator('[data-preview-total]').textContent(), { timeout: 60_000 })
      .toBe('2 hosts match');
    await expect(page.locator('tr[data-place="lab/"] td').first().textContent()).resolves.toBe(
      'lab',
    );
    await page.fill('#name', 'hello-web');
    await Promise.all([
      page.waitForURL(`${origin}/aws/executions/${h.namespace}/hello-web`),
      page.click('button:has-text("Run now")'),
    ]);
    await expect
      .poll(() => page.locator('[data-phase]').textContent(), { timeout: 120_000 })
      .toBe('Succeeded');
    // the grid follows the phase by its own live updates
    await expect
      .poll(() => page.locator('[data-status]').allTextContents(), { timeout: 30_000 })
      .toEqual(['Success', 'Success']);
    const hosts = await page
      .locator('tr[data-instance]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance')));
    expect(hosts.sort()).toEqual(web.map((host) => host.name).sort());
    const headings = await page.locator('table[aria-label="Targets"] th').allTextContents();
    expect(headings.map((text) => text.replace(/[▲▼]/g, '').trim())).toEqual([
      'Host',
      'Inventory',
      'Status',
      'Exit',
    ]);
    await expect(page.locator('.accounts summary').textContent()).resolves.toBe('1 inventory');
  });

  it('shows a host’s output, and its key recorded on first use on the inventory page', async () => {
    const host = web[0]!;
    await page.locator(`tr[data-instance="${host.name}"] a`).click();
    await expect
      .poll(
        () => page.locator('section[aria-label="Output"] pre.output-text').first().textContent(),
        { timeout: 30_000 },
      )
      .toContain(`hello from ${host.name}`);
    await page.goto(`${origin}/ssh/inventories/${h.namespace}/lab`);
    for (const reached of web) {
      await expect(
        hostRow(reached.name).locator('[data-key-state]').textContent(),
      ).resolves.toMatch(
        new RegExp(
          `^Recorded on first use: ssh-ed25519 ${reached.fingerprint.replace(/[+/]/g, '\\$&')}, first seen `,
        ),
      );
    }
    await expect(hostRow(pinned.name).locator('[data-key-state]').textContent()).resolves.toMatch(
      /^Pinned in the inventory/,
    );
  });

  it('ran every page without a Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
