// Instances in the AWS emulator, tagged Bench=<tag> so that each scenario's executions select
// exactly the instances it seeded.
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import { assumeAccount, ec2Client, LINUX_IMAGE_ID, type Credentials } from '../support/aws.js';

export interface Placement {
  account: string;
  region: string;
  count: number;
  tag: string;
}

export interface SeededGroup extends Placement {
  instanceIds: string[];
}

/** moto creates one RunInstances' instances in one go; this many keeps each answer small. */
const RUN_INSTANCES_CHUNK = 1000;

async function runTagged(
  endpoint: string,
  credentials: Credentials,
  placement: Placement,
): Promise<string[]> {
  const ec2 = ec2Client(endpoint, { region: placement.region, credentials });
  const ids: string[] = [];
  try {
    for (let left = placement.count; left > 0; left -= RUN_INSTANCES_CHUNK) {
      const count = Math.min(left, RUN_INSTANCES_CHUNK);
      const { Instances } = await ec2.send(
        new RunInstancesCommand({
          ImageId: LINUX_IMAGE_ID,
          InstanceType: 't3.micro',
          MinCount: count,
          MaxCount: count,
          TagSpecifications: [
            {
              ResourceType: 'instance',
              Tags: [
                { Key: 'Bench', Value: placement.tag },
                { Key: 'Role', Value: 'web' },
              ],
            },
          ],
        }),
      );
      ids.push(...(Instances ?? []).map((i) => i.InstanceId ?? ''));
    }
  } finally {
    ec2.destroy();
  }
  return ids;
}

/** Seeds every placement (those with a count of 0 are skipped), a few at a time. */
export async function seedPlacements(
  endpoint: string,
  placements: Placement[],
): Promise<SeededGroup[]> {
  const accounts = [...new Set(placements.map((p) => p.account))];
  const credentials = new Map<string, Credentials>();
  for (const account of accounts) credentials.set(account, await assumeAccount(endpoint, account));
  const groups: SeededGroup[] = [];
  const queue = placements.filter((p) => p.count > 0);
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const instanceIds = await runTagged(endpoint, credentials.get(next.account)!, next);
      groups.push({ ...next, instanceIds });
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return groups;
}

/** Twelve-digit account ids that read as what they are for: 9<scenario><index>. */
export function accountIds(prefix: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${prefix}${String(i + 1).padStart(12 - prefix.length, '0')}`,
  );
}
