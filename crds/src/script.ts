import { z } from 'zod';
import { ObjectMeta, conditions, countOrPercent } from './common.js';
import { matchesInFull, patternError } from './patterns.js';
import { rejectDuplicateNames, withRules } from './rules.js';

export const INTERPRETERS = ['bash', 'sh', 'powershell'] as const;
export type Interpreter = (typeof INTERPRETERS)[number];
export const PARAMETER_TYPES = ['string', 'int', 'bool', 'enum'] as const;
export const PARAMETER_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** SendCommand accepts about 100 KB of parameters; leave room for the wrapper around the body. */
export const SCRIPT_BODY_MAX = 65536;
/** SSM's own bounds for TimeoutSeconds (delivery) and the documents' executionTimeout. */
export const DELIVERY_TIMEOUT = { min: 30, max: 2_592_000 } as const;
export const EXECUTION_TIMEOUT = { min: 1, max: 172_800 } as const;

/** Which SSM document runs a script for each interpreter. */
export const SSM_DOCUMENT: Record<Interpreter, string> = {
  bash: 'AWS-RunShellScript',
  sh: 'AWS-RunShellScript',
  powershell: 'AWS-RunPowerShellScript',
};

/**
 * Parameters reach scripts as environment variables. These names would let whoever runs a
 * Script change how the shell or the dynamic loader behaves instead of passing data.
 */
export const RESERVED_NAMES = [
  'BASH_ENV',
  'ENV',
  'PATH',
  'IFS',
  'HOME',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
] as const;

const Parameter = withRules(
  z
    .object({
      name: z
        .string()
        .max(64)
        .regex(PARAMETER_NAME_PATTERN, {
          message: 'must start with a letter or _ and hold only letters, digits and _ (64 at most)',
        })
        .describe('Name of the parameter, as the script reads it from its environment.'),
      type: z
        .enum(PARAMETER_TYPES)
        .default('string')
        .describe('Type of the value: string, int, bool or enum.'),
      description: z.string().max(1024).optional().describe('What the parameter is for.'),
      required: z
        .boolean()
        .default(false)
        .describe(
          'An execution must give a value when there is no default; an empty value counts as none.',
        ),
      // The API server bounds each CEL rule's estimated cost; matching a default against its
      // pattern costs about their lengths' product, for each of 50 parameters: hence 1024 and 256.
      default: z
        .string()
        .max(1024)
        .optional()
        .describe(
          'Value used when an execution gives none. An empty value given replaces it, and is checked like any value.',
        ),
      pattern: withRules(z.string().max(256), [
        {
          // matches() fails on a pattern RE2 cannot compile, and the API server reports the
          // failure on this field; the message then is RE2's, not this one.
          cel: "self == '' || ''.matches(self) || !''.matches(self)",
          message: 'must be a valid RE2 regular expression',
          check: (p) => patternError(p) === undefined,
        },
      ])
        .optional()
        .describe('RE2 regular expression a string value must match in full.'),
      values: z
        .array(z.string().max(256))
        .max(100)
        .optional()
        .describe('Allowed values, for type enum.'),
      sensitive: z
        .boolean()
        .default(false)
        .describe(
          'The value is a secret: executions take it from a Secret, and it is never shown in status or the console.',
        ),
    })
    .describe('A parameter the script takes.'),
  [
    {
      cel: `!(self.name in [${RESERVED_NAMES.map((n) => `'${n}'`).join(', ')}])`,
      message: `name must not be a variable the shell or loader acts on (${RESERVED_NAMES.join(', ')})`,
      fieldPath: '.name',
      check: (p) => !(RESERVED_NAMES as readonly string[]).includes(p.name),
    },
    {
      cel: "self.type != 'enum' || (has(self.values) && size(self.values) > 0)",
      message: 'values is required when type is enum',
      fieldPath: '.values',
      check: (p) => p.type !== 'enum' || (p.values?.length ?? 0) > 0,
    },
    {
      cel: "!has(self.values) || self.type == 'enum'",
      message: 'values is allowed only when type is enum',
      fieldPath: '.values',
      check: (p) => p.values === undefined || p.type === 'enum',
    },
    {
      cel: "!has(self.pattern) || self.type == 'string'",
      message: 'pattern is allowed only when type is string',
      fieldPath: '.pattern',
      check: (p) => p.pattern === undefined || p.type === 'string',
    },
    {
      cel: "!has(self.default) || self.type != 'int' || self.default.matches('^-?[0-9]+$')",
      message: 'default must be a whole number when type is int',
      fieldPath: '.default',
      check: (p) => p.default === undefined || p.type !== 'int' || /^-?[0-9]+$/.test(p.default),
    },
    {
      cel: "!has(self.default) || self.type != 'bool' || self.default in ['true', 'false']",
      message: 'default must be true or false when type is bool',
      fieldPath: '.default',
      check: (p) =>
        p.default === undefined || p.type !== 'bool' || ['true', 'false'].includes(p.default),
    },
    {
      cel: "!has(self.default) || self.type != 'enum' || !has(self.values) || self.default in self.values",
      message: 'default must be one of values',
      fieldPath: '.default',
      check: (p) =>
        p.default === undefined ||
        p.type !== 'enum' ||
        p.values === undefined ||
        p.values.includes(p.default),
    },
    {
      cel: "!has(self.default) || !has(self.pattern) || self.default.matches('^(?:' + self.pattern + ')$')",
      message: 'default must match the parameter’s own pattern',
      fieldPath: '.default',
      check: (p) =>
        p.default === undefined ||
        p.pattern === undefined ||
        matchesInFull(p.pattern, p.default) !== false,
    },
    {
      cel: '!has(self.default) || !self.sensitive',
      message: 'a sensitive parameter cannot have a default: its value would be stored in clear',
      fieldPath: '.default',
      check: (p) => p.default === undefined || !p.sensitive,
    },
  ],
);

