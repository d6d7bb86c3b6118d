// Faults stay where they happen: an account whose calls fail marks only its own batches and rows
// (with the reason and a Warning Event) while the rest of the run goes on and ends; a run keeps
// tracking and cancelling whatever happens to its Script or its credential; suspend pauses.
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { CoreV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ec2Client, seedFleet } from '../support/aws.js';
import { assumedCredential, keysSecret, secretCredential } from '../support/credentials.js';
import { execution, useOperator } from '../support/harness.js';
import { adminKubeConfig } from '../support/kube.js';
import { condition, type PcmObject } from '../support/objects.js';

const SE = 'scriptexecutions';
const REGION = 'eu-west-1';
const A = '910000000001';
const B = '910000000002';
const C = '910000000003';
const h = useOperator('faults', {
  PCM_OPS_SEND_SETTLE_SECONDS: '1',
  PCM_OPS_UNREACHABLE_GRACE_SECONDS: '3',
  PCM_OPS_CANCEL_GRACE_SECONDS: '5',
});

interface Row {
  accountId: string;
  state?: string;
  total: number;
  succeeded?: number;
  failed?: number;
  reason?: string;
  message?: string;
  commandIds?: string[];
}

const rows = (se: PcmObject): Row[] => (se.status?.accounts as Row[] | undefined) ?? [];
const rowOf = (se: PcmObject, account: string): Row =>
  rows(se).find((r) => r.accountId === account)!;

function finished(name: string, timeoutMs = 90_000): Promise<PcmObject> {
  return h.objects.waitFor(SE, name, (o) => Boolean(o.status?.completionTime), timeoutMs);
}

async function eventsOf(name: string): Promise<CoreV1Event[]> {
  const list = await adminKubeConfig()
    .makeApiClient(CoreV1Api)
    .listNamespacedEvent({ namespace: h.namespace });
  return list.items.filter((e) => e.involvedObject.name === name);
}

async function sendsIn(account: string, uid: string): Promise<string[]> {
  const sent = await h.emulator.sentCommands({ account });
  return sent.filter((c) => c.comment.includes(uid)).map((c) => c.comment);
}

/** Access key ids are upper-case letters and digits. */
const alnum = (text: string): string => text.replace(/[^a-z0-9]/gi, '').toUpperCase();

/** A credential for `account` through a hub of its own, whose keys a test can break. */
async function ownHub(account: string, hub: string): Promise<void> {
  await h.core.createNamespacedSecret({
    namespace: h.namespace,
    body: keysSecret(`${hub}-keys`, `AKIA${alnum(hub).padEnd(16, '0')}`, 's'),
  });
  await h.objects.create(secretCredential(hub, `${hub}-keys`));
  await h.objects.create(assumedCredential(`acct-${account}`, account, REGION, hub));
  await h.objects.waitForCondition('cloudcredentials', `acct-${account}`, {
    type: 'Ready',
    status: 'True',
  });
}

/** Rotates the hub's Secret to keys AWS refuses (InvalidClientTokenId). */
async function breakHub(hub: string): Promise<void> {
  const broken = `AKIABROKEN${alnum(hub)}`.padEnd(20, '0');
  await h.emulator.fault({
    service: 'sts',
    code: 'InvalidClientTokenId',
    httpStatus: 403,
    accessKeyId: broken,
  });
  await h.core.replaceNamespacedSecret({
    name: `${hub}-keys`,
    namespace: h.namespace,
    body: keysSecret(`${hub}-keys`, broken, 's'),
  });
}

beforeAll(async () => {
  await seedFleet(h.endpoint, { accounts: [B], regions: [REGION], perRegion: 60, windowsShare: 0 });
  await ownHub(B, 'hub-b');
  await h.fleet({ accounts: [A, C], regions: [REGION], perRegion: 60, windowsShare: 0 });
});

