// The console's form posts (Remix actions) against the real control plane: admitted only with a
// session, from the console's own origin and with the session's CSRF token; a credential from
// access keys is created on the server, credential first and the Secret owned by it, and a browser
// that goes away midway leaves neither behind. The pause between the two writes is made by a real
// admission webhook that holds the write until the test has dropped the connection. Approval is of
// the spec the page showed: the operator's status writes since do not stop it, a spec change does.
import http from 'node:http';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, KINDS, VERSION } from '@pcm-ops/crds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, send, startConsole, userToken, type ConsoleSession } from '../support/console.js';
import { ensureConsoleBuild } from '../infra/console-build.js';
import { holdWebhook, type HoldWebhook } from '../support/hold-webhook.js';
import { adminKubeConfig, testNamespace } from '../support/kube.js';
import { Objects } from '../support/objects.js';

const NEW_CREDENTIAL = '/aws/credentials/new';
const KEY_ID = 'AKIAHOLDTESTKEY00001';
const SECRET_KEY = 'hold-test-secret-access-key-0123456789';

let port: number;
let logLines: string[];
let namespace: string;
let editor: ConsoleSession;
let objects: Objects;
let core: CoreV1Api;
let webhook: HoldWebhook;

function credentialForm(name: string, csrf: string): string {
  return new URLSearchParams({
    _csrf: csrf,
    name,
    namespace,
    source: 'keys',
    accessKeyId: KEY_ID,
    secretAccessKey: SECRET_KEY,
    partition: 'aws',
    defaultRegion: 'us-east-1',
  }).toString();
}

function postForm(path: string, body: string, headers: Record<string, string> = {}) {
  return send(port, {
    method: 'POST',
    path,
    headers: {
      cookie: editor.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body,
  });
}

/** Sends the form and returns a way to drop the connection, as a closed tab does. */
function postThenDrop(path: string, body: string): { drop(): void; answered: Promise<boolean> } {
  let answered = false;
  const outgoing = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path,
    headers: {
      cookie: editor.cookie,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    },
  });
  const done = new Promise<boolean>((resolve) => {
    outgoing.on('response', () => {
      answered = true;
      resolve(true);
    });
    outgoing.on('error', () => resolve(answered));
    outgoing.on('close', () => resolve(answered));
  });
  outgoing.end(body);
  return { drop: () => outgoing.destroy(), answered: done };
}

/** Form posts the console server logged as abandoned by the browser. */
function abandonedPosts(): number {
  return logLines.filter((line) => {
    const entry = JSON.parse(line) as Record<string, unknown>;
    return entry.method === 'POST' && entry.path === NEW_CREDENTIAL && entry.aborted === true;
  }).length;
}

/**
 * Drops the connection and resolves once the console server has seen it go: from then on the
 * server knows the browser left, which is what "midway" means for the writes still to come.
 */
async function dropAndWait(post: { drop(): void; answered: Promise<boolean> }): Promise<void> {
  const before = abandonedPosts();
  post.drop();
  expect(await post.answered).toBe(false);
  await expect.poll(abandonedPosts, { timeout: 10_000, interval: 20 }).toBe(before + 1);
}

async function credentialNames(): Promise<string[]> {
  return (await objects.list('cloudcredentials')).map((object) => object.metadata.name ?? '');
}

async function secretNames(): Promise<string[]> {
  const list = await core.listNamespacedSecret({ namespace });
  return list.items.map((secret) => secret.metadata?.name ?? '');
}

/** Both lists, once the garbage collector and the console's own clean-up have had their turn. */
async function settledNames(): Promise<{ credentials: string[]; secrets: string[] }> {
  return { credentials: await credentialNames(), secrets: await secretNames() };
}

