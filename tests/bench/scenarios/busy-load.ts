// The load behind the busy latency samples: a 3,000-target execution over 6 account+regions whose
// invocations run 10 s, started again each time it finishes, and which of its phases each latency
// sample overlapped.
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { assumeAccount, ec2Client } from '../../support/aws.js';
import type { EmulatorControl } from '../../infra/emulator.js';
import { sendWindow } from '../aws-calls.js';
import { accountIds, seedPlacements } from '../fleet.js';
import { executionManifest } from '../kube.js';
import type { Stage } from '../stage.js';
import type { BusyWindow } from '../busy-phases.js';
import { waitFinished } from '../wait.js';

export const BUSY_ACCOUNTS = accountIds('92', 2);
const BUSY_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
const BUSY_PER_REGION = 500;
export const BUSY_TARGETS = BUSY_ACCOUNTS.length * BUSY_REGIONS.length * BUSY_PER_REGION;
export const BUSY_RUNNING_SECONDS = 10;
const MARKER = 'busy-load';

export async function prepareBusyLoad(endpoint: string, control: EmulatorControl): Promise<void> {
  await control.scriptOutcome({ commandContains: MARKER, runningSeconds: BUSY_RUNNING_SECONDS });
  await seedPlacements(
    endpoint,
    BUSY_ACCOUNTS.flatMap((account) =>
      BUSY_REGIONS.map((region) => ({ account, region, count: BUSY_PER_REGION, tag: 'busy' })),
    ),
  );
}

export interface BusyExecution {
  uid: string;
  createdAt: number;
}

export interface BusyLoad {
  stop(): Promise<BusyExecution[]>;
}

export function startBusyLoad(stage: Stage): BusyLoad {
  let stopping = false;
  const started: BusyExecution[] = [];
  const targets = BUSY_ACCOUNTS.map((account) => ({ account, regions: BUSY_REGIONS, tag: 'busy' }));
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const name = `load-${started.length}`;
      const createdAt = Date.now();
      const created = await stage.objects.create(
        executionManifest(name, targets, `echo ${MARKER}`),
      );
      started.push({ uid: String(created.metadata.uid), createdAt });
      await waitFinished(stage, name, { timeoutMs: 300_000, intervalMs: 500 });
    }
  };
  let failure: unknown;
  // a failure ends the loop and is thrown by stop(), never left unhandled
  const running = loop().catch((error: unknown) => {
    failure = error;
  });
  return {
    stop: async () => {
      stopping = true;
      await running;
      if (failure) throw failure;
      return started;
    },
  };
}

export async function waitBusySending(control: EmulatorControl): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const sent = await control.callCount({
      service: 'ssm',
      operation: 'SendCommand',
      account: BUSY_ACCOUNTS[0],
    });
    if (sent > 0) return;
    await sleep(100);
  }
  throw new Error('the busy execution sent nothing within 120 s');
}

export async function busyWindows(
  control: EmulatorControl,
  executions: BusyExecution[],
): Promise<BusyWindow[]> {
  const windows: BusyWindow[] = [];
  for (const execution of executions) {
    const sends = await sendWindow(control, execution.uid).catch(() => undefined);
    // one still resolving when the samples ended counts as resolving until now
    const end = sends ?? { first: Date.now(), last: Date.now() };
    windows.push({ createdAt: execution.createdAt, firstSend: end.first, lastSend: end.last });
  }
  return windows;
}

export interface Pulse {
  stop(): Promise<{ at: number; ms: number }[]>;
}

/**
 * Times a one-instance DescribeInstances at the emulator every 250 ms, to show how long the
 * emulator itself keeps a small call waiting while the busy load runs.
 */
export async function startEmulatorPulse(
  endpoint: string,
  where: { account: string; region: string; instanceId: string },
): Promise<Pulse> {
  const credentials = await assumeAccount(endpoint, where.account);
  const ec2 = ec2Client(endpoint, { region: where.region, credentials });
  const filters = [{ Name: 'instance-id', Values: [where.instanceId] }];
  const samples: { at: number; ms: number }[] = [];
  let stopping = false;
  const loop = async (): Promise<void> => {
    while (!stopping) {
      const at = Date.now();
      await ec2.send(new DescribeInstancesCommand({ Filters: filters }));
      samples.push({ at, ms: Date.now() - at });
      await sleep(250);
    }
  };
  const running = loop().catch(() => undefined);
  return {
    stop: async () => {
      stopping = true;
      await running;
      ec2.destroy();
      return samples;
    },
  };
}