describe('an account whose credential breaks mid-run', () => {
  it('fails only its own targets, names the reason on its row, and the rest succeeds', async () => {
    await h.emulator.setLifecycle({ pendingSeconds: 0.2, runningSeconds: 1.5 });
    // one account at a time: A's batches run while B's credential breaks, before B's are sent
    const created = await h.objects.create(
      execution('broken-account', [A, B, C], [REGION], { rateControl: { maxConcurrency: 60 } }),
    );
    const uid = String(created.metadata.uid);
    await h.objects.waitFor(
      SE,
      'broken-account',
      (o) => (rowOf(o, A)?.commandIds?.length ?? 0) > 0,
    );
    await breakHub('hub-b');
    const done = await finished('broken-account');

    expect(done.status?.phase).toBe('PartiallySucceeded');
    expect(done.status?.counts).toMatchObject({ total: 180, succeeded: 120, failed: 60 });
    expect(rowOf(done, A)).toMatchObject({ succeeded: 60 });
    expect(rowOf(done, A).reason).toBeUndefined();
    expect(rowOf(done, C)).toMatchObject({ succeeded: 60 });
    const b = rowOf(done, B);
    expect(b).toMatchObject({ failed: 60, reason: 'InvalidCredentials' });
    expect(b.message).toContain(`CloudCredential "acct-${B}"`);
    expect(b.message).toContain('InvalidClientTokenId');
    expect(await sendsIn(B, uid)).toEqual([]);
    expect((await sendsIn(A, uid)).length + (await sendsIn(C, uid)).length).toBe(4);
    const warnings = (await eventsOf('broken-account')).filter((e) => e.type === 'Warning');
    expect(warnings.map((e) => e.reason)).toContain('InvalidCredentials');
  });

  it('gives up the commands it can no longer read as Unknown after the grace period, and ends', async () => {
    await h.emulator.scriptOutcome({
      commandContains: 'long-running',
      pendingSeconds: 0,
      runningSeconds: 600,
    });
    await ownHub('910000000004', 'hub-d');
    await seedFleet(h.endpoint, {
      accounts: ['910000000004'],
      regions: [REGION],
      perRegion: 5,
      windowsShare: 0,
    });
    const created = await h.objects.create(
      execution('unreadable', ['910000000004', A], [REGION], {
        script: { body: 'echo long-running-or-not' },
      }),
    );
    await h.objects.waitFor(
      SE,
      'unreadable',
      (o) => rows(o).length === 2 && rows(o).every((r) => (r.commandIds?.length ?? 0) > 0),
    );
    await h.emulator.fault({
      service: 'ssm',
      account: '910000000004',
      code: 'AccessDeniedException',
      httpStatus: 400,
    });
    await h.objects.patch(SE, 'unreadable', { spec: { cancel: true } });
    const done = await finished('unreadable');
    const lost = rowOf(done, '910000000004');
    expect(lost).toMatchObject({ failed: 5, reason: 'AccessDenied' });
    const batches = (await h.objects.list('executionbatches')).filter(
      (b) => (b.metadata.ownerReferences as { uid: string }[])[0]?.uid === created.metadata.uid,
    );
    const unknown = batches.flatMap((b) =>
      ((b.status?.invocations as { status: string }[] | undefined) ?? []).filter(
        (i) => i.status === 'Unknown',
      ),
    );
    expect(unknown).toHaveLength(5);
    await h.emulator.clearFaults();
  });
});

