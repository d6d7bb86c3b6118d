// The console's forms in a real browser against the real control plane, operator and AWS emulator:
// a credential from access keys turns Ready, a script with a parameter joins the library, bad input
// is refused by field with nothing created, a read-only user sees why they cannot act, and the
// secret access key never reaches the browser, nor the console's logs.
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { GROUP, KINDS } from '@pcm-ops/crds';
import type { Browser, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_CREDENTIALS, DEFAULT_REGION } from '../support/aws.js';
import { ensureConsoleBuild, launchBrowser, loggedInPage } from '../support/browser.js';
import {
  logProblems,
  requestLogLines,
  startConsole,
  userToken,
  type RunningConsole,
} from '../support/console.js';
import { HUB_ACCOUNT, useOperator } from '../support/harness.js';

const IAM_USER = 'console-forms';
const ROLE_ACCOUNT = '444455556666';
const plurals = KINDS.map((kind) => kind.plural);
const harness = useOperator('console-forms');

let browser: Browser;
let running: RunningConsole;
let origin: string;
let editor: Page;
let viewer: Page;
let keys: { accessKeyId: string; secretAccessKey: string };
const tokens: Record<string, string> = {};
const cspViolations: string[] = [];
/** Every body the browsers received, and every page's HTML as shown. */
const seen: string[] = [];

