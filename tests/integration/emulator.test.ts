// The AWS emulator behaves like AWS where the operator depends on it, seen through the real SDK v3
// clients: per-account state, Run Command's invocation lifecycle and paging, scripted outcomes,
// cancellation, managed-instance information, throttling errors and call counts.
import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  type CommandInvocation,
  type ListCommandInvocationsCommandInput,
  type InstanceInformation,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  assumeAccount,
  ec2Client,
  seedFleet,
  ssmClient,
  stsClient,
  type Credentials,
} from '../support/aws.js';
import { useEmulator } from '../support/use-emulator.js';

const ACCOUNT_A = '111111111111';
const ACCOUNT_B = '222222222222';
const REGION = 'us-east-1';
const OTHER_REGION = 'eu-west-1';

const emulator = useEmulator();

beforeEach(async () => {
  await emulator.control().reset();
});

function ssmFor(credentials: Credentials, region = REGION, maxAttempts?: number): SSMClient {
  return ssmClient(emulator.endpoint(), { credentials, region, maxAttempts });
}

async function instanceIdsSeenBy(ec2: EC2Client): Promise<string[]> {
  const { Reservations } = await ec2.send(new DescribeInstancesCommand({}));
  return (Reservations ?? []).flatMap((r) => (r.Instances ?? []).map((i) => i.InstanceId ?? ''));
}

async function sendShell(ssm: SSMClient, instanceIds: string[], script: string): Promise<string> {
  const { Command } = await ssm.send(
    new SendCommandCommand({
      DocumentName: 'AWS-RunShellScript',
      InstanceIds: instanceIds,
      Parameters: { commands: [script] },
      Comment: 'emulator test',
    }),
  );
  return Command?.CommandId ?? '';
}

/** Every page of ListCommandInvocations, as the pages came. */
async function invocationPages(
  ssm: SSMClient,
  input: Omit<ListCommandInvocationsCommandInput, 'NextToken'>,
): Promise<CommandInvocation[][]> {
  const pages: CommandInvocation[][] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new ListCommandInvocationsCommand({ ...input, NextToken }));
    pages.push(page.CommandInvocations ?? []);
    NextToken = page.NextToken;
  } while (NextToken);
  return pages;
}

async function instanceInformationPages(
  ssm: SSMClient,
  MaxResults: number,
): Promise<InstanceInformation[][]> {
  const pages: InstanceInformation[][] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(new DescribeInstanceInformationCommand({ MaxResults, NextToken }));
    pages.push(page.InstanceInformationList ?? []);
    NextToken = page.NextToken;
  } while (NextToken);
  return pages;
}

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('accounts and regions', () => {
  it('gives each assumed account its own EC2 and SSM state', async () => {
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A, ACCOUNT_B],
      regions: [REGION],
      perRegion: 3,
    });
    const a = fleet.group(ACCOUNT_A, REGION);
    const b = fleet.group(ACCOUNT_B, REGION);

    const identity = await stsClient(emulator.endpoint(), { credentials: a.credentials }).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Account).toBe(ACCOUNT_A);
    expect(
      await instanceIdsSeenBy(ec2Client(emulator.endpoint(), { credentials: a.credentials })),
    ).toEqual(a.instanceIds);
    expect(
      await instanceIdsSeenBy(ec2Client(emulator.endpoint(), { credentials: b.credentials })),
    ).toEqual(b.instanceIds);
    const otherRegion = ec2Client(emulator.endpoint(), {
      credentials: a.credentials,
      region: OTHER_REGION,
    });
    expect(await instanceIdsSeenBy(otherRegion)).toEqual([]);

    const commandId = await sendShell(ssmFor(a.credentials), a.instanceIds, 'uptime');
    const inB = await ssmFor(b.credentials).send(new ListCommandsCommand({}));
    expect(inB.Commands).toEqual([]);
    const elsewhere = await ssmFor(a.credentials, OTHER_REGION).send(
      new ListCommandInvocationsCommand({ CommandId: commandId }),
    );
    expect(elsewhere.CommandInvocations).toEqual([]);
    // AWS refuses instances the calling account does not have
    const foreign = await rejection(sendShell(ssmFor(b.credentials), a.instanceIds, 'uptime'));
    expect(foreign.name).toBe('InvalidInstanceId');
  });
});