describe('a credential deleted mid-run', () => {
  it('leaves the execution deletable, with an Event naming the commands it could not cancel', async () => {
    const account = '910000000005';
    await ownHub(account, 'hub-e');
    await seedFleet(h.endpoint, {
      accounts: [account],
      regions: [REGION],
      perRegion: 3,
      windowsShare: 0,
    });
    await h.emulator.scriptOutcome({
      commandContains: 'forever',
      pendingSeconds: 0,
      runningSeconds: 600,
    });
    await h.objects.create(
      execution('orphaned', [account], [REGION], { script: { body: 'echo forever' } }),
    );
    const running = await h.objects.waitFor(
      SE,
      'orphaned',
      (o) => (rowOf(o, account)?.commandIds?.length ?? 0) > 0,
    );
    const commandId = rowOf(running, account).commandIds![0]!;
    await h.objects.delete('cloudcredentials', `acct-${account}`);
    await h.objects.delete(SE, 'orphaned');
    await expect
      .poll(async () => (await h.objects.list(SE)).some((o) => o.metadata.name === 'orphaned'), {
        timeout: 30_000,
        interval: 250,
      })
      .toBe(false);
    // the Event is recorded as the finalizer goes: it may reach the list a moment after
    const cancelFailed = async () =>
      (await eventsOf('orphaned')).find((e) => e.reason === 'CancelFailed');
    await expect
      .poll(async () => (await cancelFailed())?.type, { timeout: 15_000 })
      .toBe('Warning');
    const warning = await cancelFailed();
    expect(warning?.message).toContain(commandId);
    expect(warning?.message).toContain('CredentialNotFound');
  });
});

describe('a Script changed mid-run', () => {
  beforeAll(async () => {
    await h.objects.create({
      kind: 'Script',
      metadata: { name: 'probe' },
      spec: { interpreter: 'bash', body: 'echo probe-v1' },
    });
  });

  it('changes nothing for a run already resolved: every batch runs the copy, and it Succeeds', async () => {
    await h.emulator.setLifecycle({ pendingSeconds: 0.2, runningSeconds: 1 });
    const created = await h.objects.create({
      ...execution('edited-script', [A], [REGION], { rateControl: { maxConcurrency: 20 } }),
      spec: {
        scriptRef: { name: 'probe' },
        targets: [
          { credentialRef: { name: `acct-${A}` }, regions: [REGION], tags: { Role: ['web'] } },
        ],
        rateControl: { maxConcurrency: 20 },
      },
    });
    await h.objects.waitFor(SE, 'edited-script', (o) => (rowOf(o, A)?.commandIds?.length ?? 0) > 0);
    await h.objects.patch('scripts', 'probe', {
      spec: { body: 'echo probe-v2', parameters: [{ name: 'NEW', required: true }] },
    });
    const done = await finished('edited-script');
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total: 60, succeeded: 60 });
    const texts = (await h.emulator.sentCommands({ account: A }))
      .filter((c) => c.comment.includes(String(created.metadata.uid)))
      .map((c) => c.commandText);
    expect(texts).toHaveLength(2);
    for (const text of texts) {
      expect(text).toContain('echo probe-v1');
      expect(text).not.toContain('probe-v2');
    }
    expect((done.status?.resolution as { scriptRef: object }).scriptRef).toMatchObject({
      name: 'probe',
      generation: 1,
    });
  });

  it('keeps tracking a run whose Script was deleted, and cancel still cancels it', async () => {
    await h.emulator.scriptOutcome({
      commandContains: 'probe-v2',
      pendingSeconds: 0,
      runningSeconds: 600,
    });
    await h.emulator.resetCallCounts();
    await h.objects.create({
      ...execution('deleted-script', [C], [REGION]),
      spec: {
        scriptRef: { name: 'probe' },
        parameters: { NEW: 'x' },
        targets: [
          { credentialRef: { name: `acct-${C}` }, regions: [REGION], tags: { Role: ['web'] } },
        ],
      },
    });
    await h.objects.waitFor(
      SE,
      'deleted-script',
      (o) => (rowOf(o, C)?.commandIds?.length ?? 0) === 2,
    );
    await h.objects.delete('scripts', 'probe');
    await h.objects.patch(SE, 'deleted-script', { spec: { cancel: true } });
    const done = await finished('deleted-script');
    expect(done.status?.phase).toBe('Cancelled');
    expect(done.status?.counts).toMatchObject({ total: 60, cancelled: 60 });
    expect(
      await h.emulator.callCount({ service: 'ssm', operation: 'CancelCommand', account: C }),
    ).toBe(2);
  });
});

