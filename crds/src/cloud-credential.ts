import { z } from 'zod';
import {
  AccountId,
  LocalObjectReference,
  ObjectMeta,
  Region,
  conditions,
  objectName,
  timestamp,
} from './common.js';
import { PARTITIONS, REGIONS, partitionRegionsCel, regionFitsPartition } from './regions.js';
import { countSet, exactlyOneCel, withRules } from './rules.js';

export const ROLE_ARN_PATTERN =
  /^arn:(aws|aws-us-gov|aws-cn):iam::[0-9]{12}:role\/[\w+=,.@/-]{1,512}$/;
const SESSION_NAME_PATTERN = /^[\w+=,.@-]{2,64}$/;
const ROLE_NAME_PATTERN = /^[\w+=,.@/-]{1,64}$/;
/** AWS caps a session assumed with another assumed-role session ("role chaining") at one hour. */
export const CHAINED_SESSION_MAX_SECONDS = 3600;

const SecretSource = z
  .object({
    name: objectName('Name of the Secret, in the credential’s namespace.'),
    accessKeyIdKey: z
      .string()
      .min(1)
      .max(253)
      .default('accessKeyId')
      .describe('Key in the Secret that holds the access key id.'),
    secretAccessKeyKey: z
      .string()
      .min(1)
      .max(253)
      .default('secretAccessKey')
      .describe('Key in the Secret that holds the secret access key.'),
    sessionTokenKey: z
      .string()
      .min(1)
      .max(253)
      .default('sessionToken')
      .describe('Key in the Secret that holds a session token; used only when present.'),
  })
  .describe(
    'Static access keys kept in a Secret. The operator reads the Secret; its values never appear in status, events or logs.',
  );

const AssumeRoleSource = withRules(
  z
    .object({
      roleArn: z
        .string()
        .max(2048)
        .regex(ROLE_ARN_PATTERN, {
          message: 'must be an IAM role ARN such as arn:aws:iam::123456789012:role/pcm-ops',
        })
        .describe(
          'ARN of the IAM role to assume, for example arn:aws:iam::123456789012:role/pcm-ops.',
        ),
      externalId: z
        .string()
        .min(2)
        .max(1224)
        .regex(/^[\w+=,.@:/-]*$/)
        .optional()
        .describe('External id the role’s trust policy requires, if any.'),
      sessionName: z
        .string()
        .max(64)
        .regex(SESSION_NAME_PATTERN, {
          message: 'must be 2 to 64 characters of letters, digits and +=,.@_-',
        })
        .optional()
        .describe('Role session name shown in CloudTrail. Defaults to pcm-ops-<namespace>-<name>.'),
      durationSeconds: z
        .number()
        .int()
        .min(900)
        .max(43200)
        .default(3600)
        .describe(
          'Lifetime of the assumed session, 900 to 43200 seconds (at most 3600 when chained). The operator refreshes it before it expires.',
        ),
      sourceCredentialRef: LocalObjectReference.optional().describe(
        'Another CloudCredential whose session assumes this role (role chaining). Without it the operator’s own identity assumes the role.',
      ),
    })
    .describe('Assume an IAM role with STS AssumeRole.'),
  [
    {
      cel: `!has(self.sourceCredentialRef) || self.durationSeconds <= ${CHAINED_SESSION_MAX_SECONDS}`,
      message: `durationSeconds must be at most ${CHAINED_SESSION_MAX_SECONDS} when sourceCredentialRef chains roles: AWS caps chained sessions at one hour`,
      fieldPath: '.durationSeconds',
      check: (v) =>
        v.sourceCredentialRef === undefined || v.durationSeconds <= CHAINED_SESSION_MAX_SECONDS,
    },
  ],
);

const AmbientSource = z
  .object({})
  .describe(
    'Use the operator’s own identity from the AWS SDK’s default provider chain: IRSA or EKS Pod Identity web identity, environment variables, or an instance profile.',
  );

const SOURCE_KINDS = ['secretRef', 'assumeRole', 'ambient'] as const;

const CredentialSource = withRules(
  z
    .object({
      secretRef: SecretSource.optional(),
      assumeRole: AssumeRoleSource.optional(),
      ambient: AmbientSource.optional(),
    })
    .describe('Where the credential comes from: exactly one of secretRef, assumeRole or ambient.'),
  [
    {
      cel: exactlyOneCel(SOURCE_KINDS),
      message: 'set exactly one of secretRef, assumeRole or ambient',
      check: (v) => countSet(v, SOURCE_KINDS) === 1,
    },
  ],
);

