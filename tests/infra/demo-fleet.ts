// The demo's AWS estate in the emulator: a hub account with its own IAM user, production and
// staging in two regions with named, tagged Linux and Windows instances, an AWS Organization for
// the operator's own identity, and believable output for the example scripts.
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import {
  assumeAccount,
  ec2Client,
  LINUX_IMAGE_ID,
  WINDOWS_IMAGE_ID,
  type Credentials,
} from '../support/aws.js';
import type { EmulatorControl, ScriptedOutcome } from './emulator.js';

/** The accounts docs/examples/01-credentials.yaml names. */
export const ACCOUNTS = {
  hub: '111111111111',
  prod: '222222222222',
  staging: '333333333333',
} as const;
/** The operator's own account (what IRSA would give it): the Organization's management account. */
export const OPERATOR_ACCOUNT = '123456789012';
export const REGIONS = ['eu-west-1', 'us-east-1'] as const;

type Platform = 'Linux' | 'Windows';

interface RoleGroup {
  role: string;
  team: string;
  platform: Platform;
  /** instances per region */
  count: number;
}

interface AccountPlan {
  environment: string;
  accountId: string;
  regions: readonly string[];
  groups: RoleGroup[];
}

export interface DemoInstance {
  instanceId: string;
  accountId: string;
  region: string;
  name: string;
  role: string;
  platform: Platform;
}

const PLAN: AccountPlan[] = [
  {
    environment: 'shared',
    accountId: ACCOUNTS.hub,
    regions: ['eu-west-1'],
    groups: [{ role: 'bastion', team: 'platform', platform: 'Linux', count: 2 }],
  },
  {
    environment: 'prod',
    accountId: ACCOUNTS.prod,
    regions: REGIONS,
    groups: [
      { role: 'web', team: 'storefront', platform: 'Linux', count: 5 },
      { role: 'api', team: 'payments', platform: 'Linux', count: 3 },
      { role: 'db', team: 'ledger', platform: 'Linux', count: 2 },
      { role: 'iis', team: 'storefront', platform: 'Windows', count: 2 },
    ],
  },
  {
    environment: 'staging',
    accountId: ACCOUNTS.staging,
    regions: REGIONS,
    groups: [
      { role: 'web', team: 'storefront', platform: 'Linux', count: 2 },
      { role: 'api', team: 'payments', platform: 'Linux', count: 2 },
      { role: 'db', team: 'ledger', platform: 'Linux', count: 1 },
      { role: 'iis', team: 'storefront', platform: 'Windows', count: 1 },
    ],
  },
];

const REGION_CODES: Record<string, string> = { 'eu-west-1': 'euw1', 'us-east-1': 'use1' };

function instanceName(env: string, region: string, role: string, index: number): string {
  return `${env}-${REGION_CODES[region] ?? region}-${role}-${String(index + 1).padStart(2, '0')}`;
}