export const Timeouts = z
  .object({
    deliverySeconds: z
      .number()
      .int()
      .min(DELIVERY_TIMEOUT.min)
      .max(DELIVERY_TIMEOUT.max)
      .optional()
      .describe(
        'Seconds an instance may take to start the command (SSM TimeoutSeconds); past it the target is Delivery Timed Out.',
      ),
    executionSeconds: z
      .number()
      .int()
      .min(EXECUTION_TIMEOUT.min)
      .max(EXECUTION_TIMEOUT.max)
      .optional()
      .describe(
        'Seconds the script may run on an instance; past it the target is Execution Timed Out.',
      ),
  })
  .describe('Time limits for each target.');

export const RateControl = z
  .object({
    maxConcurrency: countOrPercent(
      'Most targets running at once across the whole execution, as a number or a percentage of the targets.',
      1,
    ).optional(),
    maxErrors: countOrPercent(
      'Errors after which no new targets are started, as a number or a percentage of the targets. Targets already running finish.',
      0,
    ).optional(),
  })
  .describe('How fast the script spreads over its targets, and when it stops.');

/** Everything that defines a script; also the shape of an execution's inline script. */
export const ScriptDefinition = z.object({
  interpreter: z
    .enum(INTERPRETERS)
    .default('bash')
    .describe('bash or sh run with AWS-RunShellScript; powershell with AWS-RunPowerShellScript.'),
  body: z
    .string()
    .max(SCRIPT_BODY_MAX)
    .regex(/\S/, { message: 'must not be empty or only whitespace' })
    .describe('The script text. Parameters reach it as environment variables of the same name.'),
  description: z.string().max(4096).optional().describe('What the script does, for reviewers.'),
  platforms: z
    .array(z.enum(['Linux', 'Windows']))
    .max(2)
    .optional()
    .describe('Platforms the script supports; instances of other platforms are skipped.'),
  parameters: z
    .array(Parameter)
    .max(50)
    .superRefine(rejectDuplicateNames)
    .meta({
      description: 'Parameters the script takes.',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    })
    .optional(),
  timeouts: Timeouts.optional(),
  rateControl: RateControl.optional().describe(
    'Default rate control for executions of this script.',
  ),
});

export const ScriptSpec = withRules(ScriptDefinition.describe('A reusable, reviewed script.'), [
  {
    cel: "self.interpreter == 'powershell' || !has(self.platforms) || 'Linux' in self.platforms",
    message:
      'platforms must include Linux when interpreter is bash or sh: AWS-RunShellScript does not run on Windows',
    fieldPath: '.platforms',
    check: (s) =>
      s.interpreter === 'powershell' || s.platforms === undefined || s.platforms.includes('Linux'),
  },
]);

export const ScriptStatus = z
  .object({
    observedGeneration: z
      .number()
      .int()
      .optional()
      .describe('The .metadata.generation the status was computed for.'),
    hash: z
      .string()
      .max(80)
      .optional()
      .describe('sha256 of the interpreter and body, recorded by executions that ran it.'),
    conditions: conditions('Ready, with a reason when the script cannot be used.'),
  })
  .describe('What the operator last observed about the script.');

export const ScriptSchema = z
  .object({
    apiVersion: z.literal('pcm-ops.io/v1alpha1').describe('pcm-ops.io/v1alpha1'),
    kind: z.literal('Script').describe('Script'),
    metadata: ObjectMeta,
    spec: ScriptSpec,
    status: ScriptStatus.optional(),
  })
  .describe('A reusable, reviewed, parameterized script.');

export type Script = z.output<typeof ScriptSchema>;
export type ScriptInput = z.input<typeof ScriptSchema>;
export type ScriptSpec = z.output<typeof ScriptSpec>;
export type ScriptParameter = z.output<typeof Parameter>;
