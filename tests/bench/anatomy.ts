// Where an execution's time goes before its SendCommand: the API server requests it costs and
// how long the API server took for each kind, and how long the emulator takes for the AWS calls.
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeInstanceInformationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { assumeAccount, ec2Client, ssmClient } from '../support/aws.js';
import type { RequestTimes } from './apiserver.js';
import { median } from './stats.js';

export interface RequestKind {
  /** "VERB resource[/subresource]" */
  kind: string;
  perExecution: number;
  /** the API server's own mean time per request of this kind */
  meanMs: number;
}

/** Requests per execution by kind between two readings, with the API server's mean duration. */
export function requestAnatomy(
  before: RequestTimes,
  after: RequestTimes,
  executions: number,
): RequestKind[] {
  const kinds: RequestKind[] = [];
  for (const [kind, count] of after.count) {
    const moved = count - (before.count.get(kind) ?? 0);
    if (moved / executions < 0.5) continue;
    const seconds = (after.seconds.get(kind) ?? 0) - (before.seconds.get(kind) ?? 0);
    kinds.push({ kind, perExecution: moved / executions, meanMs: (seconds / moved) * 1000 });
  }
  return kinds.sort((a, b) => b.perExecution - a.perExecution);
}

export interface AwsCallTime {
  operation: string;
  medianMs: number;
}

async function timed(times: number, call: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const began = performance.now();
    await call();
    samples.push(performance.now() - began);
  }
  return median(samples);
}

/** The emulator's answer times, seen from the SDK, for the calls an execution makes before sending. */
export async function probeAwsCalls(
  endpoint: string,
  where: { account: string; region: string; instanceId: string },
): Promise<AwsCallTime[]> {
  const credentials = await assumeAccount(endpoint, where.account);
  const ec2 = ec2Client(endpoint, { region: where.region, credentials });
  const ssm = ssmClient(endpoint, { region: where.region, credentials });
  const ids = [where.instanceId];
  try {
    const describe = await timed(20, () =>
      ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids }] })),
    );
    const information = await timed(20, () =>
      ssm.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: 'InstanceIds', Values: ids }] }),
      ),
    );
    const send = await timed(20, () =>
      ssm.send(
        new SendCommandCommand({
          InstanceIds: ids,
          DocumentName: 'AWS-RunShellScript',
          Parameters: { commands: ['echo probe'] },
        }),
      ),
    );
    return [
      { operation: 'DescribeInstances', medianMs: describe },
      { operation: 'DescribeInstanceInformation', medianMs: information },
      { operation: 'SendCommand', medianMs: send },
    ];
  } finally {
    ec2.destroy();
    ssm.destroy();
  }
}
