// The execution detail page and the history in a real browser, against the real control plane,
// operator and AWS emulator: cancel, approve, download the report, group targets by output,
// re-run the failed targets only, filter the history through the URL, follow RBAC, and keep the
// grid to a window of rows for a fleet of thousands.
import { readFile } from 'node:fs/promises';
import { AuthorizationV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuild, launchBrowser, loggedInPage } from '../support/browser.js';
import { startConsole, userToken } from '../support/console.js';
import { execution, useOperator } from '../support/harness.js';
import { adminKubeConfig } from '../support/kube.js';

const ACCOUNT = '310000000001';
const REGION = 'eu-central-1';
const BIG_ACCOUNTS = ['310000000011', '310000000012', '310000000013'];
const BIG_REGIONS = ['us-east-1', 'us-west-2'];
const BIG_PER_REGION = 400; // 3 accounts × 2 regions × 400 = 2,400 targets
const BIG_TOTAL = BIG_ACCOUNTS.length * BIG_REGIONS.length * BIG_PER_REGION;
const SEEDED = 'report-version';
const OK = 'version 1.2.3\nstatus ok\n';
const NEWER = 'version 1.2.4\nstatus ok\n';
const BROKEN = 'version 1.2.3\nerror: disk full\n';
const LONG_LINES = Array.from({ length: 3000 }, (_, i) => `line ${String(i).padStart(4, '0')}`);
const plurals = KINDS.map((kind) => kind.plural);
const h = useOperator('console-detail');

let browser: Browser;
let origin: string;
let bareOrigin: string;
let editor: Page;
let viewerToken: string;
let ids: string[];
const cspViolations: string[] = [];

const detailUrl = (name: string, at = origin): string =>
  `${at}/aws/executions/${h.namespace}/${name}`;

/** The report's CSV: every field quoted ("" inside), CRLF after every record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  for (const [, field = '', end] of text.matchAll(/"((?:[^"]|"")*)"(,|\r\n)/g)) {
    record.push(field.replace(/""/g, '"'));
    if (end === '\r\n') {
      records.push(record);
      record = [];
    }
  }
  return records;
}

/** Opens a detail page and waits until React has taken over its buttons. */
async function openDetail(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.actions[data-hydrated]').waitFor();
}

async function phaseOf(page: Page): Promise<string> {
  return (await page.locator('[data-phase]').textContent()) ?? '';
}

