// The AWS execution provider against the AWS emulator through the real SDK v3 clients: target
// resolution across accounts, fan-out of one SendCommand per 50 instances, paged observation,
// faithful statuses, cancel, finding a sent batch again, output limits and throttling.
import { StopInstancesCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AwsCallObserver } from '../../operator/src/providers/aws/clients.js';
import { AwsExecutionProvider } from '../../operator/src/providers/aws/provider.js';
import type {
  BatchKey,
  InvocationStatus,
  InvocationView,
  RenderedCommand,
  Result,
} from '../../operator/src/domain/provider.js';
import type { LocationSession } from '../../operator/src/providers/aws/location.js';
import { ec2Client, seedFleet, type FleetGroup } from '../support/aws.js';
import { useEmulator } from '../support/use-emulator.js';

const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
const REGION = 'us-east-1';
const EXECUTION_UID = '6c1f4f5e-8d0a-4a49-9a57-3f3b1d2c7e10';

const emulator = useEmulator();
let provider: AwsExecutionProvider;
let observed: Parameters<AwsCallObserver>[0][];

beforeEach(async () => {
  await emulator.control().reset();
  observed = [];
  provider = new AwsExecutionProvider({
    endpoint: emulator.endpoint(),
    observe: (call) => observed.push(call),
  });
});

afterEach(() => {
  provider.close();
});

function sessionOf(group: FleetGroup): LocationSession {
  return {
    accountId: group.accountId,
    region: group.region,
    credential: `aws-${group.accountId}`,
    credentials: group.credentials,
  };
}

function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`${result.failure.reason}: ${result.failure.message}`);
  return result.value;
}

async function seedGroup(
  perRegion: number,
  options: { account?: string; windowsShare?: number; tags?: Record<string, string> } = {},
): Promise<FleetGroup> {
  const account = options.account ?? ACCOUNT_A;
  const fleet = await seedFleet(emulator.endpoint(), {
    accounts: [account],
    regions: [REGION],
    perRegion,
    windowsShare: options.windowsShare ?? 0,
    tags: options.tags,
  });
  return fleet.group(account, REGION);
}

function shell(commandText: string, extra: Partial<RenderedCommand> = {}): RenderedCommand {
  return { interpreter: 'sh', commandText, ...extra };
}

function batch(batchIndex: number): BatchKey {
  return { executionUid: EXECUTION_UID, batchIndex };
}

/** Observes until every invocation is terminal; returns the last views and the rounds it took. */
async function observeToEnd(
  session: LocationSession,
  commandId: string,
  expected: number,
): Promise<{ views: InvocationView[]; rounds: number }> {
  const terminal = new Set<InvocationStatus>([
    'Success',
    'Failed',
    'DeliveryTimedOut',
    'ExecutionTimedOut',
    'Undeliverable',
    'Terminated',
    'Cancelled',
  ]);
  let rounds = 0;
  let views: InvocationView[] = [];
  await vi.waitFor(
    async () => {
      rounds++;
      views = valueOf(await provider.observe(session, commandId));
      expect(views).toHaveLength(expected);
      expect(views.every((view) => terminal.has(view.status))).toBe(true);
    },
    { timeout: 10_000, interval: 100 },
  );
  return { views, rounds };
}

function byInstance(views: InvocationView[]): Map<string, InvocationView> {
  return new Map(views.map((view) => [view.instanceId, view]));
}

