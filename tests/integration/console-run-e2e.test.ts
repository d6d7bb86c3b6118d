// Running scripts from the console in a real browser, against the real control plane, operator and
// AWS emulator: discover the fleet across two accounts, preview targets, get bad input named
// without anything created, run from a change ticket's CSV and watch it finish live, submit for
// review, clone, and take the screenshots the README shows.
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedFleet, type Fleet } from '../support/aws.js';
import { ensureConsoleBuild, launchBrowser, loggedInPage } from '../support/browser.js';
import { startConsole, userToken } from '../support/console.js';
import { useOperator } from '../support/harness.js';

const A = '310000000001';
const B = '310000000002';
const REGIONS = ['eu-west-1', 'us-east-1'];
const h = useOperator('console-run');

let browser: Browser;
let origin: string;
let page: Page;
let fleet: Fleet;
let dbIds: string[];
let offline: string;
const cspViolations: string[] = [];

const newUrl = (query = ''): string => `${origin}/aws/executions/new${query}`;

async function executionNames(): Promise<string[]> {
  return (await h.objects.list('scriptexecutions')).map((o) => o.metadata.name);
}

/** Instances a Linux script with onlineOnly reaches: the Linux ones whose agent is online. */
function expectedMatches(accountId: string, region: string): number {
  return fleet.group(accountId, region).linuxInstanceIds.filter((id) => id !== offline).length;
}

async function openForm(query = '?script=patch-check'): Promise<void> {
  await page.goto(newUrl(query));
  await page.waitForSelector('form[data-hydrated]');
}

async function chooseTagTargets(
  credentials: string[],
  regions: string,
  tags: string,
): Promise<void> {
  for (const name of credentials) await page.check(`input[name=credential][value="${name}"]`);
  await page.fill('#regions', regions);
  await page.fill('#tags', tags);
}

beforeAll(async () => {
  await ensureConsoleBuild();
  const [running, launched] = await Promise.all([
    startConsole({ operatorUrl: h.operator.apiUrl }),
    launchBrowser(),
  ]);
  origin = `http://127.0.0.1:${running.port}`;
  browser = launched;
  fleet = await h.fleet({ accounts: [A, B], regions: REGIONS, perRegion: 4 });
  const db = await seedFleet(h.endpoint, {
    accounts: [A],
    regions: ['eu-west-1'],
    perRegion: 2,
    windowsShare: 0,
    tags: { Environment: 'test', Role: 'db' },
  });
  dbIds = db.instanceIds;
  offline = fleet.group(A, 'eu-west-1').linuxInstanceIds[1]!;
  await h.emulator.setPingStatus([offline], 'ConnectionLost');
  await h.emulator.setLifecycle({ pendingSeconds: 1, runningSeconds: 2 });
  await h.objects.create({
    kind: 'Script',
    metadata: { name: 'patch-check' },
    spec: {
      interpreter: 'bash',
      description: 'Lists pending security updates.',
      platforms: ['Linux'],
      body: 'echo "checking $MODE with $RETRIES retries"',
      parameters: [
        { name: 'RETRIES', type: 'int', required: true, description: 'How often to retry.' },
        { name: 'MODE', type: 'enum', values: ['check', 'apply'], default: 'check' },
      ],
    },
  });
  await h.objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'broken' },
    spec: { aws: { source: { secretRef: { name: 'no-such-secret' } } } },
  });
  const plurals = KINDS.map((kind) => kind.plural);
  const token = await userToken(h.namespace, 'run-editor', [
    { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch', 'patch'] },
    { apiGroups: [GROUP], resources: ['scriptexecutions'], verbs: ['create'] },
  ]);
  page = await loggedInPage(browser, origin, token);
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
});