const AwsCredential = withRules(
  z
    .object({
      partition: z
        .enum(PARTITIONS)
        .default('aws')
        .describe(
          'AWS partition: aws, aws-us-gov or aws-cn. ARNs and STS endpoints differ by partition.',
        ),
      defaultRegion: Region.default('us-east-1').describe(
        'Region for STS calls and for targets that name no region.',
      ),
      regions: z
        .array(Region)
        .max(64)
        .optional()
        .describe('Regions executions may target with this credential. Empty means any region.'),
      source: CredentialSource,
    })
    .describe('How to reach an AWS account.'),
  [
    {
      cel: `self.defaultRegion in (${partitionRegionsCel('self.partition')})`,
      message: `defaultRegion must be a region of the partition (aws-cn: ${REGIONS['aws-cn'].join(', ')}; aws-us-gov: ${REGIONS['aws-us-gov'].join(', ')}; aws: any other)`,
      fieldPath: '.defaultRegion',
      check: (v) => regionFitsPartition(v.defaultRegion, v.partition),
    },
    {
      cel: `!has(self.regions) || self.regions.all(r, r in (${partitionRegionsCel('self.partition')}))`,
      message: 'regions must all be regions of the credential’s partition',
      fieldPath: '.regions',
      check: (v) => (v.regions ?? []).every((r) => regionFitsPartition(r, v.partition)),
    },
    {
      cel: "!has(self.source.assumeRole) || self.source.assumeRole.roleArn.startsWith('arn:' + self.partition + ':')",
      message: 'source.assumeRole.roleArn must be in the credential’s partition',
      fieldPath: '.source.assumeRole.roleArn',
      check: (v) =>
        v.source.assumeRole === undefined ||
        v.source.assumeRole.roleArn.startsWith(`arn:${v.partition}:`),
    },
  ],
);