beforeAll(async () => {
  await ensureConsoleBuild();
  namespace = await testNamespace('actions');
  ({ port, logLines } = await startConsole());
  objects = new Objects(namespace, adminKubeConfig());
  core = adminKubeConfig().makeApiClient(CoreV1Api);
  const plurals = KINDS.map((kind) => kind.plural);
  const token = await userToken(namespace, 'actions-editor', [
    {
      apiGroups: [GROUP],
      resources: plurals,
      verbs: ['get', 'list', 'watch', 'create', 'delete', 'patch'],
    },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ]);
  editor = await login(port, token);
  webhook = await holdWebhook(namespace, [
    { group: '', plural: 'secrets' },
    { group: GROUP, plural: 'cloudcredentials' },
  ]);
  // The API server picks the configuration up within a moment: wait until it calls the webhook.
  for (let tries = 0; webhook.calls() === 0; tries += 1) {
    if (tries > 120) throw new Error('the API server never called the hold webhook');
    await core
      .createNamespacedSecret({
        namespace,
        dryRun: 'All',
        body: { metadata: { name: 'probe' }, stringData: { a: 'b' } },
      })
      .catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

afterAll(async () => {
  await webhook?.close();
});

describe('form posts are admitted only from the console itself', () => {
  it('refuses a post without the session’s CSRF token, and creates nothing', async () => {
    const body = credentialForm('no-csrf', 'not-the-token');
    const response = await postForm(NEW_CREDENTIAL, body);
    expect(response.status).toBe(403);
    expect(response.text).toContain('CSRF');
    const missing = await postForm(NEW_CREDENTIAL, body.replace(/^_csrf=[^&]*&/, ''));
    expect(missing.status).toBe(403);
    expect(await credentialNames()).not.toContain('no-csrf');
  });

  it('refuses a post from another origin even with the token', async () => {
    const response = await postForm(NEW_CREDENTIAL, credentialForm('cross', editor.csrfToken), {
      origin: 'https://attacker.example',
    });
    expect(response.status).toBe(403);
    // what a sandboxed frame or a no-referrer page sends: not this console either
    const opaque = await postForm(NEW_CREDENTIAL, credentialForm('cross', editor.csrfToken), {
      origin: 'null',
    });
    expect(opaque.status).toBe(403);
    expect(await credentialNames()).not.toContain('cross');
  });

  it('refuses a post without a session, and one that is not a form', async () => {
    const anonymous = await send(port, {
      method: 'POST',
      path: NEW_CREDENTIAL,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: credentialForm('anonymous', editor.csrfToken),
    });
    expect(anonymous.status).toBe(401);
    const json = await postForm(NEW_CREDENTIAL, '{}', { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
    const put = await send(port, {
      method: 'PUT',
      path: NEW_CREDENTIAL,
      headers: { cookie: editor.cookie },
    });
    expect(put.status).toBe(405);
  });
});

describe('a credential from access keys, created on the console server', () => {
  it('creates the credential, then the Secret owned by it, and sends the browser to it', async () => {
    webhook.releaseAll();
    const response = await postForm(NEW_CREDENTIAL, credentialForm('whole', editor.csrfToken));
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`/aws/credentials/${namespace}/whole`);
    const credential = await objects.get('cloudcredentials', 'whole');
    const secret = await core.readNamespacedSecret({ name: 'whole-aws-keys', namespace });
    expect(secret.metadata?.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CloudCredential', uid: credential.metadata.uid }),
    ]);
    expect(response.text).not.toContain(SECRET_KEY);
  });

  it('answers a refused form with the errors by field and the values, never the keys', async () => {
    const body = credentialForm('Bad_Name', editor.csrfToken);
    const response = await postForm(`${NEW_CREDENTIAL}?_data=routes%2Faws.credentials.new`, body);
    expect(response.status).toBe(422);
    const answer = response.json() as {
      errors: Record<string, string>;
      values: Record<string, string>;
    };
    expect(answer.errors.name).toMatch(/name/i);
    expect(answer.values.name).toBe('Bad_Name');
    expect(answer.values.secretAccessKey).toBe('');
    expect(response.text).not.toContain(SECRET_KEY);
    expect(response.text).not.toContain(KEY_ID);
    expect(await credentialNames()).not.toContain('Bad_Name');
  });

  it('leaves neither object when the browser goes away while the Secret is being written', async () => {
    webhook.hold('secrets');
    const post = postThenDrop(NEW_CREDENTIAL, credentialForm('dropped-secret', editor.csrfToken));
    const held = await webhook.next('secrets');
    // Midway: the credential exists, its Secret is in admission.
    expect(held.name).toBe('dropped-secret-aws-keys');
    expect(await credentialNames()).toContain('dropped-secret');
    await dropAndWait(post);
    webhook.releaseAll();
    await expect.poll(settledNames, { timeout: 60_000, interval: 250 }).toEqual({
      credentials: expect.not.arrayContaining(['dropped-secret']),
      secrets: expect.not.arrayContaining(['dropped-secret-aws-keys']),
    });
  });

  it('leaves neither object when the browser goes away while the credential is being written', async () => {
    webhook.hold('cloudcredentials');
    const post = postThenDrop(NEW_CREDENTIAL, credentialForm('dropped-early', editor.csrfToken));
    const held = await webhook.next('cloudcredentials');
    expect(held.name).toBe('dropped-early');
    await dropAndWait(post);
    webhook.releaseAll();
    // The credential is admitted after the browser left; the console removes it again.
    await expect.poll(settledNames, { timeout: 60_000, interval: 250 }).toEqual({
      credentials: expect.not.arrayContaining(['dropped-early']),
      secrets: expect.not.arrayContaining(['dropped-early-aws-keys']),
    });
  });
});

describe('approving a suspended execution', () => {
  const suspended = (name: string) =>
    objects.create({
      kind: 'ScriptExecution',
      metadata: { name },
      spec: {
        script: { interpreter: 'sh', body: 'uptime' },
        targets: [{ credentialRef: { name: 'prod' }, instanceIds: ['i-0123456789abcdef0'] }],
        suspend: true,
      },
    });
  /** What the operator does while a run waits: writes its status, which moves resourceVersion. */
  const writeStatus = (name: string, phase: string) =>
    adminKubeConfig()
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        namespace,
        plural: 'scriptexecutions',
        name,
        body: [{ op: 'add', path: '/status', value: { phase } }],
      });
  const approve = (name: string, seen: { resourceVersion?: string; generation?: number }) =>
    postForm(
      `/aws/executions/${namespace}/${name}`,
      new URLSearchParams({
        _csrf: editor.csrfToken,
        intent: 'approve',
        resourceVersion: seen.resourceVersion ?? '',
        generation: String(seen.generation ?? ''),
      }).toString(),
    );

  it('approves the spec the page showed, though the operator wrote status since', async () => {
    const shown = (await suspended('approve-status')).metadata;
    await writeStatus('approve-status', 'Pending');
    const after = await objects.get('scriptexecutions', 'approve-status');
    expect(after.metadata.resourceVersion).not.toBe(shown.resourceVersion);
    const response = await approve('approve-status', shown);
    expect(response.status).toBe(302);
    const approved = await objects.get('scriptexecutions', 'approve-status');
    expect(approved.spec?.suspend).toBe(false);
    expect(approved.status?.phase).toBe('Pending');
  });

  it('refuses to approve a spec changed since the page showed it, and leaves it suspended', async () => {
    const shown = (await suspended('approve-edited')).metadata;
    await objects.patch('scriptexecutions', 'approve-edited', {
      spec: { script: { interpreter: 'sh', body: 'rm -rf /srv/cache' } },
    });
    const response = await approve('approve-edited', shown);
    expect(response.status).toBe(409);
    expect(response.text).toContain('It changed since this page was loaded');
    const still = await objects.get('scriptexecutions', 'approve-edited');
    expect(still.spec?.suspend).toBe(true);
  });
});
