import { z } from 'zod';
import {
  AccountId,
  LocalObjectReference,
  MACHINE_ID_PATTERN,
  ObjectMeta,
  Region,
  RecordedProvider,
  Scope,
  Zone,
  conditions,
  objectName,
  timestamp,
} from './common.js';
import { countSet, exactlyOneCel, rejectDuplicateNames, withRules } from './rules.js';
import { PARAMETER_NAME_PATTERN, RateControl, ScriptSpec, Timeouts } from './script.js';

/** An execution's name is a label value on its batches, which holds 63 characters (as for a Job). */
export const EXECUTION_NAME_MAX = 63;
export const INSTANCE_ID_PATTERN = /^(i|mi)-[0-9a-f]{8,17}$/;
export const PHASES = [
  'Pending',
  'Resolving',
  'Suspended',
  'Running',
  'Succeeded',
  'PartiallySucceeded',
  'Failed',
  'Cancelled',
  'TimedOut',
] as const;
export type Phase = (typeof PHASES)[number];
export const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;
export const PLATFORMS = ['Linux', 'Windows'] as const;
/** Fields a person may still change once the execution has started. */
export const MUTABLE_AFTER_START = ['suspend', 'cancel', 'ttlSecondsAfterFinished'] as const;

const TagKey = z.string().min(1).max(128);

const Filters = z
  .object({
    states: z
      .array(z.enum(INSTANCE_STATES))
      .max(4)
      .optional()
      .describe('EC2 instance states to include. Defaults to running.'),
    platforms: z
      .array(z.enum(PLATFORMS))
      .max(2)
      .optional()
      .describe('Platforms to include: Linux, Windows.'),
  })
  .describe('Select instances by state and platform; combines with tags.');

const SELECTOR_MESSAGE =
  'set exactly one selector: ids (or instanceIds, their AWS spelling), or tags and/or filters';
const SELECTORS_CEL =
  '(has(self.ids) ? 1 : 0) + (has(self.instanceIds) ? 1 : 0) + ((has(self.tags) || has(self.filters)) ? 1 : 0) == 1';

const Target = withRules(
  z
    .object({
      name: z
        .string()
        .max(63)
        .optional()
        .describe('A label for this group of targets, shown in status.'),
      credentialRef: LocalObjectReference.describe('The CloudCredential that reaches the account.'),
      organizationAccounts: z
        .object({
          accountIds: z
            .array(AccountId)
            .max(1000)
            .optional()
            .describe('Member accounts to reach. Empty means all that the credential lists.'),
        })
        .optional()
        .describe(
          'Reach the member accounts of the credential’s organization (spec.organization) instead of its own account.',
        ),
      regions: z
        .array(Region)
        .max(32)
        .optional()
        .describe('Regions to search. Defaults to the credential’s defaultRegion.'),
      instanceIds: z
        .array(
          z.string().max(20).regex(INSTANCE_ID_PATTERN, {
            message: 'must be an instance id such as i-0123456789abcdef0',
          }),
        )
        .min(1)
        .max(5000)
        .optional()
        .describe(
          'Exact EC2 instance ids (or mi- managed node ids): the AWS spelling of ids, checked as AWS ids at admission.',
        ),
      ids: z
        .array(
          z.string().max(253).regex(MACHINE_ID_PATTERN, {
            message: 'must be a machine id: an instance id, or a host name of the inventory',
          }),
        )
        .min(1)
        .max(5000)
        .optional()
        .describe(
          'Exact machines, as the credential’s provider names them: EC2 instance ids for aws, host names of the HostInventory for ssh.',
        ),
      tags: withRules(
        z.record(TagKey, z.array(z.string().max(256)).min(1).max(25)).meta({
          description:
            'Machines carrying every one of these tag keys (AWS tags, host labels) with one of the listed values.',
          maxProperties: 10,
        }),
        [
          {
            cel: 'size(self) > 0',
            message: 'must name at least one tag key: an empty selector would match every instance',
            check: (tags) => Object.keys(tags).length > 0,
          },
        ],
      ).optional(),
      filters: Filters.optional(),
      onlineOnly: z
        .boolean()
        .default(true)
        .describe(
          'Keep only instances whose SSM agent is online; the rest are recorded as skipped.',
        ),
    })
    .describe(
      'Where to run: a credential, its regions where its provider has them, and one selector.',
    ),
  [
    {
      cel: SELECTORS_CEL,
      message: SELECTOR_MESSAGE,
      check: (t) =>
        Number(t.ids !== undefined) +
          Number(t.instanceIds !== undefined) +
          Number(t.tags !== undefined || t.filters !== undefined) ===
        1,
    },
  ],
);

