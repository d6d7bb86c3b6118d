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
  PCM_OPS_LEASE_DURATION_SECONDS: z.coerce.number().int().min(2).default(15),
  PCM_OPS_RENEW_DEADLINE_SECONDS: z.coerce.number().int().min(1).default(10),
  PCM_OPS_RETRY_PERIOD_SECONDS: z.coerce.number().min(0.2).default(2),
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
  PCM_OPS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type OperatorConfig = z.output<typeof ConfigSchema>;

/** Parses the environment; an invalid setting stops the operator with the setting named. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): OperatorConfig {
  const result = ConfigSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new Error(`invalid operator configuration: ${problems.join('; ')}`);
  }
  return result.data;
}