describe('instances page', () => {
  it('shows the fleet of two accounts in two regions with SSM status, and says which credential is not Ready', async () => {
    await page.goto(`${origin}/aws/instances?region=eu-west-1&region=us-east-1`);
    await expect
      .poll(() => page.locator('[data-summary]').textContent(), { timeout: 60_000 })
      .toMatch(/^\d+ instances/);
    const shown = await page
      .locator('tr[data-instance]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance')));
    expect(shown.sort()).toEqual([...fleet.instanceIds, ...dbIds].sort());
    const accounts = await page.locator('tr[data-instance] td:first-child').allTextContents();
    expect(new Set(accounts)).toEqual(new Set([A, B]));
    await expect(
      page.locator(`tr[data-instance="${offline}"] [data-ping]`).textContent(),
    ).resolves.toBe('Offline');
    const pings = await page.locator('[data-ping]').allTextContents();
    expect(pings.filter((p) => p === 'Online')).toHaveLength(shown.length - 1);
    const windows = fleet.groups.flatMap((g) => g.windowsInstanceIds);
    await expect(
      page.locator(`tr[data-instance="${windows[0]}"] td:nth-child(5)`).textContent(),
    ).resolves.toBe('Windows');
    await expect(page.locator('tr[data-place="broken"]').textContent()).resolves.toMatch(
      /not Ready/,
    );
  });

  it('filters by tag, keeping the filter in the URL', async () => {
    await page.waitForSelector('form[data-hydrated]');
    await page.fill('input[name=tag] >> nth=0', 'Role=db');
    await page.click('button:has-text("Apply filters")');
    await page.waitForURL(/tag=Role%3Ddb/);
    await expect
      .poll(
        async () =>
          (
            await page
              .locator('tr[data-instance]')
              .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance')))
          ).sort(),
        { timeout: 60_000 },
      )
      .toEqual([...dbIds].sort());
    await page.reload();
    await expect
      .poll(() => page.locator('tr[data-instance]').count(), { timeout: 60_000 })
      .toBe(dbIds.length);
    await expect(page.locator('input[name=tag] >> nth=0').inputValue()).resolves.toBe('Role=db');
  });

  it('shows an operator refusal in the row of the region it concerns, the others still listed', async () => {
    await page.goto(`${origin}/aws/instances?credential=acct-${A}&region=eu-west-1&region=mars-1`);
    await expect
      .poll(() => page.locator(`tr[data-place="acct-${A}/mars-1"] [data-result]`).textContent(), {
        timeout: 60_000,
      })
      .toBe('region "mars-1" is not an AWS region code such as eu-west-1');
    await expect
      .poll(() => page.locator('tr[data-instance]').count(), { timeout: 60_000 })
      .toBe(fleet.group(A, 'eu-west-1').instanceIds.length + dbIds.length);
  });
});

