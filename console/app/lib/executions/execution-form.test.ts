import type { ScriptExecution } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import {
  apiErrors,
  buildExecution,
  emptyForm,
  formFromExecution,
  initialForm,
  parameterDefaults,
  withPostedScript,
  withScript,
  type ExecutionForm,
  type FormContext,
} from './execution-form.js';
import type { CredentialChoice } from './targets.js';

const A = '111100000000';
const B = '222200000000';
const I1 = 'i-0123456789abcdef0';
const I2 = 'i-00000000000000aa1';
const I3 = 'i-00000000000000bb2';

const credential = (name: string, accountId: string, ready = true): CredentialChoice => ({
  name,
  accountId,
  ready,
  reason: ready ? '' : 'not Ready: AccessDenied',
  defaultRegion: 'eu-west-1',
  regions: ['eu-west-1'],
});

const context: FormContext = {
  namespace: 'ops',
  credentials: [
    credential('acct-a', A),
    credential('acct-b', B),
    credential('broken', '333300000000', false),
  ],
  scripts: [
    {
      name: 'patch-check',
      interpreter: 'bash',
      parameters: [
        { name: 'RETRIES', type: 'int', required: true },
        { name: 'MODE', type: 'enum', values: ['check', 'apply'], default: 'check' },
        { name: 'TICKET', type: 'string', pattern: 'CHG[0-9]+' },
        { name: 'TOKEN', type: 'string', sensitive: true },
      ],
    },
  ],
};

const form = (changes: Partial<ExecutionForm>): ExecutionForm => ({
  ...emptyForm(),
  scriptName: 'patch-check',
  parameters: { RETRIES: '3' },
  credentials: ['acct-a', 'acct-b'],
  regions: 'eu-west-1, us-east-1',
  tags: 'Role=web,db\nEnvironment=prod',
  ...changes,
});