describe('Run Command', () => {
  it('pages 120 invocations by 50 and takes them from Pending through InProgress to Success', async () => {
    const control = emulator.control();
    await control.setLifecycle({ pendingSeconds: 1, runningSeconds: 0.5 });
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: 120,
    });
    const { credentials, instanceIds } = fleet.group(ACCOUNT_A, REGION);
    const ssm = ssmFor(credentials);

    const commandIds = [];
    for (const batch of chunks(instanceIds, 50))
      commandIds.push(await sendShell(ssm, batch, 'echo patched'));
    const first = await invocationPages(ssm, { MaxResults: 50 });
    expect(first.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(new Set(first.flat().map((i) => i.InstanceId))).toEqual(new Set(instanceIds));
    expect(first.flat().every((i) => i.Status === 'Pending')).toBe(true);

    await vi.waitFor(
      async () => {
        const statuses = (await invocationPages(ssm, { MaxResults: 50 }))
          .flat()
          .map((i) => i.Status);
        expect(statuses).toContain('InProgress');
      },
      { timeout: 5_000, interval: 50 },
    );
    await vi.waitFor(
      async () => {
        const statuses = (await invocationPages(ssm, { MaxResults: 50 }))
          .flat()
          .map((i) => i.Status);
        expect(new Set(statuses)).toEqual(new Set(['Success']));
      },
      { timeout: 5_000, interval: 100 },
    );

    const oneCommand = await invocationPages(ssm, { CommandId: commandIds[0], MaxResults: 50 });
    expect(oneCommand.map((page) => page.length)).toEqual([50]);
    const { Commands } = await ssm.send(new ListCommandsCommand({}));
    expect(Commands?.map((c) => [c.Status, c.TargetCount, c.CompletedCount, c.ErrorCount])).toEqual(
      [
        ['Success', 20, 20, 0],
        ['Success', 50, 50, 0],
        ['Success', 50, 50, 0],
      ],
    );
    const forOneInstance = await ssm.send(new ListCommandsCommand({ InstanceId: instanceIds[0] }));
    expect(forOneInstance.Commands?.map((c) => c.CommandId)).toEqual([commandIds[0]]);
  });

  it('reports a scripted failure with its exit code and output, truncated as AWS truncates it', async () => {
    const control = emulator.control();
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: 4,
    });
    const { credentials, instanceIds } = fleet.group(ACCOUNT_A, REGION);
    const [failing, timingOut, verbose, fine] = instanceIds as [string, string, string, string];
    await control.scriptOutcome({
      commandContains: 'check-disk',
      status: 'Failed',
      responseCode: 3,
      stdout: 'disk 97%',
      stderr: 'too full',
    });
    await control.scriptOutcome({ instanceId: fine, status: 'Success', stdout: 'ok' });
    await control.scriptOutcome({
      instanceId: timingOut,
      status: 'TimedOut',
      statusDetails: 'Delivery Timed Out',
    });
    await control.scriptOutcome({
      instanceId: verbose,
      status: 'Failed',
      stdout: 'o'.repeat(30_000),
      stderr: 'e'.repeat(10_000),
    });
    const ssm = ssmFor(credentials);
    const script = 'set -e\n/usr/local/bin/check-disk --threshold 90';
    const commandId = await sendShell(ssm, instanceIds, script);

    const [sent] = await control.sentCommands({ account: ACCOUNT_A });
    expect(sent?.commandText).toBe(script);
    expect(sent?.instanceIds).toEqual(instanceIds);
    expect(sent?.request).toMatchObject({
      DocumentName: 'AWS-RunShellScript',
      Comment: 'emulator test',
    });

    const get = (instanceId: string) =>
      ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }));
    await vi.waitFor(async () => expect((await get(failing)).Status).toBe('Failed'), {
      timeout: 5_000,
      interval: 50,
    });
    expect(await get(failing)).toMatchObject({
      Status: 'Failed',
      StatusDetails: 'Failed',
      ResponseCode: 3,
      StandardOutputContent: 'disk 97%',
      StandardErrorContent: 'too full',
    });
    expect(await get(fine)).toMatchObject({
      Status: 'Success',
      ResponseCode: 0,
      StandardOutputContent: 'ok',
    });
    expect(await get(timingOut)).toMatchObject({
      Status: 'TimedOut',
      StatusDetails: 'Delivery Timed Out',
      ExecutionStartDateTime: '',
    });
    const long = await get(verbose);
    expect([long.StandardOutputContent?.length, long.StandardErrorContent?.length]).toEqual([
      24_000, 8_000,
    ]);

    const [page] = await invocationPages(ssm, { CommandId: commandId, Details: true });
    const plugin = (id: string) => page?.find((i) => i.InstanceId === id)?.CommandPlugins?.[0];
    expect(plugin(failing)).toMatchObject({
      Name: 'aws:runShellScript',
      Status: 'Failed',
      ResponseCode: 3,
      Output: 'disk 97%\n----------ERROR-------\ntoo full',
    });
    expect(plugin(failing)?.ResponseFinishDateTime).toBeInstanceOf(Date);
    expect(plugin(verbose)?.Output).toHaveLength(2_500);
    const withoutDetails = await invocationPages(ssm, { CommandId: commandId });
    expect(withoutDetails.flat().every((i) => i.CommandPlugins?.length === 0)).toBe(true);
    const failedOnly = await invocationPages(ssm, {
      CommandId: commandId,
      Filters: [{ key: 'Status', value: 'Failed' }],
    });
    expect(failedOnly.flat().map((i) => i.InstanceId)).toEqual([failing, verbose]);

    const { Commands } = await ssm.send(new ListCommandsCommand({ CommandId: commandId }));
    expect(Commands?.[0]).toMatchObject({
      Status: 'Failed',
      TargetCount: 4,
      CompletedCount: 4,
      ErrorCount: 2,
      DeliveryTimedOutCount: 1,
    });
  });

  it('cancels in-flight invocations, and the command once all are cancelled', async () => {
    const control = emulator.control();
    await control.scriptOutcome({
      commandContains: 'sleep',
      pendingSeconds: 0,
      runningSeconds: 600,
    });
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: 5,
    });
    const { credentials, instanceIds } = fleet.group(ACCOUNT_A, REGION);
    const ssm = ssmFor(credentials);
    const commandId = await sendShell(ssm, instanceIds, 'sleep 3600');
    const statuses = async (): Promise<string[]> =>
      (await invocationPages(ssm, { CommandId: commandId })).flat().map((i) => i.Status ?? '');
    await vi.waitFor(
      async () => expect(new Set(await statuses())).toEqual(new Set(['InProgress'])),
      { timeout: 5_000 },
    );

    await ssm.send(
      new CancelCommandCommand({ CommandId: commandId, InstanceIds: instanceIds.slice(0, 2) }),
    );
    expect(await statuses()).toEqual([
      'Cancelled',
      'Cancelled',
      'InProgress',
      'InProgress',
      'InProgress',
    ]);
    const listed = async () =>
      (await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0];
    expect((await listed())?.Status).toBe('InProgress');

    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    expect(new Set(await statuses())).toEqual(new Set(['Cancelled']));
    expect(await listed()).toMatchObject({ Status: 'Cancelled', CompletedCount: 5 });
    const one = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceIds[4] }),
    );
    expect(one).toMatchObject({ Status: 'Cancelled', StatusDetails: 'Cancelled' });
  });
});

