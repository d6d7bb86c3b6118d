// One table of parameter values, run through both places that judge them: the operator's
// prepare step (the Script from its cache, the Secrets read, the refusal it writes to status) and
// the console's new-execution form (the form state, the errors shown next to the inputs). Both
// must accept the same cases and refuse the others with the same messages on the same fields.
import type {
  Script,
  ScriptExecution,
  ScriptExecutionInput,
  ParameterDeclaration,
} from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import {
  buildExecution,
  emptyForm,
  type FormContext,
  type FormError,
} from '../../console/app/lib/executions/execution-form.js';
import { prepare } from '../../operator/src/reconcilers/execution/prepare.js';
import type { ExecutionDeps } from '../../operator/src/reconcilers/execution/deps.js';

const NAMESPACE = 'ops';
const SCRIPT = 'maintenance';

const DECLARATIONS: ParameterDeclaration[] = [
  { name: 'HOST', type: 'string', required: true, pattern: '[a-z0-9.-]+' },
  { name: 'COUNT', type: 'int', default: '3' },
  { name: 'DRY_RUN', type: 'bool', default: 'true' },
  { name: 'MODE', type: 'enum', values: ['fast', 'safe'], default: 'safe' },
  { name: 'NOTE', type: 'string' },
  { name: 'SUFFIX', type: 'string', required: true, default: '-blue' },
  { name: 'TOKEN', type: 'string', required: true, sensitive: true },
  { name: 'PIN', type: 'int', sensitive: true },
  // RE2 refuses lookarounds: a Script stored before that was checked would still carry it
  { name: 'LEGACY', type: 'string', pattern: '(?=a)a' },
];

/** The values as spec.parameters and spec.secretParameters (Secret values by parameter) hold them. */
interface Given {
  parameters: Record<string, string>;
  secrets: Record<string, string>;
}

type Case = [name: string, given: Given, expected: 'accepted' | string[]];

const TOKEN = { TOKEN: 's3cr3t' };
const ok = (
  parameters: Record<string, string>,
  secrets: Record<string, string> = TOKEN,
): Given => ({
  parameters: { HOST: 'db-1', ...parameters },
  secrets,
});