describe('resolve', () => {
  it('resolves tagged instances in each account on its own, with their platforms', async () => {
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A, ACCOUNT_B],
      regions: [REGION],
      perRegion: 8,
      tags: { Role: 'web' },
    });
    await seedGroup(3, { tags: { Role: 'db' } });
    const a = fleet.group(ACCOUNT_A, REGION);
    const b = fleet.group(ACCOUNT_B, REGION);
    const selector = { tags: { Role: ['web'] }, onlineOnly: false };

    const inA = valueOf(await provider.resolve(sessionOf(a), selector));
    const inB = valueOf(await provider.resolve(sessionOf(b), selector));

    expect(inA.instances.map((i) => i.instanceId).sort()).toEqual([...a.instanceIds].sort());
    expect(inB.instances.map((i) => i.instanceId).sort()).toEqual([...b.instanceIds].sort());
    expect(inA.skipped).toEqual([]);
    const platforms = new Map(inA.instances.map((i) => [i.instanceId, i.platform]));
    expect(a.windowsInstanceIds.map((id) => platforms.get(id))).toEqual(['Windows', 'Windows']);
    expect(a.linuxInstanceIds.every((id) => platforms.get(id) === 'Linux')).toBe(true);
    expect(inA.instances.every((i) => i.state === 'running' && i.online === undefined)).toBe(true);
    expect(observed.filter((c) => c.service === 'ssm')).toEqual([]);
  });

  it('skips ids AWS does not know, foreign ones and stopped ones, without failing the call', async () => {
    const a = await seedGroup(4);
    const b = await seedGroup(1, { account: ACCOUNT_B });
    const [first, second, stopped] = a.instanceIds as [string, string, string];
    const ec2 = ec2Client(emulator.endpoint(), { credentials: a.credentials });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped] }));
    const missing = 'i-0123456789abcdef0';
    const foreign = b.instanceIds[0] ?? '';

    const resolved = valueOf(
      await provider.resolve(sessionOf(a), {
        instanceIds: [first, missing, second, foreign, stopped, first],
        onlineOnly: false,
      }),
    );

    expect(resolved.instances.map((i) => i.instanceId)).toEqual([first, second]);
    expect(resolved.skipped).toEqual([
      { instanceId: missing, reason: 'NotFound' },
      { instanceId: foreign, reason: 'NotFound' },
      { instanceId: stopped, reason: 'NotRunning' },
    ]);
    expect(await emulator.control().callCount({ operation: 'DescribeInstances' })).toBe(1);
  });

  it('keeps only instances whose agent is online when asked', async () => {
    const a = await seedGroup(6);
    const [lost, ...online] = a.instanceIds as [string, ...string[]];
    await emulator.control().setPingStatus([lost], 'ConnectionLost');

    const byTags = valueOf(
      await provider.resolve(sessionOf(a), { tags: { Role: ['web'] }, onlineOnly: true }),
    );
    const byIds = valueOf(
      await provider.resolve(sessionOf(a), { instanceIds: a.instanceIds, onlineOnly: true }),
    );

    for (const resolved of [byTags, byIds]) {
      expect(resolved.instances.map((i) => i.instanceId).sort()).toEqual([...online].sort());
      expect(resolved.instances.every((i) => i.online === true)).toBe(true);
      expect(resolved.skipped).toEqual([{ instanceId: lost, reason: 'Offline' }]);
    }
    // one page of 50 ids per resolve
    expect(await emulator.control().callCount({ operation: 'DescribeInstanceInformation' })).toBe(
      2,
    );
  });

  it.each([
    ['Windows' as const, 'windowsInstanceIds' as const, 'linuxInstanceIds' as const],
    ['Linux' as const, 'linuxInstanceIds' as const, 'windowsInstanceIds' as const],
  ])(
    'keeps %s instances and skips the others as PlatformMismatch',
    async (platform, kept, other) => {
      const a = await seedGroup(8, { windowsShare: 0.5 });

      const byTags = valueOf(
        await provider.resolve(sessionOf(a), {
          tags: { Environment: ['test'] },
          platforms: [platform],
          onlineOnly: true,
        }),
      );
      const byIds = valueOf(
        await provider.resolve(sessionOf(a), {
          instanceIds: a.instanceIds,
          platforms: [platform],
          onlineOnly: false,
        }),
      );

      for (const resolved of [byTags, byIds]) {
        expect(resolved.instances.map((i) => i.instanceId).sort()).toEqual([...a[kept]].sort());
        expect(resolved.instances.every((i) => i.platform === platform)).toBe(true);
        expect(resolved.skipped.map((s) => s.instanceId).sort()).toEqual([...a[other]].sort());
        expect(new Set(resolved.skipped.map((s) => s.reason))).toEqual(
          new Set(['PlatformMismatch']),
        );
      }
    },
  );

  it('rides out EC2 throttling with the SDK’s retries', async () => {
    const a = await seedGroup(3);
    await emulator.control().throttle({ service: 'ec2', operation: 'DescribeInstances', count: 2 });

    const resolved = valueOf(
      await provider.resolve(sessionOf(a), { tags: { Role: ['web'] }, onlineOnly: false }),
    );

    expect(resolved.instances).toHaveLength(3);
    expect(observed.filter((c) => c.outcome === 'throttled')).toHaveLength(2);
  });
});