function record(page: Page): void {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) {
      const at = message.location();
      cspViolations.push(`${page.url()} (${at.url}:${at.lineNumber}): ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    void response
      .text()
      .then((text) => seen.push(text))
      .catch(() => undefined);
  });
}

async function snapshot(page: Page): Promise<void> {
  seen.push(await page.content());
}

async function emulatorAccessKeys(): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const iam = new IAMClient({
    endpoint: harness.endpoint,
    region: DEFAULT_REGION,
    credentials: TEST_CREDENTIALS,
  });
  await iam.send(new CreateUserCommand({ UserName: IAM_USER }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: IAM_USER }));
  return { accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! };
}

async function secretNames(): Promise<string[]> {
  const list = await harness.core.listNamespacedSecret({ namespace: harness.namespace });
  return list.items.map((secret) => secret.metadata?.name ?? '');
}

async function names(plural: string): Promise<string[]> {
  return (await harness.objects.list(plural)).map((object) => object.metadata.name ?? '');
}

async function openForm(page: Page, path: string): Promise<void> {
  await page.goto(`${origin}${path}`);
  await page.waitForSelector('[data-hydrated]');
}

const errorFor = (page: Page, field: string): Promise<string | null> =>
  page.locator(`[data-error-for="${field}"]`).textContent({ timeout: 10_000 });

beforeAll(async () => {
  await ensureConsoleBuild();
  const [console_, launched] = await Promise.all([startConsole(), launchBrowser()]);
  running = console_;
  origin = `http://127.0.0.1:${console_.port}`;
  browser = launched;
  keys = await emulatorAccessKeys();
  const read = { apiGroups: [GROUP], resources: plurals, verbs: ['get', 'list', 'watch'] };
  tokens.editor = await userToken(harness.namespace, 'forms-editor', [
    { ...read, verbs: [...read.verbs, 'create', 'update', 'patch', 'delete'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  tokens.viewer = await userToken(harness.namespace, 'forms-viewer', [read]);
  editor = await loggedInPage(browser, origin, tokens.editor);
  viewer = await loggedInPage(browser, origin, tokens.viewer);
  record(editor);
  record(viewer);
});

describe('credential and script forms in a browser', () => {
  it('creates a credential from access keys and shows it turn Ready', async () => {
    await openForm(editor, '/aws/credentials/new');
    await editor.fill('input[name=name]', 'forms-keys');
    await editor.fill('input[name=accessKeyId]', keys.accessKeyId);
    await editor.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await editor.click('form[data-form] button[type=submit]');
    await editor.waitForURL(`${origin}/aws/credentials/${harness.namespace}/forms-keys`);
    await expect
      .poll(() => editor.locator('[data-ready]').textContent(), { timeout: 60_000 })
      .toBe('Ready');
    await expect(editor.locator('[data-account]').textContent()).resolves.toBe(HUB_ACCOUNT);
    await expect(editor.locator('[data-arn]').textContent()).resolves.toContain(`user/${IAM_USER}`);
    await snapshot(editor);

    const credential = await harness.objects.get('cloudcredentials', 'forms-keys');
    const secret = await harness.core.readNamespacedSecret({
      name: 'forms-keys-aws-keys',
      namespace: harness.namespace,
    });
    expect(secret.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CloudCredential', uid: credential.metadata.uid }),
    ]);

    await editor.goto(`${origin}/aws/credentials`);
    const row = editor.locator('tr[data-credential="forms-keys"]');
    await expect(row.locator('[data-ready]').textContent()).resolves.toBe('Ready');
    await expect(row.textContent()).resolves.toContain('Access keys');
    await snapshot(editor);
  });

  it('creates a credential that assumes a role through another credential', async () => {
    await openForm(editor, '/aws/credentials/new');
    await editor.fill('input[name=name]', 'forms-role');
    await editor.selectOption('select[name=source]', 'role');
    await editor.fill('input[name=roleArn]', `arn:aws:iam::${ROLE_ACCOUNT}:role/pcm-ops`);
    await editor.selectOption('select[name=sourceCredential]', 'hub');
    await editor.click('form[data-form] button[type=submit]');
    await editor.waitForURL(`${origin}/aws/credentials/${harness.namespace}/forms-role`);
    await expect
      .poll(() => editor.locator('[data-ready]').textContent(), { timeout: 60_000 })
      .toBe('Ready');
    await expect(editor.locator('[data-account]').textContent()).resolves.toBe(ROLE_ACCOUNT);
    expect(await secretNames()).not.toContain('forms-role-aws-keys');
  });

  it('edits a credential and keeps its Secret when the keys are left empty', async () => {
    await openForm(editor, `/aws/credentials/${harness.namespace}/forms-keys`);
    expect(await editor.inputValue('input[name=accessKeyId]')).toBe('');
    await editor.fill('input[name=regions]', 'eu-west-1, us-east-1');
    await editor.click('form[data-form=credential] button[type=submit]');
    await expect
      .poll(async () => (await harness.objects.get('cloudcredentials', 'forms-keys')).spec)
      .toMatchObject({
        aws: {
          regions: ['eu-west-1', 'us-east-1'],
          source: { secretRef: { name: 'forms-keys-aws-keys' } },
        },
      });
    await expect.poll(() => editor.inputValue('input[name=regions]')).toBe('eu-west-1, us-east-1');
  });

  it('creates a script with a parameter in the code editor, lists it and shows its YAML', async () => {
    await openForm(editor, '/aws/scripts/new');
    await editor.fill('input[name=name]', 'forms-script');
    await editor.fill('input[name=description]', 'Shows the installed version of a package');
    const body = editor.locator('.cm-content[data-editor=body]');
    await body.waitFor();
    await body.click();
    // Clear through CodeMirror's own commands: typing over a selection lets Chromium's editing
    // try to keep the replaced text's colours as an inline style, which the CSP (rightly) blocks.
    await editor.keyboard.press('ControlOrMeta+a');
    await editor.keyboard.press('Backspace');
    await editor.keyboard.type('rpm -q "$PACKAGE" # version\n');
    // CodeMirror highlights the shell: the string and the comment are tokens of their own.
    await expect.poll(() => body.locator('span').count()).toBeGreaterThan(1);
    await editor.click('text=Add parameter');
    await editor.fill('input[name="parameters.0.name"]', 'PACKAGE');
    await editor.fill('input[name="parameters.0.default"]', 'openssl');
    await editor.click('form[data-form] button[type=submit]');
    await editor.waitForURL(`${origin}/aws/scripts/${harness.namespace}/forms-script`);

    const stored = await harness.objects.get('scripts', 'forms-script');
    expect(String(stored.spec.body)).toMatch(/^rpm -q "\$PACKAGE" # version/);
    expect(stored.spec).toMatchObject({
      interpreter: 'bash',
      parameters: [{ name: 'PACKAGE', type: 'string', default: 'openssl' }],
    });

    await editor.goto(`${origin}/aws/scripts`);
    const row = editor.locator('tr[data-script="forms-script"]');
    await expect(row.textContent()).resolves.toContain('PACKAGE: string?');
    await expect(row.textContent()).resolves.toContain('Shows the installed version');
    await row.getByRole('link', { name: 'YAML' }).click();
    const yaml = (await editor.locator('pre[data-yaml]').textContent()) ?? '';
    expect(yaml).toContain('kind: Script');
    expect(yaml).toContain('name: PACKAGE');
    expect(yaml).not.toContain('managedFields');
  });

  it('shows the YAML of a credential with its Secret reference and no values', async () => {
    await editor.goto(`${origin}/yaml/cloudcredentials/${harness.namespace}/forms-keys`);
    const yaml = (await editor.locator('pre[data-yaml]').textContent()) ?? '';
    expect(yaml).toContain('name: forms-keys-aws-keys');
    expect(yaml).toContain('kind: CloudCredential');
    expect(yaml).not.toContain('managedFields');
  });

  it('refuses a bad credential by field and creates nothing', async () => {
    await openForm(editor, '/aws/credentials/new');
    await editor.fill('input[name=name]', 'forms-bad');
    await editor.fill('input[name=accessKeyId]', keys.accessKeyId);
    await editor.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await editor.fill('input[name=defaultRegion]', 'moon-base-1');
    await editor.click('form[data-form] button[type=submit]');
    await expect(errorFor(editor, 'defaultRegion')).resolves.toContain('spec.aws.defaultRegion');
    expect(await editor.inputValue('input[name=secretAccessKey]')).toBe(keys.secretAccessKey);
    // Typed, but not mirrored into the page's HTML, where anything reading the DOM would find it.
    expect(await editor.content()).not.toContain(keys.secretAccessKey);

    // Valid to the schema but refused by the API server's dry run: the name is taken.
    await editor.fill('input[name=name]', 'forms-keys');
    await editor.fill('input[name=defaultRegion]', 'eu-west-1');
    await editor.click('form[data-form] button[type=submit]');
    await expect(editor.locator('[data-error-for=form]').textContent()).resolves.toMatch(
      /already exists/,
    );
    // The keys leave the form once they were sent, refused or not.
    expect(await editor.inputValue('input[name=secretAccessKey]')).toBe('');
    await snapshot(editor);

    expect(await names('cloudcredentials')).not.toContain('forms-bad');
    expect(await secretNames()).not.toContain('forms-bad-aws-keys');
    const credential = await harness.objects.get('cloudcredentials', 'forms-keys');
    expect(credential.spec).toMatchObject({ aws: { defaultRegion: 'us-east-1' } });
  });

  it('refuses a bad script parameter on its row and creates nothing', async () => {
    await openForm(editor, '/aws/scripts/new');
    await editor.fill('input[name=name]', 'forms-bad-script');
    await editor.click('text=Add parameter');
    await editor.fill('input[name="parameters.0.name"]', 'PATH');
    await editor.click('form[data-form] button[type=submit]');
    await expect(errorFor(editor, 'parameters.0.name')).resolves.toMatch(
      /spec\.parameters\[0\]\.name: name must not be a variable the shell or loader acts on/,
    );
    expect(await names('scripts')).not.toContain('forms-bad-script');
  });

  it('says plainly when Kubernetes refuses the request (403)', async () => {
    await openForm(editor, '/aws/scripts/new');
    await editor.fill('input[name=name]', 'forms-elsewhere');
    await editor.fill('input[name=namespace]', 'default');
    await editor.click('form[data-form] button[type=submit]');
    const problem = (await editor.locator('[data-error-for=form]').textContent()) ?? '';
    expect(problem).toMatch(/^Not allowed: .*forbidden/);
    expect(problem).toContain('cannot create resource "scripts"');
    expect(editor.url()).toBe(`${origin}/aws/scripts/new`);
  });

  it('shows a read-only user why Create, Save and Delete are disabled', async () => {
    for (const [list, detail, plural, label] of [
      ['/aws/credentials', '/aws/credentials', 'cloudcredentials', 'New credential'],
      ['/aws/scripts', '/aws/scripts', 'scripts', 'New script'],
    ] as const) {
      await viewer.goto(`${origin}${list}`);
      expect(await viewer.getByRole('button', { name: label }).isDisabled()).toBe(true);
      await expect(viewer.locator('.title .reason').textContent()).resolves.toContain(
        `RBAC does not let you create ${plural}`,
      );
      const name = plural === 'scripts' ? 'forms-script' : 'forms-keys';
      await openForm(viewer, `${detail}/${harness.namespace}/${name}`);
      expect(await viewer.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
      expect(await viewer.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);
      const reasons = await viewer.locator('.reason').allTextContents();
      expect(reasons.join(' ')).toContain(`RBAC does not let you delete ${plural}`);
      expect(reasons.join(' ')).toContain(`RBAC does not let you update ${plural}`);
      await snapshot(viewer);
    }
  });

  it('takes light and dark screenshots of the credentials and scripts pages', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      await editor.emulateMedia({ colorScheme });
      await editor.goto(`${origin}/aws/credentials`);
      await editor.screenshot({ path: `docs/screenshots/credentials-${colorScheme}.png` });
      await openForm(editor, `/aws/scripts/${harness.namespace}/forms-script`);
      await editor.locator('.cm-editor').waitFor();
      await editor.screenshot({
        path: `docs/screenshots/scripts-${colorScheme}.png`,
        fullPage: true,
      });
    }
    await editor.emulateMedia({ colorScheme: 'light' });
  });

  it('deletes a credential after confirmation, and its Secret with it', async () => {
    await openForm(editor, `/aws/credentials/${harness.namespace}/forms-keys`);
    await editor.getByRole('button', { name: 'Delete' }).click();
    await editor.getByRole('button', { name: 'Yes, delete' }).click();
    await editor.waitForURL(`${origin}/aws/credentials`);
    expect(await names('cloudcredentials')).not.toContain('forms-keys');
    await expect
      .poll(() => secretNames(), { timeout: 60_000 })
      .not.toContain('forms-keys-aws-keys');
  });

  it('never let the secret access key reach the browser', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const encoded = Buffer.from(keys.secretAccessKey).toString('base64');
    expect(seen.length).toBeGreaterThan(10);
    for (const text of seen) {
      expect(text).not.toContain(keys.secretAccessKey);
      expect(text).not.toContain(encoded);
    }
  });

  it('logged every request as JSON with its id, and no token, cookie, CSRF token or key', async () => {
    const secrets: Record<string, string> = {
      'editor login token': tokens.editor ?? '',
      'viewer login token': tokens.viewer ?? '',
      'secret access key': keys.secretAccessKey,
      'secret access key in base64': Buffer.from(keys.secretAccessKey).toString('base64'),
      'session secret': running.sessionSecret,
    };
    for (const [who, page] of [
      ['editor', editor],
      ['viewer', viewer],
    ] as const) {
      const cookies = await page.context().cookies(origin);
      secrets[`${who} session cookie`] =
        cookies.find((cookie) => cookie.name === 'pcm_ops_session')?.value ?? '';
      const me = (await (await page.request.get(`${origin}/auth/me`)).json()) as {
        csrfToken?: string;
      };
      secrets[`${who} CSRF token`] = me.csrfToken ?? '';
    }
    // The scan can fail: every secret is known, there are lines to read, and a planted one is found.
    for (const [label, secret] of Object.entries(secrets)) {
      expect(secret.length, label).toBeGreaterThan(15);
    }
    const lines = running.logLines;
    expect(requestLogLines(lines).length).toBeGreaterThan(50);
    const planted = JSON.stringify({
      msg: 'request',
      requestId: 'x',
      path: `/${keys.secretAccessKey}`,
    });
    expect(logProblems([planted], secrets)).toEqual(['line 0 holds the secret access key']);
    expect(logProblems([...lines, '{"msg":"request"}'], {})).toEqual([
      `request line ${lines.length} has no request id`,
    ]);

    expect(logProblems(lines, secrets)).toEqual([]);
  });

  it('ran every page without a Content Security Policy violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