const CASES: Case[] = [
  ['the required values only', ok({}), 'accepted'],
  ['every value given', ok({ COUNT: '-2', DRY_RUN: 'false', MODE: 'fast', NOTE: 'n' }), 'accepted'],
  [
    'a required value missing',
    { parameters: {}, secrets: TOKEN },
    ['spec.parameters.HOST: parameter HOST is required'],
  ],
  [
    'a required value without a default given empty',
    { parameters: { HOST: '' }, secrets: TOKEN },
    ['spec.parameters.HOST: parameter HOST is required'],
  ],
  ['an optional value without a default given empty', ok({ NOTE: '' }), 'accepted'],
  ['a required value with a default given empty (replaces it)', ok({ SUFFIX: '' }), 'accepted'],
  [
    'an int with a default given empty',
    ok({ COUNT: '' }),
    ['spec.parameters.COUNT: must be a whole number'],
  ],
  [
    'a bool with a default given empty',
    ok({ DRY_RUN: '' }),
    ['spec.parameters.DRY_RUN: must be true or false'],
  ],
  [
    'an enum with a default given empty',
    ok({ MODE: '' }),
    ['spec.parameters.MODE: must be one of: fast, safe'],
  ],
  [
    'a NUL character',
    ok({ NOTE: 'a\0b' }),
    ['spec.parameters.NOTE: must not contain a NUL character'],
  ],
  [
    'an int that is not whole',
    ok({ COUNT: '1.5' }),
    ['spec.parameters.COUNT: must be a whole number'],
  ],
  [
    'a bool written yes',
    ok({ DRY_RUN: 'yes' }),
    ['spec.parameters.DRY_RUN: must be true or false'],
  ],
  [
    'an enum outside its values',
    ok({ MODE: 'slow' }),
    ['spec.parameters.MODE: must be one of: fast, safe'],
  ],
  [
    'a value that does not match the pattern in full',
    ok({ HOST: 'db 1; id' }),
    ['spec.parameters.HOST: must match the pattern [a-z0-9.-]+'],
  ],
  [
    'a value for a pattern RE2 cannot compile',
    ok({ LEGACY: 'a' }),
    ["spec.parameters.LEGACY: the script's pattern (?=a)a is not a valid regular expression"],
  ],
  ['an unknown parameter', ok({ NOPE: '1' }), ['spec.parameters.NOPE: unknown parameter']],
  [
    'an unknown parameter given empty',
    ok({ NOPE: '' }),
    ['spec.parameters.NOPE: unknown parameter'],
  ],
  [
    'a sensitive value given in the clear',
    ok({ PIN: '1234' }),
    ['spec.parameters.PIN: parameter PIN is sensitive: give it in spec.secretParameters'],
  ],
  ['a sensitive parameter given empty in the clear', ok({ PIN: '' }), 'accepted'],
  [
    'a required sensitive parameter missing',
    ok({}, {}),
    [
      'spec.secretParameters: parameter TOKEN is required and sensitive: give it in spec.secretParameters',
    ],
  ],
  ['an optional sensitive parameter from a Secret', ok({}, { ...TOKEN, PIN: '1234' }), 'accepted'],
  ['a plain parameter from a Secret', ok({}, { ...TOKEN, NOTE: 'from a Secret' }), 'accepted'],
  [
    'a Secret for an unknown parameter',
    ok({}, { ...TOKEN, NOPE: 'x' }),
    ['spec.secretParameters: unknown parameter NOPE'],
  ],
  [
    'several problems at once',
    { parameters: { COUNT: 'x', EXTRA: '1', TOKEN: 't' }, secrets: {} },
    [
      'spec.parameters.EXTRA: unknown parameter',
      'spec.parameters.TOKEN: parameter TOKEN is sensitive: give it in spec.secretParameters',
      'spec.parameters.HOST: parameter HOST is required',
      'spec.parameters.COUNT: must be a whole number',
      'spec.secretParameters: parameter TOKEN is required and sensitive: give it in spec.secretParameters',
    ],
  ],
];

// ---------------------------------------------------------------------------------------------
// the operator: prepare() with the Script in its cache and the Secrets in the API

const secretName = (parameter: string): string => `param-${parameter.toLowerCase()}`;

function script(): Script {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'Script',
    metadata: { name: SCRIPT, namespace: NAMESPACE, uid: 'script-uid', generation: 1 },
    spec: { interpreter: 'bash', body: 'true', parameters: DECLARATIONS },
  } as unknown as Script;
}

function execution(given: Given): ScriptExecution {
  const secretParameters = Object.keys(given.secrets).map((name) => ({
    name,
    secretKeyRef: { name: secretName(name), key: 'value' },
  }));
  const spec: ScriptExecutionInput['spec'] = {
    scriptRef: { name: SCRIPT },
    targets: [{ credentialRef: { name: 'acct' }, tags: { Role: ['web'] } }],
    ...(Object.keys(given.parameters).length ? { parameters: given.parameters } : {}),
    ...(secretParameters.length ? { secretParameters } : {}),
  };
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ScriptExecution',
    metadata: { name: 'run', namespace: NAMESPACE },
    spec,
  } as ScriptExecution;
}

function deps(secrets: Record<string, string>): ExecutionDeps {
  const stored = new Map(
    Object.entries(secrets).map(([parameter, value]) => [
      secretName(parameter),
      {
        metadata: { name: secretName(parameter), uid: `uid-${parameter}`, resourceVersion: '1' },
        data: { value: Buffer.from(value, 'utf8').toString('base64') },
      },
    ]),
  );
  return {
    lookups: { script: () => script(), credential: () => undefined },
    secrets: { get: async (_namespace: string, name: string) => stored.get(name) },
    now: () => new Date('2026-01-01T00:00:00Z'),
  } as unknown as ExecutionDeps;
}

interface Answer {
  accepted: boolean;
  errors: string[];
}