const SecretParameter = z
  .object({
    name: z
      .string()
      .max(64)
      .regex(PARAMETER_NAME_PATTERN, { message: 'must be a parameter name' })
      .describe('Name of the script parameter.'),
    secretKeyRef: z
      .object({
        name: objectName('Name of the Secret, in the execution’s namespace.'),
        key: z.string().min(1).max(253).describe('Key in the Secret.'),
      })
      .describe('The Secret key that holds the value.'),
  })
  .describe('A parameter value read from a Secret, for sensitive parameters.');

const ExecutionTimeouts = Timeouts.extend({
  activeDeadlineSeconds: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      'Seconds the whole execution may take from its start; then it is cancelled and TimedOut.',
    ),
}).describe('Time limits for each target and for the whole execution.');

const SCRIPT_SOURCES = ['scriptRef', 'script'] as const;

export const ScriptExecutionSpec = withRules(
  z
    .object({
      scriptRef: LocalObjectReference.optional().describe(
        'The Script to run, in the same namespace.',
      ),
      script: ScriptSpec.optional().describe('An inline script, for one-off runs.'),
      parameters: z
        .record(z.string(), z.string().max(4096))
        .meta({
          description:
            'Values for the script’s parameters, by name. An empty value stands for no value where the parameter has no default, and for the empty value where it has one.',
          maxProperties: 50,
        })
        .optional(),
      secretParameters: z
        .array(SecretParameter)
        .max(50)
        .superRefine(rejectDuplicateNames)
        .meta({
          description:
            'Values for sensitive parameters, read from Secrets. A value read counts as given, even an empty one.',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        })
        .optional(),
      targets: z
        .array(Target)
        .min(1, { message: 'must list at least one target' })
        .max(100)
        .describe('Where to run. One execution may span many accounts and regions.'),
      rateControl: RateControl.optional(),
      timeouts: ExecutionTimeouts.optional(),
      suspend: z
        .boolean()
        .default(false)
        .describe(
          'Resolve and show the targets but send nothing until set to false (review gate). Set after the start, it pauses the run: commands in flight go on, no new batch starts until it is false again.',
        ),
      cancel: z
        .boolean()
        .default(false)
        .describe('Cancel the commands in flight and start no more.'),
      ttlSecondsAfterFinished: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Delete the execution this many seconds after it finishes.'),
      changeRef: z
        .string()
        .max(128)
        .regex(/^[\w.:/#-]+$/, { message: 'must be letters, digits and ._:/#- only' })
        .optional()
        .describe('A change ticket this run belongs to, for example CHG0012345.'),
    })
    .describe('One run of a script on a set of targets.'),
  [
    {
      cel: exactlyOneCel(SCRIPT_SOURCES),
      message: 'set exactly one of scriptRef or script',
      check: (s) => countSet(s, SCRIPT_SOURCES) === 1,
    },
    {
      cel: "!has(self.parameters) || self.parameters.all(k, k.matches('^[A-Za-z_][A-Za-z0-9_]{0,63}$'))",
      message: 'parameter names must start with a letter or _ and hold only letters, digits and _',
      fieldPath: '.parameters',
      check: (s) => Object.keys(s.parameters ?? {}).every((k) => PARAMETER_NAME_PATTERN.test(k)),
    },
    {
      cel: '!has(self.parameters) || !has(self.secretParameters) || self.secretParameters.all(p, !(p.name in self.parameters))',
      message: 'a parameter may be given in parameters or in secretParameters, not both',
      fieldPath: '.secretParameters',
      check: (s) => (s.secretParameters ?? []).every((p) => !(p.name in (s.parameters ?? {}))),
    },
  ],
);

const Counts = z
  .object({
    total: z.number().int().describe('Targets after resolution, skipped ones included.'),
    skipped: z
      .number()
      .int()
      .optional()
      .describe('Targets left out (offline, wrong platform, not found).'),
    pending: z.number().int().optional().describe('Targets not yet started.'),
    inProgress: z.number().int().optional().describe('Targets running now.'),
    succeeded: z.number().int().optional().describe('Targets that exited 0.'),
    failed: z
      .number()
      .int()
      .optional()
      .describe('Targets that failed, undeliverable and terminated included.'),
    timedOut: z
      .number()
      .int()
      .optional()
      .describe('Targets whose delivery or execution timed out.'),
    cancelled: z.number().int().optional().describe('Targets cancelled before finishing.'),
  })
  .describe('How many targets are in each state.');

export const LOCATION_STATES = ['Resolving', 'Resolved', 'Failed', 'Cancelled'] as const;
export type LocationState = (typeof LOCATION_STATES)[number];

const AccountRegionRow = z
  .object({
    target: z.string().max(63).optional().describe('Name (or index) of the spec.targets entry.'),
    targetIndex: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('Position of the spec.targets entry this row resolves.'),
    credential: z.string().max(253).describe('The CloudCredential used.'),
    provider: RecordedProvider,
    accountId: Scope,
    region: Zone,
    state: z
      .enum(LOCATION_STATES)
      .optional()
      .describe(
        'Resolving until the targets of this account and region are found and planned; then Resolved, or Failed when they could not be found, or Cancelled when the run ended first.',
      ),
    total: z.number().int().describe('Targets in this account and region.'),
    batches: z
      .number()
      .int()
      .optional()
      .describe('Batches planned here so far (all of them once Resolved).'),
    cursor: z
      .string()
      .max(1024)
      .optional()
      .describe(
        'While Resolving: where the next page of instances starts, so a restarted operator carries on from the pages already planned.',
      ),
    skipped: z
      .number()
      .int()
      .optional()
      .describe('Instances selected here but left out (offline, not running, wrong platform).'),
    succeeded: z.number().int().optional().describe('Of which succeeded.'),
    failed: z.number().int().optional().describe('Of which failed or timed out.'),
    reason: z
      .string()
      .max(128)
      .optional()
      .describe(
        'Why this account and region is not going as planned, in CamelCase (Throttled, AccessDenied, InvalidInstanceId, …); absent when all is well.',
      ),
    message: z.string().max(1024).optional().describe('The problem in words, naming the call.'),
    commandIds: z
      .array(z.string().max(64))
      .max(400)
      .optional()
      .describe('SSM command ids sent to this account and region.'),
  })
  .describe(
    'Progress in one account and region of one target. The list is fixed when resolving starts.',
  );

const FailedTarget = z
  .object({
    instanceId: z.string().max(253).describe('The machine.'),
    accountId: Scope,
    region: Zone,
    status: z
      .string()
      .max(64)
      .describe('The provider’s status detail, for example Execution Timed Out.'),
    exitCode: z.number().int().optional().describe('The script’s exit code, when it ran.'),
  })
  .describe('A target that did not succeed.');

const ResolvedSecret = z
  .object({
    parameter: z.string().max(64).describe('The parameter the Secret key gives.'),
    name: z.string().max(253).describe('The Secret.'),
    key: z.string().max(253).describe('The key in the Secret.'),
    uid: z.string().max(64).describe('The Secret’s uid when the run was resolved.'),
    resourceVersion: z
      .string()
      .max(64)
      .describe(
        'The Secret’s resourceVersion when the run was resolved; a later batch is sent only while it is unchanged.',
      ),
  })
  .describe(
    'Where a sensitive parameter’s value is read from, and which version of it was resolved.',
  );

const Resolution = z
  .object({
    startedAt: timestamp('When resolving started; from then on the spec is immutable.'),
    script: ScriptSpec.describe(
      'The script this run sends, copied when resolving started, so edits to (or the deletion of) the Script change nothing for it.',
    ),
    scriptRef: z
      .object({
        name: z.string().max(253).describe('The Script.'),
        uid: z.string().max(64).optional().describe('Its uid.'),
        generation: z.number().int().optional().describe('Its .metadata.generation.'),
      })
      .optional()
      .describe('The Script the copy was taken from, when spec.scriptRef names one.'),
    secrets: z
      .array(ResolvedSecret)
      .max(50)
      .optional()
      .describe('The Secrets sensitive parameters are read from. Values are never stored.'),
  })
  .describe(
    'What the run was resolved to when it left Pending: it keeps using this, whatever happens to the Script.',
  );

export const ScriptExecutionStatus = z
  .object({
    observedGeneration: z
      .number()
      .int()
      .optional()
      .describe('The .metadata.generation the status was computed for.'),
    phase: z.enum(PHASES).optional().describe('Where the execution is in its life.'),
    progress: z.string().max(32).optional().describe('Finished targets over all targets, as N/M.'),
    counts: Counts.optional(),
    startTime: timestamp('When the run started sending commands.'),
    completionTime: timestamp('When the execution finished.'),
    scriptHash: z
      .string()
      .max(80)
      .optional()
      .describe('sha256 of the interpreter and body that ran.'),
    message: z.string().max(4096).optional().describe('A human-readable summary of the state.'),
    accounts: z
      .array(AccountRegionRow)
      .max(2000)
      .optional()
      .describe('Progress per account and region.'),
    failedSample: z
      .array(FailedTarget)
      .max(20)
      .optional()
      .describe('Up to 20 targets that did not succeed; the full list lives in the child objects.'),
    reason: z
      .string()
      .max(128)
      .optional()
      .describe(
        'Why the execution is in its phase, or what holds it, in CamelCase (Started, CredentialNotReady, Paused, MaxErrorsExceeded, …).',
      ),
    resolution: Resolution.optional(),
    skippedSample: z
      .array(
        z
          .object({
            instanceId: z.string().max(253).describe('The machine.'),
            accountId: Scope,
            region: Zone,
            reason: z
              .string()
              .max(32)
              .describe('NotFound, NotRunning, Offline or PlatformMismatch.'),
          })
          .describe('A target left out.'),
      )
      .max(20)
      .optional()
      .describe('Up to 20 targets left out at resolution, and why.'),
    truncatedOutputs: z
      .number()
      .int()
      .optional()
      .describe(
        'Targets whose output SSM truncated (stdout past 24,000 or stderr past 8,000 characters).',
      ),
    conditions: conditions(
      'Complete, Failed, Suspended, TargetsResolved, CredentialsReady, Ready, Reconciling and Stalled.',
    ),
  })
  .describe('What the operator last observed about the execution.');

/**
 * CEL for "optional field `key` of the spec did not change". Written with has() rather than the
 * optional `.?` syntax, whose cost the API server estimates as far beyond its budget.
 */
function unchangedCel(key: string): string {
  return `(has(self.spec.${key}) ? has(oldSelf.spec.${key}) && self.spec.${key} == oldSelf.spec.${key} : !has(oldSelf.spec.${key}))`;
}

const immutableFields = Object.keys(ScriptExecutionSpec.shape).filter(
  (key) => !(MUTABLE_AFTER_START as readonly string[]).includes(key),
);

export const ScriptExecutionSchema = withRules(
  z
    .object({
      apiVersion: z.literal('pcm-ops.io/v1alpha1').describe('pcm-ops.io/v1alpha1'),
      kind: z.literal('ScriptExecution').describe('ScriptExecution'),
      metadata: ObjectMeta.extend({
        name: z
          .string()
          .max(EXECUTION_NAME_MAX, {
            message: `must be at most ${EXECUTION_NAME_MAX} characters: it labels the execution’s batches`,
          })
          .optional(),
      }),
      spec: ScriptExecutionSpec,
      status: ScriptExecutionStatus.optional(),
    })
    .describe(
      'One run of a script over machines (EC2 instances, SSH hosts) in any number of accounts, regions and inventories.',
    ),
  [
    {
      cel: `!has(oldSelf.status) || !has(oldSelf.status.phase) || oldSelf.status.phase == 'Pending' || (${immutableFields
        .map(unchangedCel)
        .join(' && ')})`,
      message: `spec is immutable once the operator has started resolving the targets (status.phase is past Pending); only ${MUTABLE_AFTER_START.join(', ')} may change`,
      fieldPath: '.spec',
    },
  ],
);

export type ScriptExecution = z.output<typeof ScriptExecutionSchema>;
export type ScriptExecutionInput = z.input<typeof ScriptExecutionSchema>;
export type ScriptExecutionSpec = z.output<typeof ScriptExecutionSpec>;
export type ScriptExecutionStatus = z.output<typeof ScriptExecutionStatus>;
export type ExecutionTarget = z.output<typeof Target>;