describe('what SSM does that a client must be ready for', () => {
  async function fleetOf(count: number): Promise<{ ssm: SSMClient; instanceIds: string[] }> {
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: count,
      windowsShare: 0,
    });
    const { credentials, instanceIds } = fleet.group(ACCOUNT_A, REGION);
    return { ssm: ssmFor(credentials, REGION, 1), instanceIds };
  }

  it('carries out a SendCommand whose answer is then lost, so only a lookup by comment finds it', async () => {
    const control = emulator.control();
    const { ssm, instanceIds } = await fleetOf(3);
    await control.fault({
      service: 'ssm',
      operation: 'SendCommand',
      code: 'InternalFailure',
      lost: true,
      count: 1,
    });
    const send = ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands: ['uptime'] },
        Comment: 'pcm-ops lost-answer/0',
      }),
    );
    await expect(send).rejects.toMatchObject({
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 503 },
    });
    const sent = await control.sentCommands({ account: ACCOUNT_A });
    expect(sent.map((c) => c.comment)).toEqual(['pcm-ops lost-answer/0']);
    const { Commands } = await ssm.send(new ListCommandsCommand({}));
    expect(Commands?.map((c) => [c.Comment, c.CommandId])).toEqual([
      ['pcm-ops lost-answer/0', sent[0]!.commandId],
    ]);
  });

  it('answers late when told to, past a client deadline, having carried the call out', async () => {
    const control = emulator.control();
    const { instanceIds } = await fleetOf(1);
    const { credentials } = (
      await seedFleet(emulator.endpoint(), {
        accounts: [ACCOUNT_B],
        regions: [REGION],
        perRegion: 0,
      })
    ).group(ACCOUNT_B, REGION);
    expect(credentials).toBeDefined();
    await control.fault({
      service: 'ssm',
      operation: 'SendCommand',
      code: 'InternalFailure',
      lost: true,
      delaySeconds: 2,
      count: 1,
    });
    const { SSMClient: Client } = await import('@aws-sdk/client-ssm');
    const impatient = new Client({
      endpoint: emulator.endpoint(),
      region: REGION,
      credentials: await assumeAccount(emulator.endpoint(), ACCOUNT_A),
      maxAttempts: 1,
      requestHandler: { requestTimeout: 500, throwOnRequestTimeout: true },
    });
    const send = impatient.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands: ['uptime'] },
        Comment: 'pcm-ops late/0',
      }),
    );
    await expect(send).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await control.sentCommands({ account: ACCOUNT_A })).map((c) => c.comment)).toEqual([
      'pcm-ops late/0',
    ]);
  });

  it('holds MaxConcurrency inside a command, and Terminates what has not started once MaxErrors is passed', async () => {
    const control = emulator.control();
    const { ssm, instanceIds } = await fleetOf(6);
    await control.scriptOutcome({
      instanceId: instanceIds[0],
      status: 'Failed',
      pendingSeconds: 0,
      runningSeconds: 0.3,
    });
    await control.setLifecycle({ pendingSeconds: 0, runningSeconds: 0.6 });
    const { Command } = await ssm.send(
      new SendCommandCommand({
        DocumentName: 'AWS-RunShellScript',
        InstanceIds: instanceIds,
        Parameters: { commands: ['uptime'] },
        MaxConcurrency: '2',
        MaxErrors: '0',
      }),
    );
    const statuses = async (): Promise<string[]> =>
      (await invocationPages(ssm, { CommandId: Command!.CommandId! }))
        .flat()
        .map((i) => i.StatusDetails ?? '');
    const first = await statuses();
    expect(first.slice(0, 2)).toEqual(['InProgress', 'InProgress']);
    expect(first.slice(2)).toEqual(['Pending', 'Pending', 'Pending', 'Pending']);
    await vi.waitFor(
      async () => expect((await statuses()).filter((s) => s === 'Pending')).toEqual([]),
      {
        timeout: 10_000,
      },
    );
    const done = await statuses();
    expect(done[0]).toBe('Failed');
    // the second ran on; the third had started when the first failed; the rest never did
    expect(done.slice(3)).toEqual(['Terminated', 'Terminated', 'Terminated']);
    const invocation = await ssm.send(
      new GetCommandInvocationCommand({
        CommandId: Command!.CommandId!,
        InstanceId: instanceIds[5],
      }),
    );
    expect(invocation).toMatchObject({
      Status: 'Failed',
      StatusDetails: 'Terminated',
      ExecutionStartDateTime: '',
    });
  });

  it('shows Cancelling while a cancelled script is stopped', async () => {
    const control = emulator.control();
    const { ssm, instanceIds } = await fleetOf(2);
    await control.setLifecycle({ pendingSeconds: 0, runningSeconds: 600, cancelSeconds: 1 });
    const commandId = await sendShell(ssm, instanceIds, 'sleep 600');
    await ssm.send(new CancelCommandCommand({ CommandId: commandId }));
    const statuses = async (): Promise<string[]> =>
      (await invocationPages(ssm, { CommandId: commandId })).flat().map((i) => i.Status ?? '');
    expect(await statuses()).toEqual(['Cancelling', 'Cancelling']);
    await vi.waitFor(async () => expect(await statuses()).toEqual(['Cancelled', 'Cancelled']), {
      timeout: 5_000,
    });
  });

  it.each([
    ['InvalidPlatform', 'Invalid Platform'],
    ['AccessDenied', 'Access Denied'],
  ] as const)(
    'reports %s as AWS does: Failed with its details, never started',
    async (status, details) => {
      const control = emulator.control();
      const { ssm, instanceIds } = await fleetOf(1);
      await control.scriptOutcome({
        instanceId: instanceIds[0],
        status,
        pendingSeconds: 0,
        runningSeconds: 0,
      });
      const commandId = await sendShell(ssm, instanceIds, 'uptime');
      const invocation = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceIds[0] }),
      );
      expect(invocation).toMatchObject({
        Status: 'Failed',
        StatusDetails: details,
        ExecutionStartDateTime: '',
      });
      expect(invocation.ResponseCode).toBe(-1);
    },
  );
});

