// The console with JavaScript turned off in a real browser, against the real control plane,
// operator and AWS emulator: every form is a plain HTML form that the console server acts on as
// the user. Log in, create a credential from access keys (credential first, its Secret owned by
// it), launch a library script with a parameter through "Show parameters", approve it from the
// suspended state, and watch it finish by reloading.
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REGION, seedFleet, TEST_CREDENTIALS } from '../support/aws.js';
import { ensureConsoleBuild, launchBrowser } from '../support/browser.js';
import { startConsole, userToken } from '../support/console.js';
import { HUB_ACCOUNT, useOperator } from '../support/harness.js';

const IAM_USER = 'console-no-script';
const REGION = 'us-east-1';
const h = useOperator('console-nojs');

let browser: Browser;
let origin: string;
let page: Page;
let instanceIds: string[];
let keys: { accessKeyId: string; secretAccessKey: string };

async function emulatorAccessKeys(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = new IAMClient({
    endpoint: h.endpoint,
    region: DEFAULT_REGION,
    credentials: TEST_CREDENTIALS,
  });
  await iam.send(new CreateUserCommand({ UserName: IAM_USER }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: IAM_USER }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

/** Reloads the page until `selector` shows `text`: without JavaScript nothing updates live. */
async function reloadUntil(selector: string, text: RegExp): Promise<string> {
  let shown = '';
  await expect
    .poll(
      async () => {
        await page.reload();
        shown = (await page.locator(selector).first().textContent()) ?? '';
        return shown;
      },
      { timeout: 90_000, interval: 1_000 },
    )
    .toMatch(text);
  return shown;
}

beforeAll(async () => {
  await ensureConsoleBuild();
  const [running, launched] = await Promise.all([
    startConsole({ operatorUrl: h.operator.apiUrl }),
    launchBrowser(),
  ]);
  origin = `http://127.0.0.1:${running.port}`;
  browser = launched;
  keys = await emulatorAccessKeys();
  instanceIds = (
    await seedFleet(h.endpoint, {
      accounts: [HUB_ACCOUNT],
      regions: [REGION],
      perRegion: 3,
      windowsShare: 0,
      tags: { Environment: 'test', Role: 'nojs' },
    })
  ).instanceIds;
  await h.emulator.setLifecycle({ pendingSeconds: 0.5, runningSeconds: 1 });
  await h.objects.create({
    kind: 'Script',
    metadata: { name: 'greet' },
    spec: {
      interpreter: 'bash',
      platforms: ['Linux'],
      body: 'echo "$GREETING, $WHO"',
      parameters: [
        { name: 'WHO', type: 'string', required: true, pattern: '^[a-z]+$' },
        { name: 'GREETING', type: 'string', default: 'hello' },
      ],
    },
  });
  const plurals = KINDS.map((kind) => kind.plural);
  const token = await userToken(h.namespace, 'nojs-editor', [
    {
      apiGroups: [GROUP],
      resources: plurals,
      verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
    },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 800 },
  });
  page = await context.newPage();
  await page.goto(`${origin}/login`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${origin}/`), page.click('button[type=submit]')]);
});

describe('the console without JavaScript', () => {
  it('creates a credential from access keys on the server, the Secret owned by it', async () => {
    await page.goto(`${origin}/aws/credentials/new`);
    // no script ran: nothing hydrated, every source's fields are on the page
    await expect(page.locator('[data-hydrated]').count()).resolves.toBe(0);
    await expect(
      page.locator('form[data-form="credential"] input[name=roleArn]').count(),
    ).resolves.toBe(1);
    await page.fill('input[name=name]', 'plain-keys');
    await page.selectOption('select[name=source]', 'keys');
    await page.fill('input[name=accessKeyId]', keys.accessKeyId);
    await page.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await page.fill('input[name=defaultRegion]', REGION);
    await Promise.all([
      page.waitForURL(`${origin}/aws/credentials/${h.namespace}/plain-keys`),
      page.click('form[data-form="credential"] button[type=submit]'),
    ]);
    await reloadUntil('[data-ready]', /^Ready$/);
    await expect(page.locator('[data-account]').textContent()).resolves.toBe(HUB_ACCOUNT);

    const credential = await h.objects.get('cloudcredentials', 'plain-keys');
    const secret = await h.core.readNamespacedSecret({
      name: 'plain-keys-aws-keys',
      namespace: h.namespace,
    });
    expect(secret.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CloudCredential', uid: credential.metadata.uid }),
    ]);
    expect(await page.content()).not.toContain(keys.secretAccessKey);
  });

  it('refuses a bad parameter by field, then launches, approves and finishes the execution', async () => {
    await page.goto(`${origin}/aws/executions/new`);
    await page.check('input[name=scriptSource][value=library]');
    await page.selectOption('select[name=scriptName]', 'greet');
    await page.click('button[name=intent][value=refresh]');
    // the chosen script's parameters, the default already in its input
    await expect(page.locator('#param-GREETING').inputValue()).resolves.toBe('hello');
    await page.fill('#param-WHO', 'Not Valid');
    await page.check('input[name=targetMode][value=tags]');
    await page.check('input[name=credential][value=plain-keys]');
    await page.fill('#regions', REGION);
    await page.fill('#tags', 'Role=nojs');
    await page.click('button[name=suspend][value=true]');
    await expect(
      page.locator('[data-error-for="parameters.WHO"]').textContent(),
    ).resolves.toContain('WHO');
    expect(await h.objects.list('scriptexecutions')).toHaveLength(0);
    // what was typed is still there
    await expect(page.locator('#tags').inputValue()).resolves.toBe('Role=nojs');

    await page.fill('#param-WHO', 'world');
    await page.fill('#name', 'plain-run');
    await Promise.all([
      page.waitForURL(`${origin}/aws/executions/${h.namespace}/plain-run`),
      page.click('button[name=suspend][value=true]'),
    ]);
    const suspended = await h.objects.get('scriptexecutions', 'plain-run');
    expect(suspended.spec?.suspend).toBe(true);
    expect(suspended.spec?.parameters).toEqual({ WHO: 'world', GREETING: 'hello' });
    await reloadUntil('[data-action=approve]', /Approve/);
    // the form posts back to the page it is on, so its URL says nothing: wait for the answer to
    // the post and the page it leads to, or a reload would cancel the approval in flight
    await Promise.all([
      page.waitForResponse(
        (r) => r.request().method() === 'POST' && r.url().includes('/plain-run'),
      ),
      page.click('[data-action=approve]'),
    ]);
    await page.waitForLoadState('load');
    await expect
      .poll(async () => (await h.objects.get('scriptexecutions', 'plain-run')).spec?.suspend)
      .toBe(false);
    await reloadUntil('[data-phase]', /Succeeded/);

    const done = await h.objects.get('scriptexecutions', 'plain-run');
    expect(done.spec?.suspend).toBe(false);
    expect(done.status?.counts).toMatchObject({ total: 3, succeeded: 3 });
    const sent = (await h.emulator.sentCommands({ account: HUB_ACCOUNT }))
      .filter((c) => c.comment.includes(String(done.metadata.uid)))
      .flatMap((c) => c.instanceIds);
    expect(sent.sort()).toEqual([...instanceIds].sort());
  });
});