describe('suspend after the start', () => {
  it('pauses new batches while the ones in flight finish, and resumes', async () => {
    await h.emulator.clearOutcomes();
    await h.emulator.setLifecycle({ pendingSeconds: 0.2, runningSeconds: 1.5 });
    const created = await h.objects.create(
      execution('paused', [A], [REGION], { rateControl: { maxConcurrency: 20 } }),
    );
    const uid = String(created.metadata.uid);
    await h.objects.waitFor(SE, 'paused', (o) => (rowOf(o, A)?.commandIds?.length ?? 0) > 0);
    await h.objects.patch(SE, 'paused', { spec: { suspend: true } });
    const paused = await h.objects.waitFor(SE, 'paused', (o) => o.status?.phase === 'Suspended');
    expect(paused.status?.reason).toBe('Paused');
    const sentWhenPaused = (await sendsIn(A, uid)).length;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect((await sendsIn(A, uid)).length).toBe(sentWhenPaused);
    const still = await h.objects.get(SE, 'paused');
    expect(still.status?.phase).toBe('Suspended');
    expect(condition(still, 'Suspended')?.status).toBe('True');
    await h.objects.patch(SE, 'paused', { spec: { suspend: false } });
    const done = await finished('paused');
    expect(done.status?.phase).toBe('Succeeded');
    expect(await sendsIn(A, uid)).toHaveLength(2);
  });
});

describe('a permanent SendCommand refusal', () => {
  it('ends that batch once, with the reason, and the rest of the run goes on', async () => {
    const created = await h.objects.create(
      execution('refused', [A, C], [REGION], { suspend: true }),
    );
    const uid = String(created.metadata.uid);
    await h.objects.waitFor(SE, 'refused', (o) => o.status?.phase === 'Suspended');
    // a machine of C stops while the run waits for approval
    const group = (await h.objects.list('executionbatches')).find(
      (b) => b.spec.accountId === C && String(b.spec.executionName) === 'refused',
    );
    const stopped = (group!.spec.instanceIds as string[])[0]!;
    const credentials = await import('../support/aws.js').then((m) =>
      m.assumeAccount(h.endpoint, C),
    );
    await ec2Client(h.endpoint, { region: REGION, credentials }).send(
      new StopInstancesCommand({ InstanceIds: [stopped] }),
    );
    await h.emulator.resetCallCounts();
    await h.objects.patch(SE, 'refused', { spec: { suspend: false } });
    const done = await finished('refused');
    expect(done.status?.phase).toBe('PartiallySucceeded');
    expect(rowOf(done, A)).toMatchObject({ succeeded: 60 });
    expect(rowOf(done, C)).toMatchObject({ reason: 'InvalidInstanceId' });
    // the batch holding the stopped machine was tried once and ended; no loop
    expect(await sendsIn(C, uid)).toHaveLength(1);
    expect(
      await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand', account: C }),
    ).toBe(2);
  });
});

describe('a spec edit racing the start of resolving', () => {
  it('is either refused, or applied before the run froze: what runs is always the spec the run shows', async () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const name = `race-${attempt}`;
      const created = await h.objects.create(
        execution(name, [C], [REGION], { script: { body: `echo before-${attempt}` } }),
      );
      await new Promise((resolve) => setTimeout(resolve, attempt * 15));
      const edited = await h.objects
        .patch(SE, name, { spec: { script: { body: `echo after-${attempt}` } } })
        .then(() => 'applied')
        .catch((error: Error) => error.message);
      const done = await finished(name);
      const frozen = (done.status?.resolution as { script: { body: string } }).script.body;
      expect((done.spec.script as { body: string }).body).toBe(frozen);
      if (edited !== 'applied') expect(edited).toContain('spec is immutable');
      const texts = (await h.emulator.sentCommands({ account: C }))
        .filter((c) => c.comment.includes(String(created.metadata.uid)))
        .map((c) => c.commandText);
      expect(texts.length).toBeGreaterThan(0);
      for (const text of texts) expect(text).toContain(frozen);
    }
  });
});