describe('send and observe', () => {
  it('sends 50 instances in one SendCommand and observes them with one page per round', async () => {
    const a = await seedGroup(50);
    const session = sessionOf(a);
    const control = emulator.control();
    const command = shell('echo patched\nuname -r', {
      deliveryTimeoutSeconds: 600,
      executionTimeoutSeconds: 900,
      maxConcurrency: '10%',
      maxErrors: '2',
    });

    const commandId = valueOf(await provider.send(session, batch(0), a.instanceIds, command));
    const { views, rounds } = await observeToEnd(session, commandId, 50);

    expect(views.every((view) => view.status === 'Success' && view.exitCode === 0)).toBe(true);
    expect(new Set(views.map((view) => view.instanceId))).toEqual(new Set(a.instanceIds));
    expect(views[0]?.startedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(views[0]?.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(await control.callCount({ operation: 'SendCommand' })).toBe(1);
    expect(await control.callCount({ operation: 'ListCommandInvocations' })).toBe(rounds);
    const [sent] = await control.sentCommands({ account: ACCOUNT_A });
    expect(sent?.commandId).toBe(commandId);
    expect(sent?.request).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Comment: `pcm-ops ${EXECUTION_UID}/0`,
      Parameters: { commands: ['echo patched\nuname -r'], executionTimeout: ['900'] },
      TimeoutSeconds: 600,
      MaxConcurrency: '10%',
      MaxErrors: '2',
    });
  });

  it('observes 120 instances sent in three batches with one page of invocations each', async () => {
    const a = await seedGroup(120);
    const session = sessionOf(a);
    const control = emulator.control();
    // a command of more than 50 instances exists only when sent by other means (Targets); here
    // three batches are observed in one round each
    const commandIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ids = a.instanceIds.slice(i * 50, (i + 1) * 50);
      commandIds.push(valueOf(await provider.send(session, batch(i), ids, shell('true'))));
    }
    await control.resetCallCounts();
    const sizes = [];
    for (const commandId of commandIds)
      sizes.push(valueOf(await provider.observe(session, commandId)).length);
    expect(sizes).toEqual([50, 50, 20]);
    expect(await control.callCount({ operation: 'ListCommandInvocations' })).toBe(3);
    expect(await control.callCount({ operation: 'SendCommand' })).toBe(0);
  });

  it('maps a scripted failure with its exit code and output', async () => {
    const a = await seedGroup(2);
    const session = sessionOf(a);
    await emulator.control().scriptOutcome({
      commandContains: 'check-disk',
      status: 'Failed',
      responseCode: 3,
      stdout: 'disk 97%',
      stderr: 'too full',
    });

    const commandId = valueOf(
      await provider.send(session, batch(0), a.instanceIds, shell('check-disk --max 90')),
    );
    const { views } = await observeToEnd(session, commandId, 2);

    for (const view of views)
      expect(view).toMatchObject({
        status: 'Failed',
        statusDetails: 'Failed',
        exitCode: 3,
        output: 'disk 97%\n----------ERROR-------\ntoo full',
        outputTruncated: false,
      });
  });

  it('tells Delivery Timed Out, Execution Timed Out, Undeliverable and Terminated apart', async () => {
    const a = await seedGroup(5);
    const session = sessionOf(a);
    const control = emulator.control();
    const [delivery, execution, undeliverable, terminated, fine] = a.instanceIds as [
      string,
      string,
      string,
      string,
      string,
    ];
    await control.scriptOutcome({
      instanceId: delivery,
      status: 'TimedOut',
      statusDetails: 'Delivery Timed Out',
    });
    await control.scriptOutcome({
      instanceId: execution,
      status: 'TimedOut',
      statusDetails: 'Execution Timed Out',
    });
    await control.scriptOutcome({ instanceId: undeliverable, status: 'Undeliverable' });
    await control.scriptOutcome({ instanceId: terminated, status: 'Terminated' });

    const commandId = valueOf(
      await provider.send(session, batch(0), a.instanceIds, shell('uptime')),
    );
    const views = byInstance((await observeToEnd(session, commandId, 5)).views);

    expect(views.get(delivery)).toMatchObject({
      status: 'DeliveryTimedOut',
      statusDetails: 'Delivery Timed Out',
    });
    expect(views.get(execution)).toMatchObject({
      status: 'ExecutionTimedOut',
      statusDetails: 'Execution Timed Out',
    });
    expect(views.get(undeliverable)?.status).toBe('Undeliverable');
    expect(views.get(terminated)?.status).toBe('Terminated');
    expect(views.get(fine)?.status).toBe('Success');
    expect(views.get(delivery)?.exitCode).toBeUndefined();
    expect(views.get(execution)?.exitCode).toBeUndefined();
  });

  it('cancels in-flight invocations', async () => {
    const a = await seedGroup(4);
    const session = sessionOf(a);
    await emulator.control().scriptOutcome({
      commandContains: 'sleep',
      pendingSeconds: 0,
      runningSeconds: 600,
    });
    const commandId = valueOf(
      await provider.send(session, batch(0), a.instanceIds, shell('sleep 3600')),
    );
    await vi.waitFor(
      async () => {
        const views = valueOf(await provider.observe(session, commandId));
        expect(new Set(views.map((view) => view.status))).toEqual(new Set(['InProgress']));
      },
      { timeout: 5_000, interval: 50 },
    );

    valueOf(await provider.cancel(session, commandId));

    const views = valueOf(await provider.observe(session, commandId));
    expect(views.map((view) => view.status)).toEqual([
      'Cancelled',
      'Cancelled',
      'Cancelled',
      'Cancelled',
    ]);
    expect(views.every((view) => view.exitCode === undefined)).toBe(true);
  });

  it('refuses instances the account does not have, as a lasting failure naming the call', async () => {
    const a = await seedGroup(1);
    const b = await seedGroup(1, { account: ACCOUNT_B });

    const result = await provider.send(sessionOf(a), batch(0), b.instanceIds, shell('uptime'));

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ reason: 'InvalidInstanceId', transient: false });
    expect(result.failure.message).toContain('SSM SendCommand failed');
    expect(result.failure.message).toContain(ACCOUNT_A);
  });
});