async function launchOne(
  endpoint: string,
  credentials: Credentials,
  spec: { region: string; tags: Record<string, string>; platform: Platform },
): Promise<string> {
  const ec2 = ec2Client(endpoint, { region: spec.region, credentials });
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: spec.platform === 'Windows' ? WINDOWS_IMAGE_ID : LINUX_IMAGE_ID,
      InstanceType: spec.platform === 'Windows' ? 't3.large' : 't3.medium',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: Object.entries(spec.tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  const id = Instances?.[0]?.InstanceId;
  if (!id) throw new Error(`RunInstances in ${spec.region} returned no instance`);
  return id;
}

async function seedAccount(endpoint: string, plan: AccountPlan): Promise<DemoInstance[]> {
  const credentials = await assumeAccount(endpoint, plan.accountId);
  const launches = plan.regions.flatMap((region) =>
    plan.groups.flatMap((group) =>
      Array.from({ length: group.count }, async (_, index): Promise<DemoInstance> => {
        const name = instanceName(plan.environment, region, group.role, index);
        const tags = {
          Name: name,
          Role: group.role,
          Environment: plan.environment,
          Team: group.team,
          'Patch Group': `${plan.environment}-${group.platform.toLowerCase()}`,
        };
        const instanceId = await launchOne(endpoint, credentials, {
          region,
          tags,
          platform: group.platform,
        });
        return { instanceId, accountId: plan.accountId, region, name, ...group };
      }),
    ),
  );
  return Promise.all(launches);
}

/** Launches the whole fleet; instances come back in a stable order (account, region, role, index). */
export async function seedInstances(endpoint: string): Promise<DemoInstance[]> {
  const perAccount = await Promise.all(PLAN.map((plan) => seedAccount(endpoint, plan)));
  return perAccount.flat();
}

// ---------------------------------------------------------------------------------------------
// what the instances answer

const FREE_MB_BY_ROLE: Record<string, number[]> = {
  web: [18_432, 18_432, 17_920],
  api: [40_960, 39_936],
  db: [102_400],
  bastion: [6_144],
};
const PENDING_UPDATES = [0, 0, 3, 0, 12];
const KERNELS = ['6.1.112-124.190.amzn2023.x86_64', '6.1.115-126.197.amzn2023.x86_64'];

function pick<T>(values: readonly T[], index: number): T {
  return values[index % values.length]!;
}

function precheckOutput(instance: DemoInstance, index: number): string {
  const freeMb = pick(FREE_MB_BY_ROLE[instance.role] ?? [20_480], index);
  return `free_mb=${freeMb}\npending=${pick(PENDING_UPDATES, index)}\n`;
}

function uptimeOutput(index: number): string {
  const days = 12 + ((index * 7) % 40);
  const load = (0.05 + (index % 5) * 0.11).toFixed(2);
  return ` 09:41:07 up ${days} days,  3:12,  0 users,  load average: ${load}, 0.10, 0.08\n${pick(KERNELS, Math.floor(index / 3))}\n`;
}

const SERVICE_STATUS = 'Name   : W3SVC\nStatus : Running\n';

/** Used percentage of each filesystem df shows beside /, by role: a database volume runs full. */
const VOLUMES_BY_ROLE: Record<string, [string, number][]> = {
  web: [['/var/log', 63]],
  db: [['/var/lib/pgsql', 93]],
};
/** docs/examples/07-linux-scripts.yaml's default threshold */
const DISK_THRESHOLD_PCT = 90;

/** What docs/examples/07's disk-usage-check prints, and its exit code, at the default threshold. */
function diskCheck(
  instance: DemoInstance,
  index: number,
): Pick<ScriptedOutcome, 'status' | 'responseCode' | 'stdout' | 'stderr'> {
  const volumes: [string, number][] = [
    ['/', 31 + ((index * 5) % 17)],
    ...(VOLUMES_BY_ROLE[instance.role] ?? []),
  ];
  const worst = volumes.reduce((a, b) => (b[1] > a[1] ? b : a));
  const over = volumes.filter(([, used]) => used > DISK_THRESHOLD_PCT);
  const stdout = [
    `checked=${volumes.length}`,
    `over=${over.length}`,
    `max_use_pct=${worst[1]}`,
    `max_use_mount=${worst[0]}`,
    `over_mounts=${over.map(([mount, used]) => `${mount}:${used}`).join(',')}`,
    '',
  ].join('\n');
  const stderr = over
    .map(([mount, used]) => `${mount} is ${used}% used, above ${DISK_THRESHOLD_PCT}%\n`)
    .join('');
  return over.length > 0
    ? { status: 'Failed', responseCode: 1, stdout, stderr }
    : { status: 'Success', stdout };
}

/** What docs/examples/07's linux-patch-precheck prints on an Amazon Linux 2023 instance. */
function patchPrecheck(instance: DemoInstance, index: number, now: Date): string {
  const kernel = pick(KERNELS, Math.floor(index / 3));
  const freeMb = pick(FREE_MB_BY_ROLE[instance.role] ?? [20_480], index);
  const days = 12 + ((index * 7) % 40);
  const bootedAt = new Date(now.getTime() - (days * 24 + 3) * 3_600_000);
  return [
    'os_id=amzn',
    'os_version=2023',
    'os_name=Amazon Linux 2023.6.20241212',
    `kernel=${kernel}`,
    'package_manager=dnf',
    `pending_updates=${pick(PENDING_UPDATES, index)}`,
    'security_updates=unknown',
    'package_index_age_hours=unknown',
    `root_free_mb=${freeMb}`,
    `boot_free_mb=${freeMb}`,
    'boot_separate=no',
    `uptime_days=${days}`,
    `booted_at=${bootedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    // the older kernel is still running where a newer one was installed
    `reboot_required=${kernel === KERNELS[0] ? 'yes' : 'no'}`,
    'ready=yes',
    '',
  ].join('\n');
}

/** Per-instance answers to the example scripts, and a slower lifecycle a person can watch. */
export function outcomesFor(instances: DemoInstance[], now = new Date()): ScriptedOutcome[] {
  return instances.flatMap((instance, index): ScriptedOutcome[] => {
    const timing = { pendingSeconds: 1, runningSeconds: 2 + (index % 4) };
    const base = { instanceId: instance.instanceId, ...timing };
    if (instance.platform === 'Windows') {
      return [{ ...base, commandContains: 'Restart-Service', stdout: SERVICE_STATUS }];
    }
    return [
      { ...base, commandContains: 'df -Pm', stdout: precheckOutput(instance, index) },
      { ...base, commandContains: 'uname -r', stdout: uptimeOutput(index) },
      // the Linux tools of docs/examples/07, scripted after the rules above (the newest rule that
      // matches wins): their bodies hold df -Pm and uname -r too
      { ...base, commandContains: '# disk-usage-check:', ...diskCheck(instance, index) },
      {
        ...base,
        commandContains: '# linux-patch-precheck:',
        stdout: patchPrecheck(instance, index, now),
      },
    ];
  });
}

/**
 * One production payments API server (which docs/examples/04's onlineOnly then skips) and one
 * staging Windows server have lost their SSM agent.
 */
export function offlineInstances(instances: DemoInstance[]): string[] {
  const lost = [
    instances.find(
      (i) => i.accountId === ACCOUNTS.prod && i.region === 'eu-west-1' && i.role === 'api',
    ),
    instances.find((i) => i.accountId === ACCOUNTS.staging && i.platform === 'Windows'),
  ];
  return lost.filter((i) => i !== undefined).map((i) => i.instanceId);
}

export async function scriptFleetBehaviour(
  control: EmulatorControl,
  instances: DemoInstance[],
): Promise<void> {
  await control.setLifecycle({ pendingSeconds: 1, runningSeconds: 3 });
  for (const outcome of outcomesFor(instances)) await control.scriptOutcome(outcome);
  await control.setPingStatus(offlineInstances(instances), 'ConnectionLost');
}

// ---------------------------------------------------------------------------------------------
// identities

/**
 * Access keys of a dedicated IAM user in the hub account, what docs/examples/01-credentials.yaml
 * asks for: the emulator maps keys created by IAM to the account that created them.
 */
export async function hubUserKeys(endpoint: string): Promise<Credentials> {
  const credentials = await assumeAccount(endpoint, ACCOUNTS.hub);
  const iam = new IAMClient({ endpoint, region: 'us-east-1', credentials });
  await iam.send(new CreateUserCommand({ UserName: 'pcm-ops-hub' }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: 'pcm-ops-hub' }));
  if (!AccessKey?.AccessKeyId || !AccessKey.SecretAccessKey) {
    throw new Error('IAM CreateAccessKey for pcm-ops-hub returned no key');
  }
  return { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey };
}

/** An AWS Organization managed by the operator's account, with two member accounts. */
export async function seedOrganization(endpoint: string, operator: Credentials): Promise<void> {
  const orgs = new OrganizationsClient({ endpoint, region: 'us-east-1', credentials: operator });
  await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  for (const name of ['data-platform', 'sandbox']) {
    await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
  }
}