describe('DescribeInstanceInformation', () => {
  it('pages managed instances, shows their platform and filters by id and ping status', async () => {
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: 12,
    });
    const { credentials, instanceIds, windowsInstanceIds, linuxInstanceIds } = fleet.group(
      ACCOUNT_A,
      REGION,
    );
    const ssm = ssmFor(credentials);

    const pages = await instanceInformationPages(ssm, 5);
    expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
    const platformOf = new Map(pages.flat().map((i) => [i.InstanceId, i.PlatformType]));
    expect(windowsInstanceIds.map((id) => platformOf.get(id))).toEqual([
      'Windows',
      'Windows',
      'Windows',
    ]);
    expect(linuxInstanceIds.every((id) => platformOf.get(id) === 'Linux')).toBe(true);
    expect(pages.flat().every((i) => i.PingStatus === 'Online')).toBe(true);

    const lost = instanceIds.slice(0, 2);
    await emulator.control().setPingStatus(lost, 'ConnectionLost');
    const byPing = await ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: 'PingStatus', Values: ['ConnectionLost'] }],
      }),
    );
    expect(byPing.InstanceInformationList?.map((i) => i.InstanceId)).toEqual(lost);
    const byId = await ssm.send(
      new DescribeInstanceInformationCommand({
        InstanceInformationFilterList: [{ key: 'InstanceIds', valueSet: [instanceIds[5] ?? ''] }],
      }),
    );
    expect(byId.InstanceInformationList?.map((i) => i.InstanceId)).toEqual([instanceIds[5]]);
    const tooSmall = await rejection(
      ssm.send(new DescribeInstanceInformationCommand({ MaxResults: 4 })),
    );
    expect(tooSmall.name).toBe('ValidationException');

    // an agent that is not online never receives the command
    const commandId = await sendShell(ssm, lost, 'uptime');
    await vi.waitFor(
      async () => {
        const invocations = (await invocationPages(ssm, { CommandId: commandId })).flat();
        expect(invocations.map((i) => i.StatusDetails)).toEqual([
          'Delivery Timed Out',
          'Delivery Timed Out',
        ]);
      },
      { timeout: 5_000, interval: 50 },
    );
  });
});

