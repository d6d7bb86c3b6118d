import { z } from 'zod';

/** Operator settings, read once from the environment (flags map onto the same names). */
const ConfigSchema = z.object({
  KUBECONFIG: z.string().optional(),
  PCM_OPS_NAMESPACE: z
    .string()
    .optional()
    .describe('Watch only this namespace; all namespaces when unset.'),
  PCM_OPS_POD_NAMESPACE: z.string().default('default').describe('Namespace of the leader Lease.'),
  PCM_OPS_IDENTITY: z
    .string()
    .optional()
    .describe('Leader-election identity; defaults to host and pid.'),
  PCM_OPS_LEASE_NAME: z.string().default('pcm-ops-operator'),
  PCM_OPS_LEASE_DURATION_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(15)
    .describe('How long a standby waits, after it last saw the lease renewed, before it takes it.'),
  PCM_OPS_RENEW_DEADLINE_SECONDS: z.coerce
    .number()
    .min(0.2)
    .default(10)
    .describe(
      'A leader that has not renewed for this long stops acting and exits; shorter than the lease duration.',
    ),
  PCM_OPS_RETRY_PERIOD_SECONDS: z.coerce
    .number()
    .min(0.1)
    .default(2)
    .describe('How often the lease is renewed, and how often a standby tries to take it.'),
  PCM_OPS_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PCM_OPS_HTTP_HOST: z.string().default('0.0.0.0'),
  PCM_OPS_WORKERS: z.coerce.number().int().min(1).max(64).default(4),
  PCM_OPS_VALIDATION_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .default(300)
    .describe('How often a Ready credential is checked again with STS GetCallerIdentity.'),
  PCM_OPS_REFRESH_BEFORE_EXPIRY_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(300)
    .describe('Renew temporary sessions this long before they expire.'),
  PCM_OPS_MAX_CHAIN_DEPTH: z.coerce.number().int().min(1).max(10).default(5),
  PCM_OPS_POLL_MIN_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(1000)
    .describe('Poll interval for running commands right after something changed.'),
  PCM_OPS_POLL_MAX_MS: z.coerce
    .number()
    .int()
    .min(50)
    .default(5000)
    .describe('Longest poll interval while commands run and nothing changes.'),
  PCM_OPS_AWS_PARALLELISM: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(8)
    .describe('AWS calls one reconcile makes at once.'),
  PCM_OPS_AWS_ENDPOINT_URL: z
    .string()
    .url()
    .optional()
    .describe('Send every AWS call to this endpoint (an emulator or a VPC endpoint proxy).'),
  PCM_OPS_OUTPUT_BUCKET: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$/,
      'must be a bucket name of 3 to 63 letters, digits, dots, hyphens or underscores',
    )
    .optional()
    .describe(
      "S3 (or S3-compatible) bucket for full script output beyond what a provider keeps inline; read and written with the operator's own AWS identity. Unset: only the inline output.",
    ),
  PCM_OPS_OUTPUT_PREFIX: z
    .string()
    .max(400)
    .regex(/^(?!\/)[^\\]*$/, 'must not start with "/" nor hold a backslash')
    .default('pcm-ops')
    .describe(
      'Key prefix in the output bucket; each provider writes under <prefix>/<provider name>/.',
    ),
  PCM_OPS_OUTPUT_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-[0-9]+$/, 'must be an AWS region such as eu-west-1')
    .optional()
    .describe(
      "The output bucket's region; unset: us-east-1, following S3's redirect to the bucket's own.",
    ),
  PCM_OPS_OUTPUT_ENDPOINT_URL: z
    .string()
    .url()
    .optional()
    .describe(
      'Endpoint of an S3-compatible store for the output bucket (path-style requests); defaults to PCM_OPS_AWS_ENDPOINT_URL.',
    ),
  PCM_OPS_SSH_MAX_SESSIONS: z.coerce
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(64)
    .describe('SSH commands run at once across every host and credential (the global cap).'),
  PCM_OPS_SSH_SESSIONS_PER_HOST: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe(
      "SSH commands run at once on one host, over its one shared connection (under OpenSSH's MaxSessions, 10 by default).",
    ),
  PCM_OPS_SSH_IDLE_SECONDS: z.coerce
    .number()
    .min(0)
    .default(60)
    .describe('A shared SSH connection nobody used for this long is closed.'),
  PCM_OPS_AMBIENT_NAMESPACES: z
    .string()
    .optional()
    .describe(
      "Comma-separated namespaces whose CloudCredentials may use the operator's own AWS identity (ambient, or assumeRole without sourceCredentialRef); `*` allows all. Unset: only the operator's own namespace.",
    ),
  PCM_OPS_SEND_TIMEOUT_SECONDS: z.coerce
    .number()
    .min(1)
    .default(20)
    .describe(
      'Deadline of one SendCommand attempt; a send without an answer is looked up before it is made again.',
    ),
  PCM_OPS_SEND_SETTLE_SECONDS: z.coerce
    .number()
    .min(0)
    .default(5)
    .describe('A batch caught mid-send is looked up by its comment once it is this old.'),
  PCM_OPS_UNREACHABLE_GRACE_SECONDS: z.coerce
    .number()
    .min(0)
    .default(120)
    .describe(
      'A sent batch whose outcome cannot be read for this long (credential deleted, access withdrawn) ends as Unknown.',
    ),
  PCM_OPS_CANCEL_GRACE_SECONDS: z.coerce
    .number()
    .min(0)
    .default(60)
    .describe(
      'A deleted execution retries failing CancelCommands for this long, then goes anyway.',
    ),
  PCM_OPS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

const SettingRules = ConfigSchema.superRefine((config, context) => {
  for (const setting of ['PCM_OPS_OUTPUT_REGION', 'PCM_OPS_OUTPUT_ENDPOINT_URL'] as const)
    if (config[setting] !== undefined && config.PCM_OPS_OUTPUT_BUCKET === undefined)
      context.addIssue({
        code: 'custom',
        path: [setting],
        message: 'is set without PCM_OPS_OUTPUT_BUCKET, which names the bucket it is for',
      });
  if (config.PCM_OPS_RENEW_DEADLINE_SECONDS >= config.PCM_OPS_LEASE_DURATION_SECONDS)
    context.addIssue({
      code: 'custom',
      path: ['PCM_OPS_RENEW_DEADLINE_SECONDS'],
      message: `must be shorter than PCM_OPS_LEASE_DURATION_SECONDS (${config.PCM_OPS_LEASE_DURATION_SECONDS}), or two replicas could act at once`,
    });
  if (config.PCM_OPS_RETRY_PERIOD_SECONDS >= config.PCM_OPS_RENEW_DEADLINE_SECONDS)
    context.addIssue({
      code: 'custom',
      path: ['PCM_OPS_RETRY_PERIOD_SECONDS'],
      message: `must be shorter than PCM_OPS_RENEW_DEADLINE_SECONDS (${config.PCM_OPS_RENEW_DEADLINE_SECONDS}), or the lease is not renewed in time`,
    });
});

export type OperatorConfig = z.output<typeof ConfigSchema>;

/** The namespaces allowed the operator's own identity; undefined means every namespace. */
export function ambientNamespaces(config: OperatorConfig): ReadonlySet<string> | undefined {
  const listed = config.PCM_OPS_AMBIENT_NAMESPACES;
  if (listed === undefined) return new Set([config.PCM_OPS_POD_NAMESPACE]);
  const names = listed
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return names.includes('*') ? undefined : new Set(names);
}

/** Parses the environment; an invalid setting stops the operator with the setting named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const result = SettingRules.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`invalid operator configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