describe('new execution', () => {
  it('previews the targets across two accounts with counts per account and region', async () => {
    await openForm();
    await page.fill('#param-RETRIES', '2');
    await chooseTagTargets([`acct-${A}`, `acct-${B}`], REGIONS.join(', '), 'Role=web');
    const places = REGIONS.flatMap((region) => [A, B].map((account) => `${account}/${region}`));
    for (const place of places) {
      const [account = '', region = ''] = place.split('/');
      await expect
        .poll(() => page.locator(`tr[data-place="${place}"] [data-matched]`).textContent(), {
          timeout: 60_000,
        })
        .toBe(String(expectedMatches(account, region)));
    }
    const total = places.reduce((sum, place) => {
      const [account = '', region = ''] = place.split('/');
      return sum + expectedMatches(account, region);
    }, 0);
    await expect
      .poll(() => page.locator('[data-preview-total] strong').textContent(), { timeout: 30_000 })
      .toBe(String(total));
    await expect(page.locator(`tr[data-place="${A}/eu-west-1"]`).textContent()).resolves.toContain(
      '1 Offline',
    );
  });

  it('names a bad parameter value, a malformed CSV line and an API refusal, and creates nothing', async () => {
    await openForm();
    await page.fill('#param-RETRIES', 'three');
    await chooseTagTargets([`acct-${A}`], 'eu-west-1', 'Role=web');
    await page.click('button:has-text("Run now")');
    await expect(
      page.locator('[data-error-for="parameters.RETRIES"]').textContent(),
    ).resolves.toContain('must be a whole number');
    await page.fill('#param-RETRIES', '2');
    await page.check('input[name=targetMode][value=csv]');
    const good = fleet.group(A, 'eu-west-1').linuxInstanceIds[0]!;
    await page.fill(
      '#csv',
      `account,region,instanceId\n${A},eu-west-1,${good}\n${B},eu-west,${good}\n999900000000,us-east-1,${good}`,
    );
    await page.click('button:has-text("Run now")');
    const csvErrors = await page.locator('[data-error-for="csv"] li').allTextContents();
    expect(csvErrors.join('\n')).toContain(
      'line 3, column 2: region is "eu-west"; expected an AWS region code such as eu-west-1',
    );
    await page.fill('#csv', `${A},eu-west-1,${good}\n999900000000,us-east-1,${good}`);
    await page.click('button:has-text("Run now")');
    await expect(page.locator('[data-error-for="csv"]').textContent()).resolves.toContain(
      `line 2, column 1: no CloudCredential in namespace ${h.namespace} has status.accountId 999900000000`,
    );
    await page.fill('#csv', `${A},eu-west-1,${good}`);
    await page.fill('#name', 'Not_A_Name');
    await page.click('button:has-text("Run now")');
    await expect
      .poll(() => page.locator('[data-error-for="name"]').textContent(), { timeout: 30_000 })
      .toMatch(/metadata\.name.*RFC 1123/);
    expect(await executionNames()).toEqual([]);
  });

  it('runs on the instances an uploaded CSV lists and shows the grid reach Succeeded without reloading', async () => {
    await openForm();
    await page.fill('#param-RETRIES', '2');
    await page.check('input[name=targetMode][value=csv]');
    const listed = [
      [A, 'eu-west-1', fleet.group(A, 'eu-west-1').linuxInstanceIds[0]!],
      [B, 'us-east-1', fleet.group(B, 'us-east-1').linuxInstanceIds[0]!],
      [B, 'us-east-1', fleet.group(B, 'us-east-1').linuxInstanceIds[2]!],
    ];
    const ticket = ['account,region,instanceId', ...listed.map((l) => l.join(','))].join('\r\n');
    await page.setInputFiles('input[type=file]', {
      name: 'CHG0012345-targets.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(ticket),
    });
    await expect.poll(() => page.locator('#csv').inputValue()).toBe(ticket.replace(/\r\n/g, '\n'));
    await expect
      .poll(() => page.locator(`tr[data-place="${B}/us-east-1"] [data-matched]`).textContent(), {
        timeout: 60_000,
      })
      .toBe('2');
    await expect(
      page.locator(`tr[data-place="${A}/eu-west-1"] [data-matched]`).textContent(),
    ).resolves.toBe('1');
    await page.evaluate(
      () => ((globalThis as unknown as { __sameDocument: number }).__sameDocument = 1),
    );
    await page.click('button:has-text("Run now")');
    await page.waitForURL(new RegExp(`/aws/executions/${h.namespace}/patch-check-[a-z0-9]+$`));
    const name = page.url().split('/').pop()!;
    const created = await h.objects.get('scriptexecutions', name);
    expect(created.spec.targets).toEqual([
      {
        credentialRef: { name: `acct-${A}` },
        regions: ['eu-west-1'],
        instanceIds: [listed[0]![2]],
        onlineOnly: true,
      },
      {
        credentialRef: { name: `acct-${B}` },
        regions: ['us-east-1'],
        instanceIds: [listed[1]![2], listed[2]![2]],
        onlineOnly: true,
      },
    ]);
    await expect
      .poll(() => page.locator('[data-phase]').textContent(), { timeout: 90_000 })
      .toBe('Succeeded');
    await expect
      .poll(
        async () =>
          (
            await page
              .locator('tr[data-instance]')
              .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-instance')))
          ).sort(),
        { timeout: 20_000 },
      )
      .toEqual(listed.map((l) => l[2]).sort());
    await expect
      .poll(() => page.locator('[data-status]').allTextContents(), { timeout: 20_000 })
      .toEqual(['Success', 'Success', 'Success']);
    const same = await page.evaluate(
      () => (globalThis as unknown as { __sameDocument?: number }).__sameDocument,
    );
    expect(same).toBe(1);
  });

  it('submits an execution suspended for review, with its change reference and limits', async () => {
    await openForm();
    await page.fill('#param-RETRIES', '1');
    await chooseTagTargets([`acct-${A}`, `acct-${B}`], 'eu-west-1', 'Role=web');
    await page.fill('#name', 'reviewed-run');
    await page.fill('#changeRef', 'CHG0012345');
    await page.fill('#maxConcurrency', '50%');
    await page.fill('#maxErrors', '1');
    await page.fill('#deliverySeconds', '600');
    await page.click('button:has-text("Submit suspended")');
    await page.waitForURL(`${origin}/aws/executions/${h.namespace}/reviewed-run`);
    await expect
      .poll(() => page.locator('[data-phase]').textContent(), { timeout: 60_000 })
      .toBe('Suspended');
    const stored = await h.objects.get('scriptexecutions', 'reviewed-run');
    expect(stored.spec).toMatchObject({
      suspend: true,
      changeRef: 'CHG0012345',
      parameters: { RETRIES: '1' },
      rateControl: { maxConcurrency: '50%', maxErrors: 1 },
      timeouts: { deliverySeconds: 600 },
    });
  });

  it('clones an execution into the form with ?from=', async () => {
    await openForm(`?from=${h.namespace}/reviewed-run`);
    await expect(page.locator('[data-cloned-from]').textContent()).resolves.toContain(
      'reviewed-run',
    );
    await expect(page.locator('#script').inputValue()).resolves.toBe('patch-check');
    await expect(page.locator('#param-RETRIES').inputValue()).resolves.toBe('1');
    await expect(page.locator('#tags').inputValue()).resolves.toBe('Role=web');
    await expect(page.locator('#regions').inputValue()).resolves.toBe('eu-west-1');
    await expect(page.locator('#changeRef').inputValue()).resolves.toBe('CHG0012345');
    await expect(page.locator('#maxConcurrency').inputValue()).resolves.toBe('50%');
    await expect(page.locator('#deliverySeconds').inputValue()).resolves.toBe('600');
    for (const account of [A, B])
      expect(await page.isChecked(`input[name=credential][value="acct-${account}"]`)).toBe(true);
    await expect
      .poll(() => page.locator('[data-preview-total] strong').textContent(), { timeout: 60_000 })
      .toBe(String(expectedMatches(A, 'eu-west-1') + expectedMatches(B, 'eu-west-1')));
  });

  it('disables Run and Submit, with the reason, for a user RBAC does not let create executions', async () => {
    const read = {
      apiGroups: [GROUP],
      resources: KINDS.map((k) => k.plural),
      verbs: ['get', 'list'],
    };
    const viewer = await loggedInPage(
      browser,
      origin,
      await userToken(h.namespace, 'run-viewer', [read]),
    );
    await viewer.goto(newUrl());
    await viewer.waitForSelector('form[data-hydrated]');
    for (const label of ['Run now', 'Submit suspended'])
      expect(await viewer.getByRole('button', { name: label }).isDisabled()).toBe(true);
    await expect(viewer.locator('.form-actions .reason').textContent()).resolves.toMatch(
      /RBAC does not let you create scriptexecutions/,
    );
    await viewer.context().close();
  });

  it('takes light and dark screenshots of the instances page and the new-execution form', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await page.goto(`${origin}/aws/instances?region=eu-west-1&region=us-east-1`);
      await expect
        .poll(() => page.locator('[data-summary]').textContent(), { timeout: 60_000 })
        .toMatch(/^\d+ instances/);
      await page.screenshot({
        path: `docs/screenshots/instances-${colorScheme}.png`,
        fullPage: true,
      });
      await openForm(`?from=${h.namespace}/reviewed-run`);
      await expect
        .poll(() => page.locator('[data-preview-total]').textContent(), { timeout: 60_000 })
        .not.toMatch(/Resolving/);
      await page.screenshot({
        path: `docs/screenshots/new-execution-${colorScheme}.png`,
        fullPage: true,
      });
    }
  });

  it('ran every page without a Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