/** The providers a credential may name; each has a block of its own under its name. */
export const PROVIDERS = ['aws', 'ssh'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
/** A login name as useradd takes it. */
export const SSH_USER_PATTERN = /^[a-z_][a-z0-9_-]{0,31}$/;
export const HOST_KEY_POLICIES = ['AcceptNew', 'Pinned'] as const;

const SshCredential = z
  .object({
    user: z
      .string()
      .max(32)
      .regex(SSH_USER_PATTERN, {
        message: 'must be a login name: a lowercase letter or _, then letters, digits, _ or -',
      })
      .describe('The login user on the hosts.'),
    privateKeySecretRef: z
      .object({
        name: objectName('Name of the Secret, in the credential’s namespace.'),
        privateKeyKey: z
          .string()
          .min(1)
          .max(253)
          .default('privateKey')
          .describe('Key in the Secret that holds the private key, in OpenSSH or PEM format.'),
        passphraseKey: z
          .string()
          .min(1)
          .max(253)
          .default('passphrase')
          .describe('Key in the Secret that holds the key’s passphrase; used only when present.'),
      })
      .describe(
        'The private key the operator logs in with, kept in a Secret. Its value never appears in status, events or logs.',
      ),
    inventoryRef: LocalObjectReference.describe(
      'The HostInventory whose hosts this credential reaches.',
    ),
    sudo: z
      .boolean()
      .default(false)
      .describe(
        'Run scripts as root with sudo -n: the user must be allowed to without a password, or the run fails on that host with SudoRefused.',
      ),
    hostKeyPolicy: z
      .enum(HOST_KEY_POLICIES)
      .default('AcceptNew')
      .describe(
        'AcceptNew: a host without a pinned hostKey is trusted on first use and its key recorded in the inventory’s status; a changed key is refused (as OpenSSH’s StrictHostKeyChecking accept-new). Pinned: only hosts whose hostKey the inventory pins are reached.',
      ),
    connectTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(300)
      .default(15)
      .describe(
        'Seconds to reach a host and log in (through its bastion too); past it the target is DeliveryTimedOut.',
      ),
    maxConcurrentHosts: z
      .number()
      .int()
      .min(1)
      .max(500)
      .default(50)
      .describe('Hosts this credential runs scripts on at once, across all executions.'),
  })
  .describe('How to reach Linux hosts over SSH.');

const Organization = z
  .object({
    roleName: z
      .string()
      .max(64)
      .regex(ROLE_NAME_PATTERN, { message: 'must be an IAM role name (path allowed)' })
      .default('OrganizationAccountAccessRole')
      .describe('Role assumed in each member account, reached through this credential.'),
    accountIds: z
      .array(AccountId)
      .max(1000)
      .optional()
      .describe('Member accounts to include. Empty means every active member account.'),
    excludeAccountIds: z
      .array(AccountId)
      .max(1000)
      .optional()
      .describe('Member accounts to leave out.'),
  })
  .describe(
    'List the accounts of the AWS Organization this credential manages and reach each through roleName.',
  );

export const CloudCredentialSpec = withRules(
  z
    .object({
      provider: z
        .enum(PROVIDERS)
        .default('aws')
        .describe(
          'Where the machines live: aws (EC2 instances and managed nodes, through SSM) or ssh (Linux hosts of a HostInventory). Each provider has a block of its own under its name.',
        ),
      aws: AwsCredential.optional().describe('Settings for provider aws.'),
      ssh: SshCredential.optional().describe('Settings for provider ssh.'),
      expectedAccountId: AccountId.optional().describe(
        'When set, the credential is refused unless STS reports this account: a mismatch is a hard failure.',
      ),
      organization: Organization.optional(),
    })
    .describe('How to reach one cloud account, or one inventory of hosts.'),
  [
    {
      cel: "self.provider != 'aws' || has(self.aws)",
      message: 'aws is required when provider is aws',
      fieldPath: '.aws',
      check: (v) => v.provider !== 'aws' || v.aws !== undefined,
    },
    {
      cel: "self.provider != 'ssh' || has(self.ssh)",
      message: 'ssh is required when provider is ssh',
      fieldPath: '.ssh',
      check: (v) => v.provider !== 'ssh' || v.ssh !== undefined,
    },
    {
      cel: "self.provider == 'aws' || !(has(self.aws) || has(self.expectedAccountId) || has(self.organization))",
      message: 'aws, expectedAccountId and organization are for provider aws only',
      check: (v) =>
        v.provider === 'aws' ||
        (v.aws === undefined && v.expectedAccountId === undefined && v.organization === undefined),
    },
    {
      cel: "self.provider == 'ssh' || !has(self.ssh)",
      message: 'ssh is for provider ssh only',
      fieldPath: '.ssh',
      check: (v) => v.provider === 'ssh' || v.ssh === undefined,
    },
  ],
);

const OrganizationAccount = z
  .object({
    id: AccountId,
    name: z.string().max(256).optional().describe('Account name in the organization.'),
    status: z.string().max(32).optional().describe('Account status, for example ACTIVE.'),
  })
  .describe('A member account of the organization.');

export const CloudCredentialStatus = z
  .object({
    observedGeneration: z
      .number()
      .int()
      .optional()
      .describe('The .metadata.generation the status was computed for.'),
    accountId: AccountId.optional().describe('Account id that STS GetCallerIdentity reported.'),
    scope: z
      .string()
      .max(253)
      .optional()
      .describe(
        'Where the credential acts, in its provider’s terms: the AWS account id, or the HostInventory.',
      ),
    arn: z.string().max(2048).optional().describe('ARN of the identity STS reported.'),
    expiresAt: timestamp('When the current session expires, for temporary credentials.'),
    lastValidatedAt: timestamp('When STS GetCallerIdentity last succeeded.'),
    validatedVersion: z
      .string()
      .max(80)
      .optional()
      .describe(
        'A hash of the spec and of the versions of the Secrets and source credentials it was validated with (never their values). A restarted operator trusts a validation newer than its interval while this still matches.',
      ),
    organizationAccounts: z
      .array(OrganizationAccount)
      .max(1000)
      .optional()
      .describe('Member accounts found in the organization, when spec.organization is set.'),
    conditions: conditions(
      'Ready and Validated, with reasons such as SecretNotFound or AccessDenied.',
    ),
  })
  .describe('What the operator last observed about the credential.');

const SOURCE_REF = 'spec.aws.source.assumeRole.sourceCredentialRef';

export const CloudCredentialSchema = withRules(
  z
    .object({
      apiVersion: z.literal('pcm-ops.io/v1alpha1').describe('pcm-ops.io/v1alpha1'),
      kind: z.literal('CloudCredential').describe('CloudCredential'),
      metadata: ObjectMeta,
      spec: CloudCredentialSpec,
      status: CloudCredentialStatus.optional(),
    })
    .describe(
      'How to reach one AWS account (the source of its credentials and what STS says about them), or the hosts of one HostInventory over SSH.',
    ),
  [
    {
      // Only the root of a CRD's schema may read metadata.name.
      cel: `!has(self.spec.aws) || !has(self.spec.aws.source.assumeRole) || !has(self.${SOURCE_REF}) || self.${SOURCE_REF}.name != self.metadata.name`,
      message: `${SOURCE_REF.replace('spec.aws.source.', '')} must name another CloudCredential, not this one`,
      fieldPath: `.${SOURCE_REF}.name`,
      check: (c) => c.spec.aws?.source.assumeRole?.sourceCredentialRef?.name !== c.metadata.name,
    },
  ],
);

export type CloudCredential = z.output<typeof CloudCredentialSchema>;
export type CloudCredentialInput = z.input<typeof CloudCredentialSchema>;
export type CloudCredentialSpec = z.output<typeof CloudCredentialSpec>;
export type CloudCredentialStatus = z.output<typeof CloudCredentialStatus>;