describe('buildExecution', () => {
  it('makes a manifest over tagged instances in every chosen account, with limits and a change reference', () => {
    const built = buildExecution(
      form({
        changeRef: 'CHG0012345',
        maxConcurrency: '10%',
        maxErrors: '2',
        deliverySeconds: '600',
        platforms: ['Linux'],
      }),
      context,
      true,
    );
    expect(built.errors).toEqual([]);
    expect(built.manifest?.metadata).toEqual({ generateName: 'patch-check-', namespace: 'ops' });
    expect(built.manifest?.spec).toMatchObject({
      scriptRef: { name: 'patch-check' },
      parameters: { RETRIES: '3' },
      suspend: true,
      changeRef: 'CHG0012345',
      rateControl: { maxConcurrency: '10%', maxErrors: 2 },
      timeouts: { deliverySeconds: 600 },
    });
    expect(built.manifest?.spec.targets).toEqual(
      ['acct-a', 'acct-b'].map((name) => ({
        credentialRef: { name },
        regions: ['eu-west-1', 'us-east-1'],
        tags: { Role: ['web', 'db'], Environment: ['prod'] },
        filters: { platforms: ['Linux'] },
        onlineOnly: true,
      })),
    );
  });

  it.each([
    [{ parameters: { RETRIES: 'three' } }, 'parameters.RETRIES', 'must be a whole number'],
    [{ parameters: {} }, 'parameters.RETRIES', 'parameter RETRIES is required'],
    [
      { parameters: { RETRIES: '1', MODE: 'yolo' } },
      'parameters.MODE',
      'must be one of: check, apply',
    ],
    [
      { parameters: { RETRIES: '1', TICKET: 'INC1' } },
      'parameters.TICKET',
      'must match the pattern CHG[0-9]+',
    ],
    [
      { secretParameters: { TOKEN: { name: 'vault', key: '' } } },
      'parameters.TOKEN',
      'give both the Secret name and the key',
    ],
    [
      { maxConcurrency: '0' },
      'maxConcurrency',
      'must be a whole number of at least 1 or a percentage from 1% to 100%, such as 10%',
    ],
    [{ deliverySeconds: '5' }, 'deliverySeconds', 'Too small: expected number to be >=30'],
    [{ changeRef: 'CHG 1' }, 'changeRef', 'must be letters, digits and ._:/#- only'],
    [{ tags: 'Role' }, 'tags', 'tag 1 "Role" must read Key=value or Key=value1,value2'],
    [{ credentials: [] }, 'credentials', 'choose at least one credential'],
    [
      { regions: 'europe' },
      'regions',
      'Invalid string: must match pattern /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$/',
    ],
    [{ scriptName: '' }, 'script', 'choose a script'],
  ])('refuses %j with an error on the field %s', (changes, field, message) => {
    const built = buildExecution(form(changes), context, false);
    expect(built.ok).toBe(false);
    expect(built.errors.filter((e) => e.field === field).map((e) => e.message)).toContain(message);
  });

  it('turns CSV lines into one target per account and region, through the credential of each account', () => {
    const csv = `account,region,instanceId\n${A},eu-west-1,${I1}\n${B},us-east-1,${I2}\n${A},eu-west-1,${I3}`;
    const built = buildExecution(form({ targetMode: 'csv', csv }), context, false);
    expect(built.errors).toEqual([]);
    expect(built.manifest?.spec.targets).toEqual([
      {
        credentialRef: { name: 'acct-a' },
        regions: ['eu-west-1'],
        instanceIds: [I1, I3],
        onlineOnly: true,
      },
      {
        credentialRef: { name: 'acct-b' },
        regions: ['us-east-1'],
        instanceIds: [I2],
        onlineOnly: true,
      },
    ]);
  });

  it.each([
    [
      `${A},eu-west-1,${I1}\n${A},eu-west-9x,${I2}`,
      'line 2, column 2: region is "eu-west-9x"; expected an AWS region code such as eu-west-1',
    ],
    [
      `999900000000,eu-west-1,${I1}`,
      'line 1, column 1: no CloudCredential in namespace ops has status.accountId 999900000000; create one for that account or fix the line',
    ],
    [
      `333300000000,eu-west-1,${I1}`,
      'line 1, column 1: account 333300000000 is reached by CloudCredential broken, which is not Ready: AccessDenied',
    ],
    ['', 'paste or upload at least one line: account,region,instanceId'],
  ])('refuses the CSV %j, naming the line and column', (csv, message) => {
    const built = buildExecution(form({ targetMode: 'csv', csv }), context, false);
    expect(built.errors).toEqual([{ field: 'csv', path: 'csv', message }]);
  });

  it('runs an inline script on instance ids through one credential', () => {
    const built = buildExecution(
      form({
        scriptSource: 'inline',
        body: 'uptime',
        targetMode: 'ids',
        credentials: ['acct-a'],
        instanceIds: `${I1}\n${I2}`,
        name: 'one-off',
      }),
      context,
      false,
    );
    expect(built.errors).toEqual([]);
    expect(built.manifest?.metadata).toEqual({ name: 'one-off', namespace: 'ops' });
    expect(built.manifest?.spec.script).toMatchObject({ interpreter: 'bash', body: 'uptime' });
    expect(built.manifest?.spec.targets[0]?.instanceIds).toEqual([I1, I2]);
  });
});

describe('formFromExecution', () => {
  const execution = (spec: Partial<ScriptExecution['spec']>): ScriptExecution =>
    ({
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'ScriptExecution',
      metadata: { name: 'old', namespace: 'ops' },
      spec: { suspend: false, cancel: false, targets: [], ...spec },
    }) as ScriptExecution;

  it('round-trips a tag-selected execution through the form', () => {
    const built = buildExecution(
      form({ changeRef: 'CHG1', maxErrors: '5%', executionSeconds: '120' }),
      context,
      false,
    );
    const again = buildExecution(
      formFromExecution(built.manifest!, context.credentials),
      context,
      false,
    );
    expect(again.manifest?.spec).toEqual(built.manifest?.spec);
  });

  it('shows instance-id targets in several accounts as CSV lines', () => {
    const cloned = formFromExecution(
      execution({
        scriptRef: { name: 'patch-check' },
        targets: [
          {
            credentialRef: { name: 'acct-a' },
            regions: ['eu-west-1'],
            instanceIds: [I1],
            onlineOnly: true,
          },
          {
            credentialRef: { name: 'acct-b' },
            regions: ['us-east-1'],
            instanceIds: [I2],
            onlineOnly: true,
          },
        ],
      }),
      context.credentials,
    );
    expect(cloned.targetMode).toBe('csv');
    expect(cloned.csv).toBe(
      `account,region,instanceId\n${A},eu-west-1,${I1}\n${B},us-east-1,${I2}`,
    );
  });

  it('keeps targets no form mode can show as they were', () => {
    const targets = [
      { credentialRef: { name: 'acct-a' }, tags: { Role: ['web'] }, onlineOnly: true },
      { credentialRef: { name: 'acct-b' }, tags: { Role: ['db'] }, onlineOnly: false },
    ];
    const cloned = formFromExecution(
      execution({ script: { interpreter: 'sh', body: 'id' }, targets }),
      context.credentials,
    );
    expect(cloned).toMatchObject({
      targetMode: 'cloned',
      clonedTargets: targets,
      scriptSource: 'inline',
      interpreter: 'sh',
    });
    expect(buildExecution(cloned, context, false).manifest?.spec.targets).toEqual(targets);
  });
});