/** What the operator writes: InvalidParameters, with `field: message` joined by `; `. */
async function operatorAnswer(given: Given): Promise<Answer & { values?: Record<string, string> }> {
  const prepared = await prepare(execution(given), deps(given.secrets));
  if (prepared.ok) return { accepted: true, errors: [], values: prepared.value.values };
  expect(prepared.reason).toBe('InvalidParameters');
  return { accepted: false, errors: prepared.message.split('; ') };
}

// ---------------------------------------------------------------------------------------------
// the console: the form holding the same values, Secrets named by name and key only

const CONTEXT: FormContext = {
  namespace: NAMESPACE,
  credentials: [
    {
      name: 'acct',
      accountId: '111100000000',
      ready: true,
      reason: '',
      defaultRegion: 'eu-west-1',
      regions: ['eu-west-1'],
    },
  ],
  scripts: [{ name: SCRIPT, interpreter: 'bash', parameters: DECLARATIONS }],
};

function formOf(given: Given): ReturnType<typeof emptyForm> {
  const secretParameters = Object.fromEntries(
    Object.keys(given.secrets).map((name) => [name, { name: secretName(name), key: 'value' }]),
  );
  return {
    ...emptyForm(),
    scriptName: SCRIPT,
    parameters: { ...given.parameters },
    secretParameters,
    credentials: ['acct'],
    tags: 'Role=web',
  };
}

/** The form field an error about an API path shows on. */
function expectedField(error: FormError, parameterNamed: string | undefined): string {
  const plain = /^spec\.parameters\.([A-Za-z0-9_]+)$/.exec(error.path);
  return `parameters.${plain?.[1] ?? parameterNamed}`;
}

function consoleAnswer(given: Given): Answer & { manifest?: ScriptExecution } {
  const built = buildExecution(formOf(given), CONTEXT, false);
  for (const error of built.errors) {
    // a Secret error names its parameter in the message or, for a bad value, in the form key
    const named = /parameter ([A-Za-z0-9_]+)/.exec(error.message)?.[1];
    expect(error.field).toBe(expectedField(error, named));
  }
  return {
    accepted: built.ok,
    errors: built.errors.map((e) => `${e.path}: ${e.message}`),
    ...(built.ok ? { manifest: built.manifest } : {}),
  };
}

describe('parameters: the operator and the console give the same answer', () => {
  it.each(CASES)('%s', async (_, given, expected) => {
    const operator = await operatorAnswer(given);
    const console = consoleAnswer(given);
    expect({ accepted: console.accepted, errors: console.errors }).toEqual({
      accepted: operator.accepted,
      errors: operator.errors,
    });
    expect(operator.errors).toEqual(expected === 'accepted' ? [] : expected);
  });

  it.each(CASES.filter(([, , expected]) => expected === 'accepted'))(
    '%s: what the console sends runs with the values the operator resolves from the table',
    async (_, given) => {
      const sent = consoleAnswer(given).manifest!;
      const asSent: Given = {
        parameters: sent.spec.parameters ?? {},
        secrets: Object.fromEntries(
          (sent.spec.secretParameters ?? []).map((p) => [p.name, given.secrets[p.name] ?? '']),
        ),
      };
      expect((await operatorAnswer(asSent)).values).toEqual((await operatorAnswer(given)).values);
    },
  );
});

describe('parameters: what only the operator can check', () => {
  // The console knows of a Secret only its name and key: a value inside it is judged at run time.
  it.each<[string, Record<string, string>, string]>([
    [
      'a Secret value of the wrong type',
      { ...TOKEN, PIN: 'four' },
      'spec.secretParameters: must be a whole number',
    ],
    [
      'a Secret value with a NUL character',
      { TOKEN: 'a\0b' },
      'spec.secretParameters: must not contain a NUL character',
    ],
  ])('%s', async (_, secrets, message) => {
    expect(consoleAnswer(ok({}, secrets))).toMatchObject({ accepted: true, errors: [] });
    expect(await operatorAnswer(ok({}, secrets))).toMatchObject({
      accepted: false,
      errors: [message],
    });
  });
});
