// What integration tests use to talk to the AWS emulator: real SDK v3 clients pointed at it, role
// assumption into other accounts, and a seeded fleet of EC2 instances.
import { EC2Client, RunInstancesCommand, type _InstanceType } from '@aws-sdk/client-ec2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** moto maps unknown keys to its default account 123456789012; these are AWS's documented example keys. */
export const TEST_CREDENTIALS: Credentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
export const DEFAULT_ACCOUNT = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

/** moto's bundled AMIs: an Amazon Linux image (no platform) and a Windows Server one. */
export const LINUX_IMAGE_ID = 'ami-760aaa0f';
export const WINDOWS_IMAGE_ID = 'ami-03cf127a';

export interface ClientOptions {
  region?: string;
  credentials?: Credentials;
  /** 1 for tests that want the raw error instead of the SDK's retries */
  maxAttempts?: number;
}

interface ClientConfig {
  endpoint: string;
  region: string;
  credentials: Credentials;
  maxAttempts?: number;
}

function clientConfig(endpoint: string, options: ClientOptions): ClientConfig {
  return {
    endpoint,
    region: options.region ?? DEFAULT_REGION,
    credentials: options.credentials ?? TEST_CREDENTIALS,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
}

export function stsClient(endpoint: string, options: ClientOptions = {}): STSClient {
  return new STSClient(clientConfig(endpoint, options));
}

export function ec2Client(endpoint: string, options: ClientOptions = {}): EC2Client {
  return new EC2Client(clientConfig(endpoint, options));
}

export function ssmClient(endpoint: string, options: ClientOptions = {}): SSMClient {
  return new SSMClient(clientConfig(endpoint, options));
}

/** moto's real S3, path-style (`<endpoint>/<bucket>/<key>`), as an S3-compatible store is reached. */
export function s3Client(endpoint: string, options: ClientOptions = {}): S3Client {
  return new S3Client({ ...clientConfig(endpoint, options), forcePathStyle: true });
}

export function organizationsClient(
  endpoint: string,
  options: ClientOptions = {},
): OrganizationsClient {
  return new OrganizationsClient(clientConfig(endpoint, options));
}

/** Credentials for `accountId`, from STS AssumeRole with the test keys (moto checks no trust policy). */
export async function assumeAccount(
  endpoint: string,
  accountId: string,
  roleName = 'OrganizationAccountAccessRole',
): Promise<Credentials> {
  const sts = stsClient(endpoint);
  const { Credentials: issued } = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: 'pcm-ops-tests',
    }),
  );
  if (!issued?.AccessKeyId || !issued.SecretAccessKey)
    throw new Error(`AssumeRole into ${accountId} gave no keys`);
  return {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
  };
}

export interface FleetSpec {
  accounts: string[];
  regions: string[];
  /** instances per account and region */
  perRegion: number;
  /** share of each group that runs Windows (default 0.25); the rest is Linux */
  windowsShare?: number;
  /** tags on every instance (default Environment=test, Role=web) */
  tags?: Record<string, string>;
  instanceType?: _InstanceType;
  roleName?: string;
}

export interface FleetGroup {
  accountId: string;
  region: string;
  credentials: Credentials;
  /** Linux ids first, then Windows ids */
  instanceIds: string[];
  linuxInstanceIds: string[];
  windowsInstanceIds: string[];
}

export interface Fleet {
  groups: FleetGroup[];
  instanceIds: string[];
  group(accountId: string, region: string): FleetGroup;
}

async function runInstances(
  ec2: EC2Client,
  imageId: string,
  count: number,
  spec: FleetSpec,
): Promise<string[]> {
  if (count === 0) return [];
  const tags = spec.tags ?? { Environment: 'test', Role: 'web' };
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: spec.instanceType ?? 't3.micro',
      MinCount: count,
      MaxCount: count,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        },
      ],
    }),
  );
  return (Instances ?? []).map((instance) => instance.InstanceId ?? '');
}

async function seedGroup(
  endpoint: string,
  target: { accountId: string; region: string },
  spec: FleetSpec,
): Promise<FleetGroup> {
  const credentials = await assumeAccount(endpoint, target.accountId, spec.roleName);
  const ec2 = ec2Client(endpoint, { region: target.region, credentials });
  const windowsCount = Math.round(spec.perRegion * (spec.windowsShare ?? 0.25));
  const linuxInstanceIds = await runInstances(
    ec2,
    LINUX_IMAGE_ID,
    spec.perRegion - windowsCount,
    spec,
  );
  const windowsInstanceIds = await runInstances(ec2, WINDOWS_IMAGE_ID, windowsCount, spec);
  return {
    ...target,
    credentials,
    instanceIds: [...linuxInstanceIds, ...windowsInstanceIds],
    linuxInstanceIds,
    windowsInstanceIds,
  };
}

/** Creates `perRegion` tagged, running instances in every account × region. */
export async function seedFleet(endpoint: string, spec: FleetSpec): Promise<Fleet> {
  const targets = spec.accounts.flatMap((accountId) =>
    spec.regions.map((region) => ({ accountId, region })),
  );
  const groups = await Promise.all(targets.map((target) => seedGroup(endpoint, target, spec)));
  return {
    groups,
    instanceIds: groups.flatMap((g) => g.instanceIds),
    group: (accountId, region) => {
      const found = groups.find((g) => g.accountId === accountId && g.region === region);
      if (!found) throw new Error(`no fleet group for ${accountId}/${region}`);
      return found;
    },
  };
}