describe('parameter inputs', () => {
  const script = context.scripts[0]!;

  it('start with each default, never one for a sensitive parameter', () => {
    expect(parameterDefaults(script)).toEqual({ MODE: 'check' });
    expect(
      withScript(form({ parameters: { OLD: 'x' } }), 'patch-check', context.scripts),
    ).toMatchObject({
      scriptName: 'patch-check',
      parameters: { MODE: 'check' },
    });
    expect(initialForm({ scriptName: 'patch-check', ...context }).parameters).toEqual({
      MODE: 'check',
    });
    expect(initialForm({ scriptName: null, ...context })).toEqual(emptyForm());
  });

  it('after "Show parameters" without JavaScript, keep what was posted for the chosen script only', () => {
    const posted = form({ scriptName: 'patch-check', parameters: { OLD: 'x', RETRIES: '5' } });
    expect(withPostedScript(posted, context.scripts).parameters).toEqual({
      MODE: 'check',
      RETRIES: '5',
    });
    const cleared = form({ scriptName: 'patch-check', parameters: { MODE: '' } });
    expect(withPostedScript(cleared, context.scripts).parameters).toEqual({ MODE: '' });
  });

  it('send a cleared default as an explicit empty value, and leave out an empty one without', () => {
    const built = buildExecution(
      form({ parameters: { RETRIES: '3', TICKET: '', MODE: '' } }),
      context,
      false,
    );
    expect(built.errors).toEqual([
      {
        field: 'parameters.MODE',
        path: 'spec.parameters.MODE',
        message: 'must be one of: check, apply',
      },
    ]);
    const kept = buildExecution(
      form({ parameters: { RETRIES: '3', TICKET: '' } }),
      {
        ...context,
        scripts: [
          { ...script, parameters: [...script.parameters, { name: 'SUFFIX', default: '-x' }] },
        ],
      },
      false,
    );
    expect(kept.manifest?.spec.parameters).toEqual({ RETRIES: '3' });
    const cleared = buildExecution(
      form({ parameters: { RETRIES: '3', SUFFIX: '' } }),
      {
        ...context,
        scripts: [
          { ...script, parameters: [...script.parameters, { name: 'SUFFIX', default: '-x' }] },
        ],
      },
      false,
    );
    expect(cleared.manifest?.spec.parameters).toEqual({ RETRIES: '3', SUFFIX: '' });
  });

  it('ask for the Secret of a required sensitive parameter, and for both its name and key', () => {
    const secretScript = {
      ...script,
      parameters: [{ name: 'TOKEN', type: 'string' as const, required: true, sensitive: true }],
    };
    const withSecret = { ...context, scripts: [secretScript] };
    expect(buildExecution(form({ parameters: {} }), withSecret, false).errors).toEqual([
      {
        field: 'parameters.TOKEN',
        path: 'spec.secretParameters',
        message: 'parameter TOKEN is required and sensitive: give it in spec.secretParameters',
      },
    ]);
    const half = form({ parameters: {}, secretParameters: { TOKEN: { name: 'vault', key: '' } } });
    expect(buildExecution(half, withSecret, false).errors).toEqual([
      {
        field: 'parameters.TOKEN',
        path: 'spec.secretParameters',
        message: 'give both the Secret name and the key',
      },
    ]);
    const full = form({
      parameters: {},
      secretParameters: { TOKEN: { name: 'vault', key: 'token' } },
    });
    expect(buildExecution(full, withSecret, false).manifest?.spec.secretParameters).toEqual([
      { name: 'TOKEN', secretKeyRef: { name: 'vault', key: 'token' } },
    ]);
  });

  it('of a clone hold its values, and the default of each parameter it left to the default', () => {
    const execution = {
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'ScriptExecution',
      metadata: { name: 'old', namespace: 'ops' },
      spec: {
        scriptRef: { name: 'patch-check' },
        parameters: { RETRIES: '2', TICKET: '' },
        secretParameters: [{ name: 'TOKEN', secretKeyRef: { name: 'vault', key: 'token' } }],
        suspend: false,
        cancel: false,
        targets: [],
      },
    } as unknown as ScriptExecution;
    const cloned = initialForm({ source: execution, ...context });
    expect(cloned.parameters).toEqual({ MODE: 'check', RETRIES: '2', TICKET: '' });
    expect(cloned.secretParameters).toEqual({ TOKEN: { name: 'vault', key: 'token' } });
    // without the scripts (the old call) the clone holds only what its spec gives
    expect(formFromExecution(execution, context.credentials).parameters).toEqual({
      RETRIES: '2',
      TICKET: '',
    });
  });
});