beforeAll(async () => {
  await ensureConsoleBuild();
  const [withOperator, bare, launched] = await Promise.all([
    startConsole({ operatorUrl: h.operator.apiUrl }),
    startConsole(),
    launchBrowser(),
  ]);
  origin = `http://127.0.0.1:${withOperator.port}`;
  bareOrigin = `http://127.0.0.1:${bare.port}`;
  browser = launched;
  const fleet = await h.fleet({
    accounts: [ACCOUNT],
    regions: [REGION],
    perRegion: 6,
    windowsShare: 0,
  });
  ids = [...fleet.instanceIds].sort();
  await h.emulator.setLifecycle({ pendingSeconds: 1, runningSeconds: 2 });
  const seed = (index: number, outcome: Record<string, unknown>) =>
    h.emulator.scriptOutcome({ instanceId: ids[index], commandContains: SEEDED, ...outcome });
  await Promise.all([
    seed(0, { stdout: OK }),
    seed(1, { stdout: OK }),
    seed(2, { stdout: OK }),
    seed(3, { stdout: NEWER, stderr: 'warning: package pinned\n' }),
    seed(4, { stdout: BROKEN, status: 'Failed', responseCode: 3 }),
    seed(5, { stdout: BROKEN, status: 'Failed', responseCode: 3 }),
    h.emulator.scriptOutcome({ commandContains: 'sleep-long', runningSeconds: 120 }),
    h.emulator.scriptOutcome({
      instanceId: ids[0],
      commandContains: 'long-output',
      stdout: `${LONG_LINES.join('\n')}\n`,
    }),
  ]);
  const read = { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch'] };
  const editorToken = await userToken(h.namespace, 'detail-editor', [
    { ...read, verbs: [...read.verbs, 'patch', 'create'] },
  ]);
  viewerToken = await userToken(h.namespace, 'detail-viewer', [read]);
  editor = await loggedInPage(browser, origin, editorToken);
  editor.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await h.objects.create(
    execution('seeded', [ACCOUNT], [REGION], { script: { interpreter: 'bash', body: SEEDED } }),
  );
  await h.objects.waitFor('scriptexecutions', 'seeded', (o) => Boolean(o.status?.completionTime));
});

describe('execution detail in a browser', () => {
  it('cancels a running execution', async () => {
    await h.objects.create(
      execution('long-run', [ACCOUNT], [REGION], {
        script: { interpreter: 'bash', body: 'sleep-long 600' },
      }),
    );
    await openDetail(editor, detailUrl('long-run'));
    const cancel = editor.locator('[data-action=cancel]');
    await expect.poll(() => phaseOf(editor), { timeout: 60_000 }).toBe('Running');
    await expect.poll(() => cancel.isEnabled(), { timeout: 30_000 }).toBe(true);
    await cancel.click();
    await expect.poll(() => phaseOf(editor), { timeout: 90_000 }).toBe('Cancelled');
    const cancelled = await h.objects.get('scriptexecutions', 'long-run');
    expect(cancelled.spec.cancel).toBe(true);
  });

  it('approves a suspended execution and shows it run to the end', async () => {
    await h.objects.create(execution('held', [ACCOUNT], [REGION], { suspend: true }));
    await openDetail(editor, detailUrl('held'));
    await expect.poll(() => phaseOf(editor), { timeout: 60_000 }).toBe('Suspended');
    expect(await editor.locator('[data-status]').count()).toBe(ids.length);
    const approve = editor.locator('[data-action=approve]');
    await expect.poll(() => approve.isEnabled(), { timeout: 10_000 }).toBe(true);
    await approve.click();
    await expect.poll(() => phaseOf(editor), { timeout: 90_000 }).toBe('Succeeded');
    expect(await approve.count()).toBe(0);
    await expect(editor.locator('[data-count=succeeded]').textContent()).resolves.toBe('6');
  });

  it('downloads a CSV report with one row per target, its status and exit code', async () => {
    await openDetail(editor, detailUrl('seeded'));
    const [download] = await Promise.all([
      editor.waitForEvent('download'),
      editor.getByRole('link', { name: 'CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('seeded-report.csv');
    const [header, ...rows] = parseCsv(await readFile((await download.path())!, 'utf8'));
    const column = (name: string): number => header!.indexOf(name);
    const byId = new Map(rows.map((row) => [row[column('instanceId')], row]));
    expect([...byId.keys()].sort()).toEqual(ids);
    for (const [index, id] of ids.entries()) {
      const row = byId.get(id)!;
      const failed = index >= 4;
      expect(row[column('status')]).toBe(failed ? 'Failed' : 'Success');
      expect(row[column('exitCode')]).toBe(failed ? '3' : '0');
      expect(row[column('accountId')]).toBe(ACCOUNT);
    }
    expect(byId.get(ids[4])![column('output')]).toBe(BROKEN);
    const json = await editor.request.get(`${detailUrl('seeded')}/report.json`);
    const report = (await json.json()) as { phase: string; targets: { exitCode: number }[] };
    expect(report.phase).toBe('PartiallySucceeded');
    expect(report.targets.map((t) => t.exitCode).sort()).toEqual([0, 0, 0, 0, 3, 3]);
  });

  it('groups targets by identical output, with counts and a diff against the largest group', async () => {
    await openDetail(editor, `${detailUrl('seeded')}?view=groups`);
    const groups = editor.locator('[data-group]');
    await expect.poll(() => groups.count()).toBe(3);
    const counts = await editor.locator('[data-group-count]').allTextContents();
    expect(counts).toEqual(['3', '2', '1']);
    const members = async (index: number): Promise<string[]> =>
      (await groups.nth(index).locator('[data-member]').allTextContents()).sort();
    expect(await members(0)).toEqual(ids.slice(0, 3));
    expect(await members(1)).toEqual(ids.slice(4, 6));
    expect(await members(2)).toEqual([ids[3]]);
    await expect(groups.nth(0).locator('[data-group-output]').textContent()).resolves.toBe(OK);
    await expect(groups.nth(1).locator('del').allTextContents()).resolves.toEqual(['status ok\n']);
    await expect(groups.nth(1).locator('ins').allTextContents()).resolves.toEqual([
      'error: disk full\n',
    ]);
    // The kept excerpt is SSM's combined output: stdout, then stderr after an ERROR marker.
    await expect(groups.nth(2).locator('del').allTextContents()).resolves.toEqual([
      'version 1.2.3\n',
    ]);
    const added = (await groups.nth(2).locator('ins').allTextContents()).join('');
    expect(added).toContain('version 1.2.4\n');
    expect(added).toContain('warning: package pinned');
    await expect(groups.nth(1).locator('[data-diffstat]').textContent()).resolves.toContain(
      '+1 −1',
    );
  });

  it('shows stdout and stderr apart, full output through the operator, and searches it', async () => {
    await openDetail(editor, `${detailUrl('seeded')}?target=${ids[3]}`);
    await expect(editor.locator('pre[data-stream=stderr]').textContent()).resolves.toBe(
      'warning: package pinned\n',
    );
    await expect(editor.locator('pre[data-stream=stdout]').textContent()).resolves.toBe(NEWER);

    await h.objects.create(
      execution('long-output', [ACCOUNT], [REGION], {
        script: { interpreter: 'bash', body: 'long-output' },
      }),
    );
    await h.objects.waitFor('scriptexecutions', 'long-output', (o) =>
      Boolean(o.status?.completionTime),
    );
    await openDetail(editor, `${detailUrl('long-output')}?target=${ids[0]}`);
    const stdout = editor.locator('pre[data-stream=stdout]');
    await expect.poll(async () => ((await stdout.textContent()) ?? '').length).toBe(24_000);
    await expect(editor.locator('[data-truncated=stdout]').textContent()).resolves.toContain(
      'SSM keeps only the first 24,000 characters of stdout',
    );
    const search = editor.getByRole('searchbox', { name: 'Search the output' });
    await search.fill('line 2000');
    await expect(editor.locator('[data-matches]').textContent()).resolves.toBe('1/1');
    await expect(editor.locator('pre mark[data-current]').textContent()).resolves.toBe('line 2000');
    await search.fill('line 000');
    await expect(editor.locator('[data-matches]').textContent()).resolves.toBe('1/10');
    await search.press('Enter');
    await expect(editor.locator('[data-matches]').textContent()).resolves.toBe('2/10');
    await editor.getByRole('button', { name: 'Previous match' }).click();
    await editor.getByRole('button', { name: 'Previous match' }).click();
    await expect(editor.locator('[data-matches]').textContent()).resolves.toBe('10/10');
    await expect(editor.locator('pre mark[data-current]').textContent()).resolves.toBe('line 000');
    await editor.getByRole('checkbox', { name: 'Wrap' }).uncheck();
    expect(await stdout.getAttribute('class')).toContain('nowrap');
  });

  it('falls back to the kept excerpt with a notice when the operator cannot be reached', async () => {
    const page = await loggedInPage(browser, bareOrigin, viewerToken);
    await openDetail(page, `${detailUrl('long-output', bareOrigin)}?target=${ids[0]}`);
    await expect(page.locator('[data-notice]').textContent()).resolves.toMatch(
      /full output is unavailable.*first 1,000 characters/,
    );
    const excerpt = (await page.locator('pre[data-stream=stdout]').textContent()) ?? '';
    expect(excerpt.startsWith('line 0000\nline 0001\n')).toBe(true);
    expect(excerpt.length).toBeLessThanOrEqual(1000);
    await page.context().close();
  });

  it('re-runs only the failed targets as a new execution over exactly those instances', async () => {
    await openDetail(editor, detailUrl('seeded'));
    await editor.locator('[data-action=rerunFailed]').click();
    await editor.waitForURL(
      new RegExp(`/aws/executions/${h.namespace}/seeded-failed-[a-z0-9]{5}$`),
    );
    const name = editor.url().split('/').at(-1)!;
    const again = await h.objects.get('scriptexecutions', name);
    const targets = again.spec.targets as Array<{ instanceIds: string[]; regions: string[] }>;
    expect(targets).toHaveLength(1);
    expect([...targets[0]!.instanceIds].sort()).toEqual(ids.slice(4, 6));
    expect(targets[0]!.regions).toEqual([REGION]);
    const done = await h.objects.waitFor('scriptexecutions', name, (o) =>
      Boolean(o.status?.completionTime),
    );
    expect(done.status?.counts).toMatchObject({ total: 2, failed: 2 });
    await expect.poll(() => phaseOf(editor), { timeout: 30_000 }).toBe('Failed');
    expect(
      (
        await editor
          .locator('[data-instance]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-instance')))
      ).sort(),
    ).toEqual(ids.slice(4, 6));
  });

  it('shows every action disabled with its reason to a read-only user', async () => {
    await h.objects.create(execution('held-for-viewer', [ACCOUNT], [REGION], { suspend: true }));
    await h.objects.waitFor(
      'scriptexecutions',
      'held-for-viewer',
      (o) => o.status?.phase === 'Suspended',
    );
    const viewer = await loggedInPage(browser, origin, viewerToken);
    await openDetail(viewer, detailUrl('held-for-viewer'));
    for (const action of ['approve', 'cancel', 'rerun', 'rerunFailed', 'clone']) {
      expect(await viewer.locator(`button[data-action=${action}]`).isDisabled()).toBe(true);
    }
    const reason = (action: string) => viewer.locator(`[data-reason-for~=${action}]`).textContent();
    await expect(reason('approve')).resolves.toMatch(
      /RBAC does not let you patch scriptexecutions/,
    );
    await expect(reason('rerun')).resolves.toMatch(/RBAC does not let you create scriptexecutions/);
    await expect(reason('clone')).resolves.toMatch(/RBAC does not let you create scriptexecutions/);
    await viewer.context().close();
  });

  it('shows a refusal by the API server as a clear message when access was revoked after loading', async () => {
    const token = await userToken(h.namespace, 'detail-revoked', [
      {
        apiGroups: [GROUP],
        resources: plurals,
        verbs: ['get', 'list', 'watch', 'patch', 'create'],
      },
    ]);
    const page = await loggedInPage(browser, origin, token);
    await openDetail(page, detailUrl('seeded'));
    const rerun = page.locator('[data-action=rerun]');
    expect(await rerun.isEnabled()).toBe(true);
    // Take create away, keep read: the page stays readable after the refusal.
    const admin = adminKubeConfig();
    await admin.makeApiClient(RbacAuthorizationV1Api).replaceNamespacedRole({
      name: 'detail-revoked',
      namespace: h.namespace,
      body: {
        metadata: { name: 'detail-revoked' },
        rules: [{ apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch'] }],
      },
    });
    const user = `system:serviceaccount:${h.namespace}:detail-revoked`;
    const attributes = { group: GROUP, resource: 'scriptexecutions', verb: 'create' };
    const mayCreate = async () =>
      (
        await admin.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
          body: { spec: { user, resourceAttributes: { ...attributes, namespace: h.namespace } } },
        })
      ).status?.allowed;
    await expect.poll(mayCreate, { timeout: 10_000 }).toBe(false);
    await rerun.click();
    await expect(page.locator('.actions [role=alert]').textContent()).resolves.toMatch(
      /^Not allowed: .*cannot create resource "scriptexecutions"/,
    );
    expect(page.url()).toBe(detailUrl('seeded'));
    await expect
      .poll(() => page.locator('[data-reason-for~=rerun]').textContent())
      .toMatch(/RBAC does not let you create scriptexecutions/);
    await page.context().close();
  });

  it('filters the history by phase, script, credential, labels and time, and reloads the same view from the URL', async () => {
    await h.objects.create({
      kind: 'Script',
      metadata: { name: 'patch-check' },
      spec: { interpreter: 'bash', body: 'echo patched' },
    });
    await h.objects.create({
      ...execution('by-script', [ACCOUNT], [REGION]),
      spec: {
        scriptRef: { name: 'patch-check' },
        targets: [
          {
            credentialRef: { name: `acct-${ACCOUNT}` },
            regions: [REGION],
            tags: { Role: ['web'] },
          },
        ],
      },
    });
    const labelled = execution('labelled', [ACCOUNT], [REGION], { suspend: true });
    await h.objects.create({ ...labelled, metadata: { name: 'labelled', labels: { team: 'db' } } });
    await editor.goto(`${origin}/aws/executions`);
    const names = () =>
      editor
        .locator('[data-execution]')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-execution')).sort());
    await expect.poll(names).toContain('labelled');
    expect((await names()).length).toBeGreaterThan(5);

    await editor.getByLabel('Phase').selectOption('Cancelled');
    await editor.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(names).toEqual(['long-run']);
    expect(new URL(editor.url()).searchParams.get('phase')).toBe('Cancelled');

    await editor.goto(`${origin}/aws/executions`);
    await editor.getByLabel('Script').fill('patch-check');
    await editor.getByLabel('Started').selectOption('1h');
    await editor.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(names).toEqual(['by-script']);

    await editor.goto(`${origin}/aws/executions`);
    await editor.getByLabel('Labels').fill('team=db');
    await editor.getByLabel('Credential').fill(`acct-${ACCOUNT}`);
    await editor.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(names).toEqual(['labelled']);
    const deepLink = editor.url();
    expect(new URL(deepLink).searchParams.get('selector')).toBe('team=db');
    await editor.reload();
    await expect.poll(names).toEqual(['labelled']);
    await expect(editor.getByLabel('Labels').inputValue()).resolves.toBe('team=db');

    await editor.goto(`${origin}/aws/executions?selector=team%3Dnobody`);
    await expect(editor.locator('.empty').textContent()).resolves.toMatch(
      /No executions match these filters/,
    );
    await editor.goto(`${origin}/aws/executions?selector=team%3D%3D%3Dx`);
    await expect(editor.locator('[role=alert]').textContent()).resolves.toMatch(/label selector/);
  });

  it('renders a window of the grid for thousands of targets, not every row', async () => {
    await h.fleet({
      accounts: BIG_ACCOUNTS,
      regions: BIG_REGIONS,
      perRegion: BIG_PER_REGION,
      windowsShare: 0,
    });
    await h.objects.create(
      execution('fleet', BIG_ACCOUNTS, BIG_REGIONS, {
        script: { interpreter: 'bash', body: 'uptime' },
      }),
    );
    await h.objects.waitFor(
      'scriptexecutions',
      'fleet',
      (o) => Boolean(o.status?.completionTime),
      600_000,
    );
    await openDetail(editor, detailUrl('fleet'));
    await expect(editor.locator('[data-shown]').textContent()).resolves.toBe(
      `${BIG_TOTAL} targets`,
    );
    const rendered = () => editor.locator('tr[data-instance]').count();
    expect(await rendered()).toBeLessThan(100);
    await editor.locator('.grid-scroll').focus();
    await editor.keyboard.press('End');
    const last = editor.locator('tr.active[data-instance]');
    await expect.poll(() => last.count()).toBe(1);
    expect(await rendered()).toBeLessThan(100);
    await editor.keyboard.press('Enter');
    await expect
      .poll(() => new URL(editor.url()).searchParams.get('target'))
      .toBe(await last.getAttribute('data-instance'));
    await editor.getByLabel('Region', { exact: true }).selectOption(BIG_REGIONS[1]!);
    await expect
      .poll(() => editor.locator('[data-shown]').textContent())
      .toBe(`${BIG_TOTAL / 2} of ${BIG_TOTAL} targets`);
    const regions = await editor.locator('tr[data-instance] td:nth-child(3)').allTextContents();
    expect(new Set(regions)).toEqual(new Set([BIG_REGIONS[1]]));
    expect(new URL(editor.url()).searchParams.get('region')).toBe(BIG_REGIONS[1]);
  }, 900_000);

  it('takes light and dark screenshots of the output groups and the filtered history', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await editor.emulateMedia({ colorScheme });
      await openDetail(editor, `${detailUrl('seeded')}?view=groups`);
      await editor.locator('[data-group]').first().waitFor();
      await editor.screenshot({
        path: `docs/screenshots/execution-groups-${colorScheme}.png`,
        fullPage: true,
      });
      await editor.goto(`${origin}/aws/executions?phase=Succeeded&range=24h`);
      await editor.locator('[data-execution]').first().waitFor();
      await editor.screenshot({ path: `docs/screenshots/history-${colorScheme}.png` });
    }
  });

  it('ran every page without a Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