describe('findSent', () => {
  it('finds a sent batch by its comment, and nothing for a batch never sent', async () => {
    const a = await seedGroup(3);
    const b = await seedGroup(1, { account: ACCOUNT_B });
    const session = sessionOf(a);
    const before = new Date();
    const other = valueOf(
      await provider.send(
        session,
        { executionUid: 'another', batchIndex: 0 },
        a.instanceIds,
        shell('id'),
      ),
    );
    const sent = valueOf(await provider.send(session, batch(0), a.instanceIds, shell('uptime')));

    expect(valueOf(await provider.findSent(session, batch(0), before))).toBe(sent);
    expect(valueOf(await provider.findSent(session, batch(1), before))).toBeUndefined();
    expect(sent).not.toBe(other);
    // another account's history is its own
    expect(valueOf(await provider.findSent(sessionOf(b), batch(0), before))).toBeUndefined();
    // commands before `sentAfter` (less a minute of clock skew) are not looked at
    const later = new Date(Date.now() + 5 * 60_000);
    expect(valueOf(await provider.findSent(session, batch(0), later))).toBeUndefined();
  });
});

describe('SendCommand is made once per attempt', () => {
  it('is never retried by the SDK: an answer lost after AWS accepted it says so, and the lookup finds it', async () => {
    const a = await seedGroup(2);
    const session = sessionOf(a);
    const control = emulator.control();
    await control.fault({
      service: 'ssm',
      operation: 'SendCommand',
      code: 'InternalFailure',
      lost: true,
      count: 1,
    });
    const before = new Date();
    const sent = await provider.send(session, batch(0), a.instanceIds, shell('uptime'));
    expect(sent.ok).toBe(false);
    expect(!sent.ok && sent.failure).toMatchObject({ transient: true, outcomeUnknown: true });
    expect(await control.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(1);
    const accepted = await control.sentCommands({ account: ACCOUNT_A });
    expect(accepted).toHaveLength(1);
    expect(valueOf(await provider.findSent(session, batch(0), before))).toBe(
      accepted[0]!.commandId,
    );
  });

  it('gives up an attempt at its deadline, saying the outcome is unknown', async () => {
    const a = await seedGroup(1);
    const impatient = new AwsExecutionProvider({
      endpoint: emulator.endpoint(),
      sendTimeoutMs: 400,
    });
    const control = emulator.control();
    await control.fault({
      service: 'ssm',
      operation: 'SendCommand',
      code: 'InternalFailure',
      lost: true,
      delaySeconds: 2,
      count: 1,
    });
    try {
      const sent = await impatient.send(sessionOf(a), batch(0), a.instanceIds, shell('uptime'));
      expect(!sent.ok && sent.failure).toMatchObject({
        reason: 'AwsUnavailable',
        outcomeUnknown: true,
      });
      expect(await control.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(1);
    } finally {
      impatient.close();
    }
  });

  it('treats a throttled send as not accepted: one attempt, transient, nothing to look up', async () => {
    const a = await seedGroup(1);
    const control = emulator.control();
    await control.throttle({ service: 'ssm', operation: 'SendCommand', count: 1 });
    const sent = await provider.send(sessionOf(a), batch(0), a.instanceIds, shell('uptime'));
    expect(!sent.ok && sent.failure).toMatchObject({ reason: 'Throttled', transient: true });
    expect(!sent.ok && sent.failure.outcomeUnknown).toBeFalsy();
    expect(await control.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(1);
    expect(await control.sentCommands({ account: ACCOUNT_A })).toEqual([]);
  });

  it('sends nothing once this process may no longer act (its lease could have passed on)', async () => {
    const a = await seedGroup(1);
    let leading = true;
    const fenced = new AwsExecutionProvider({
      endpoint: emulator.endpoint(),
      mayAct: () => leading,
    });
    try {
      valueOf(await fenced.send(sessionOf(a), batch(0), a.instanceIds, shell('uptime')));
      leading = false;
      const refused = await fenced.send(sessionOf(a), batch(1), a.instanceIds, shell('uptime'));
      expect(!refused.ok && refused.failure).toMatchObject({
        reason: 'NotLeader',
        transient: true,
      });
      expect(!refused.ok && refused.failure.outcomeUnknown).toBeFalsy();
      expect(
        (await emulator.control().sentCommands({ account: ACCOUNT_A })).map((c) => c.comment),
      ).toEqual([`pcm-ops ${EXECUTION_UID}/0`]);
    } finally {
      fenced.close();
    }
  });
});

describe('throttling', () => {
  it('completes send and observe with 30% of SSM calls throttled, or fails only transiently', async () => {
    const a = await seedGroup(50);
    const session = sessionOf(a);
    const control = emulator.control();
    await control.throttle({ service: 'ssm', rate: 0.3, seed: 7 });
    const transientOnly = <T>(result: Result<T>): result is { ok: true; value: T } => {
      if (!result.ok)
        expect(result.failure).toMatchObject({ reason: 'Throttled', transient: true });
      return result.ok;
    };

    // as the reconciler dispatches: look for the batch first, send only when it was never sent
    let commandId: string | undefined;
    const before = new Date();
    for (let attempt = 0; attempt < 10 && !commandId; attempt++) {
      const found = await provider.findSent(session, batch(0), before);
      if (!transientOnly(found)) continue;
      if (found.value) commandId = found.value;
      else {
        const sent = await provider.send(session, batch(0), a.instanceIds, shell('echo ok'));
        if (transientOnly(sent)) commandId = sent.value;
      }
    }
    expect(commandId).toBeDefined();
    let done = false;
    for (let round = 0; round < 100 && !done; round++) {
      const views = await provider.observe(session, commandId ?? '');
      done =
        transientOnly(views) && views.value.filter((v) => v.status === 'Success').length === 50;
      if (!done) await new Promise((resolve) => setTimeout(resolve, 100));
    }

    expect(done).toBe(true);
    expect(await control.sentCommands({ account: ACCOUNT_A })).toHaveLength(1);
    expect(observed.filter((c) => c.outcome === 'throttled').length).toBeGreaterThan(0);
    expect(observed.filter((c) => c.outcome === 'error')).toEqual([]);
  });
});

describe('output', () => {
  it('returns the output SSM keeps inline and says when it was truncated', async () => {
    const a = await seedGroup(2);
    const session = sessionOf(a);
    const [verbose, terse] = a.instanceIds as [string, string];
    const control = emulator.control();
    await control.scriptOutcome({
      instanceId: verbose,
      status: 'Success',
      stdout: 'o'.repeat(30_000),
      stderr: 'e'.repeat(9_000),
    });
    await control.scriptOutcome({
      instanceId: terse,
      status: 'Failed',
      responseCode: 2,
      stdout: 'short',
    });

    const commandId = valueOf(
      await provider.send(session, batch(0), a.instanceIds, shell('dump-logs')),
    );
    const views = byInstance((await observeToEnd(session, commandId, 2)).views);
    const full = valueOf(await provider.output(session, commandId, verbose));
    const brief = valueOf(await provider.output(session, commandId, terse));

    expect(views.get(verbose)?.outputTruncated).toBe(true);
    expect(views.get(verbose)?.output).toHaveLength(2_500);
    expect(views.get(terse)).toMatchObject({ output: 'short', outputTruncated: false });
    expect(full).toEqual({
      stdout: 'o'.repeat(24_000),
      stderr: 'e'.repeat(8_000),
      stdoutTruncated: true,
      stderrTruncated: true,
      exitCode: 0,
      status: 'Success',
      stdoutSource: 'inline',
      stderrSource: 'inline',
      sourceNote: expect.stringContaining('no output bucket is configured (PCM_OPS_OUTPUT_BUCKET)'),
    });
    expect(brief).toEqual({
      stdout: 'short',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      exitCode: 2,
      status: 'Failed',
      stdoutSource: 'inline',
      stderrSource: 'inline',
    });
    const unknown = await provider.output(session, commandId, 'i-0123456789abcdef0');
    expect(unknown.ok ? undefined : unknown.failure).toMatchObject({
      reason: 'InvocationDoesNotExist',
      transient: false,
    });
  });
});