describe('apiErrors', () => {
  it('puts each cause of a 422 next to the field it names', () => {
    const body = {
      message: 'ScriptExecution.pcm-ops.io "x" is invalid',
      details: {
        causes: [
          { field: 'spec.targets[1].instanceIds[0]', message: 'must be an instance id' },
          { field: 'metadata.name', message: 'a lowercase RFC 1123 subdomain' },
        ],
      },
    };
    expect(apiErrors(body, 'csv').map((e) => [e.field, e.path])).toEqual([
      ['csv', 'spec.targets[1].instanceIds[0]'],
      ['name', 'metadata.name'],
    ]);
    expect(apiErrors({ message: 'forbidden' }, 'tags')).toEqual([
      { field: 'form', path: '', message: 'forbidden' },
    ]);
  });
});

describe('targets over SSH hosts', () => {
  const lab: CredentialChoice = {
    name: 'lab-ops',
    provider: 'ssh',
    accountId: 'lab',
    ready: true,
    reason: '',
    defaultRegion: '',
    regions: [],
  };
  const context: FormContext = {
    namespace: 'ops',
    provider: 'ssh',
    credentials: [lab],
    scripts: [],
  };
  const form = (changes: Partial<ExecutionForm>): ExecutionForm => ({
    ...emptyForm(),
    scriptSource: 'inline',
    body: 'uptime',
    credentials: ['lab-ops'],
    ...changes,
  });

  it('selects hosts by label, without regions or filters', () => {
    const built = buildExecution(form({ tags: 'role=web\nzone=a,b' }), context, false);
    expect(built.ok && built.manifest.spec.targets).toEqual([
      {
        credentialRef: { name: 'lab-ops' },
        tags: { role: ['web'], zone: ['a', 'b'] },
        onlineOnly: true,
      },
    ]);
  });

  it('names hosts in ids, not in the AWS instanceIds', () => {
    const built = buildExecution(
      form({ targetMode: 'ids', instanceIds: 'web-01, web-02' }),
      context,
      false,
    );
    expect(built.ok && built.manifest.spec.targets).toEqual([
      { credentialRef: { name: 'lab-ops' }, ids: ['web-01', 'web-02'], onlineOnly: true },
    ]);
  });

  it.each([
    [{ tags: '' }, 'tags', 'give at least one label (key=value)'],
    [{ targetMode: 'ids' as const, instanceIds: '' }, 'instanceIds', 'give at least one host name'],
    [
      { targetMode: 'ids' as const, instanceIds: 'web-01 Web_02' },
      'instanceIds',
      '"Web_02" is not a host name: lowercase letters, digits, - and . (63 at most)',
    ],
    [
      { targetMode: 'ids' as const, credentials: [], instanceIds: 'web-01' },
      'credentials',
      'choose the one credential that reaches these hosts',
    ],
  ])('refuses %j at the field %s, in the words of hosts', (changes, field, message) => {
    const built = buildExecution(form(changes), context, false);
    expect(built.ok).toBe(false);
    expect(built.errors).toContainEqual(expect.objectContaining({ field, message }));
  });

  it('clones an execution over named hosts back into the ids mode', () => {
    const built = buildExecution(
      form({ targetMode: 'ids', instanceIds: 'web-01' }),
      context,
      false,
    );
    const cloned = formFromExecution(built.manifest!, [lab]);
    expect(cloned).toMatchObject({
      targetMode: 'ids',
      instanceIds: 'web-01',
      credentials: ['lab-ops'],
    });
  });
});