describe('faults', () => {
  it('throttles SSM with ThrottlingException, EC2 with RequestLimitExceeded and STS with Throttling', async () => {
    const control = emulator.control();
    const endpoint = emulator.endpoint();
    const credentials = await assumeAccount(endpoint, ACCOUNT_A);

    await control.throttle({ service: 'ssm', operation: 'ListCommands', count: 1 });
    const ssm = ssmFor(credentials, REGION, 1);
    const throttled = await rejection(ssm.send(new ListCommandsCommand({})));
    expect(throttled.name).toBe('ThrottlingException');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
    await expect(ssm.send(new ListCommandsCommand({}))).resolves.toMatchObject({ Commands: [] });

    await control.throttle({ service: 'ec2', operation: 'DescribeInstances', count: 1 });
    const ec2 = ec2Client(endpoint, { credentials, maxAttempts: 1 });
    const ec2Error = await rejection(ec2.send(new DescribeInstancesCommand({})));
    expect(ec2Error.name).toBe('RequestLimitExceeded');
    expect(ec2Error.$metadata?.httpStatusCode).toBe(503);

    await control.throttle({ service: 'sts', operation: 'GetCallerIdentity', count: 1 });
    const sts = stsClient(endpoint, { credentials, maxAttempts: 1 });
    expect((await rejection(sts.send(new GetCallerIdentityCommand({})))).name).toBe('Throttling');
  });

  it('lets the SDK retry throttling through, and injects arbitrary errors', async () => {
    const control = emulator.control();
    const credentials = await assumeAccount(emulator.endpoint(), ACCOUNT_A);
    await control.throttle({
      service: 'ssm',
      operation: 'ListCommands',
      account: ACCOUNT_A,
      count: 2,
    });
    // default SDK retries (3 attempts) treat the answer as throttling and try again
    await expect(ssmFor(credentials).send(new ListCommandsCommand({}))).resolves.toBeDefined();
    expect(await control.callCounts({ service: 'ssm', operation: 'ListCommands' })).toEqual([
      {
        service: 'ssm',
        operation: 'ListCommands',
        account: ACCOUNT_A,
        region: REGION,
        count: 3,
        faulted: 2,
      },
    ]);

    await control.fault({
      service: 'ssm',
      operation: 'SendCommand',
      code: 'InternalServerError',
      httpStatus: 500,
      count: 1,
    });
    const failed = await rejection(sendShell(ssmFor(credentials, REGION, 1), [], 'true'));
    expect(failed.name).toBe('InternalServerError');
    expect(failed.$metadata?.httpStatusCode).toBe(500);

    await control.clearFaults();
    await control.throttle({
      service: 'ssm',
      operation: 'DescribeInstanceInformation',
      rate: 0.5,
      seed: 7,
    });
    const ssm = ssmFor(credentials, REGION, 1);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => ssm.send(new DescribeInstanceInformationCommand({}))),
    );
    const rejected = outcomes.filter((o) => o.status === 'rejected').length;
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(20);
  });
});

