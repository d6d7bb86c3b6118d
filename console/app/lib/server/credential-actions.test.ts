import { describe, expect, it } from 'vitest';
import type { Kube, KubeReply } from './actions.server.js';
import { replyMessage } from './actions.server.js';
import { createCredential } from './credential-actions.server.js';
import { EMPTY_CREDENTIAL_FORM, planCredential } from '../aws/credential-form.js';
import type { CredentialPlan } from '../forms/credential-plan.js';

const plan = planCredential({
  ...EMPTY_CREDENTIAL_FORM,
  name: 'prod',
  namespace: 'ops',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
}).plan as CredentialPlan;

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/**
 * An API server that answers each request with `answer(call)` (201 by default, the credential
 * with a uid) and records what it was sent.
 */
function fakeKube(answer: (call: Call) => KubeReply | undefined = () => undefined): {
  kube: Kube;
  calls: Call[];
} {
  const calls: Call[] = [];
  const kube: Kube = (method, path, body) => {
    const call = { method, path, body };
    calls.push(call);
    const given = answer(call);
    if (given) return Promise.resolve(given);
    const created = path.includes('cloudcredentials')
      ? { ...(body as object), metadata: { name: 'prod', namespace: 'ops', uid: 'uid-1' } }
      : body;
    return Promise.resolve({ ok: true, status: method === 'DELETE' ? 200 : 201, body: created });
  };
  return { kube, calls };
}

const writes = (calls: Call[]): string[] =>
  calls.filter((c) => !c.path.includes('dryRun')).map((c) => `${c.method} ${c.path}`);

const CREDENTIALS = '/apis/pcm-ops.io/v1alpha1/namespaces/ops/cloudcredentials';
const SECRETS = '/api/v1/namespaces/ops/secrets';

describe('creating a credential from keys on the server', () => {
  it('dry-runs both, creates the credential, then the Secret owned by it', async () => {
    const { kube, calls } = fakeKube();
    const outcome = await createCredential(plan, kube, new AbortController().signal);
    expect(outcome).toEqual({});
    expect(calls.slice(0, 2).map((c) => c.path)).toEqual([
      `${CREDENTIALS}?dryRun=All`,
      `${SECRETS}?dryRun=All`,
    ]);
    expect(writes(calls)).toEqual([`POST ${CREDENTIALS}`, `POST ${SECRETS}`]);
    const secret = calls.at(-1)!.body as { metadata: { ownerReferences: unknown[] } };
    expect(secret.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'CloudCredential', name: 'prod', uid: 'uid-1' }),
    ]);
  });

  it('writes nothing when a dry run is refused, and names the field', async () => {
    const { kube, calls } = fakeKube((call) =>
      call.path === `${SECRETS}?dryRun=All`
        ? { ok: false, status: 403, body: { kind: 'Status', message: 'secrets is forbidden' } }
        : undefined,
    );
    const outcome = await createCredential(plan, kube, new AbortController().signal);
    expect(outcome.status).toBe(403);
    expect(outcome.errors?.accessKeyId).toContain('The Secret for the keys was refused');
    expect(writes(calls)).toEqual([]);
  });

  it('removes the credential, by its uid, when the Secret is refused', async () => {
    const { kube, calls } = fakeKube((call) =>
      call.method === 'POST' && call.path === SECRETS
        ? { ok: false, status: 422, body: { kind: 'Status', message: 'quota exceeded' } }
        : undefined,
    );
    const outcome = await createCredential(plan, kube, new AbortController().signal);
    expect(outcome.errors?.accessKeyId).toContain('quota exceeded');
    expect(writes(calls)).toEqual([
      `POST ${CREDENTIALS}`,
      `POST ${SECRETS}`,
      `DELETE ${CREDENTIALS}/prod`,
    ]);
    expect(calls.at(-1)!.body).toMatchObject({ preconditions: { uid: 'uid-1' } });
  });

  it('creates no Secret and removes the credential when the browser left while it was written', async () => {
    const abort = new AbortController();
    const { kube, calls } = fakeKube((call) => {
      if (call.method === 'POST' && call.path === CREDENTIALS) abort.abort();
      return undefined;
    });
    const outcome = await createCredential(plan, kube, abort.signal);
    expect(outcome.errors?.form).toContain('nothing was created');
    expect(writes(calls)).toEqual([`POST ${CREDENTIALS}`, `DELETE ${CREDENTIALS}/prod`]);
  });

  it('removes both when the browser left while the Secret was written', async () => {
    const abort = new AbortController();
    const { kube, calls } = fakeKube((call) => {
      if (call.method === 'POST' && call.path === SECRETS) abort.abort();
      return undefined;
    });
    const outcome = await createCredential(plan, kube, abort.signal);
    expect(outcome.errors?.form).toContain('nothing was created');
    // the Secret goes with the credential: it is owned by it
    expect(writes(calls)).toEqual([
      `POST ${CREDENTIALS}`,
      `POST ${SECRETS}`,
      `DELETE ${CREDENTIALS}/prod`,
    ]);
  });

  it('creates nothing at all when the browser left during the dry runs', async () => {
    const abort = new AbortController();
    const { kube, calls } = fakeKube((call) => {
      if (call.path.includes('dryRun')) abort.abort();
      return undefined;
    });
    await createCredential(plan, kube, abort.signal);
    expect(writes(calls)).toEqual([]);
  });
});

describe('replyMessage', () => {
  it('says plainly that the page is stale on a conflict, and who may not on a 403', () => {
    const conflict = {
      ok: false,
      status: 409,
      body: { reason: 'Conflict', message: 'the object has been modified' },
    };
    expect(replyMessage(conflict)).toMatch(/^It changed since this page was loaded: reload/);
    const exists = {
      ok: false,
      status: 409,
      body: { reason: 'AlreadyExists', message: 'x exists' },
    };
    expect(replyMessage(exists)).toBe('x exists');
    expect(replyMessage({ ok: false, status: 403, body: { message: 'forbidden' } })).toBe(
      'Not allowed: forbidden',
    );
    expect(replyMessage({ ok: false, status: 502, body: 'not json' })).toBe(
      'the API server answered 502',
    );
  });
});