describe('call counts', () => {
  it('counts calls per service, operation, account and region', async () => {
    const control = emulator.control();
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A, ACCOUNT_B],
      regions: [REGION, OTHER_REGION],
      perRegion: 60,
    });
    await control.resetCallCounts();
    for (const group of fleet.groups) {
      const ssm = ssmFor(group.credentials, group.region);
      const ids =
        group.accountId === ACCOUNT_A ? group.instanceIds : group.instanceIds.slice(0, 50);
      for (const batch of chunks(ids, 50)) await sendShell(ssm, batch, 'true');
    }
    const sends = (account: string, region: string) =>
      control.callCount({ service: 'ssm', operation: 'SendCommand', account, region });
    expect(await sends(ACCOUNT_A, REGION)).toBe(2);
    expect(await sends(ACCOUNT_A, OTHER_REGION)).toBe(2);
    expect(await sends(ACCOUNT_B, REGION)).toBe(1);
    expect(await sends(ACCOUNT_B, OTHER_REGION)).toBe(1);
    expect(await control.callCount({ service: 'ec2' })).toBe(0);
    expect((await control.sentCommands()).length).toBe(6);
  });

  it('keeps moto’s own /moto-api/reset working, and it clears the extension too', async () => {
    const control = emulator.control();
    const fleet = await seedFleet(emulator.endpoint(), {
      accounts: [ACCOUNT_A],
      regions: [REGION],
      perRegion: 2,
    });
    const { credentials } = fleet.group(ACCOUNT_A, REGION);
    expect(await control.callCount({ service: 'ec2', operation: 'RunInstances' })).toBe(2);
    const response = await fetch(`${emulator.endpoint()}/moto-api/reset`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await control.callCounts()).toEqual([]);
    expect(await instanceIdsSeenBy(ec2Client(emulator.endpoint(), { credentials }))).toEqual([]);
  });
});
