import { describe, expect, it } from 'vitest';
import {
  EMPTY_PARAMETER,
  EMPTY_SCRIPT_FORM,
  parameterSummary,
  planScript,
  scriptToForm,
  type ParameterRow,
  type ScriptForm,
} from './script-form.js';

const form: ScriptForm = {
  ...EMPTY_SCRIPT_FORM,
  name: 'patch-check',
  namespace: 'ops',
  description: 'Lists pending updates',
  body: 'yum check-update --security\n',
  linux: true,
  parameters: [
    { ...EMPTY_PARAMETER, name: 'SEVERITY', type: 'enum', values: 'low, high', default: 'high' },
    { ...EMPTY_PARAMETER, name: 'TOKEN', sensitive: true, required: true },
  ],
  executionSeconds: '600',
  maxConcurrency: '10%',
};

describe('planScript', () => {
  it('turns the form and its parameter rows into a Script', () => {
    const { script, errors } = planScript(form);
    expect(errors).toEqual({});
    expect(script).toEqual({
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'Script',
      metadata: { name: 'patch-check', namespace: 'ops' },
      spec: {
        interpreter: 'bash',
        body: 'yum check-update --security\n',
        description: 'Lists pending updates',
        platforms: ['Linux'],
        parameters: [
          { name: 'SEVERITY', type: 'enum', default: 'high', values: ['low', 'high'] },
          { name: 'TOKEN', type: 'string', required: true, sensitive: true },
        ],
        timeouts: { executionSeconds: 600 },
        rateControl: { maxConcurrency: '10%' },
      },
    });
  });

  it.each<[string, Partial<ScriptForm>, string, RegExp]>([
    ['an empty body', { body: '' }, 'body', /spec\.body: must not be empty/],
    ['a bad name', { name: 'Patch Check' }, 'name', /metadata\.name/],
    [
      'a Windows-only bash script',
      { linux: false, windows: true },
      'platforms',
      /platforms must include Linux/,
    ],
    ['a zero timeout', { executionSeconds: '0' }, 'executionSeconds', /executionSeconds/],
    ['a rate that is not a number', { maxErrors: 'many' }, 'maxErrors', /maxErrors/],
  ])('refuses %s with an error on the field', (_, change, field, message) => {
    const { script, errors } = planScript({ ...form, ...change });
    expect(script).toBeUndefined();
    expect(errors[field]).toMatch(message);
  });

  it.each<[string, Partial<ParameterRow>, string, RegExp]>([
    ['a reserved name', { name: 'PATH' }, 'name', /name must not be a variable the shell/],
    ['a name with a dash', { name: 'MY-VAR' }, 'name', /parameters\[0\]\.name: must start/],
    ['an enum without values', { type: 'enum' }, 'values', /values is required when type is enum/],
    ['a non-integer int default', { type: 'int', default: 'x' }, 'default', /whole number/],
    ['a sensitive default', { sensitive: true, default: 'x' }, 'default', /sensitive parameter/],
  ])('refuses a parameter with %s on that row', (_, change, field, message) => {
    const { errors } = planScript({
      ...form,
      parameters: [{ ...EMPTY_PARAMETER, name: 'A', ...change }],
    });
    expect(errors[`parameters.0.${field}`]).toMatch(message);
  });

  it('refuses two parameters of the same name', () => {
    const row = { ...EMPTY_PARAMETER, name: 'A' };
    const { errors } = planScript({ ...form, parameters: [row, row] });
    expect(Object.values(errors).join(' ')).toMatch(/parameters\[1\]/);
  });
});

describe('stored scripts', () => {
  it('round-trip through the form unchanged', () => {
    const { script } = planScript(form);
    const parsed = { ...script!, spec: { ...script!.spec } } as Parameters<typeof scriptToForm>[0];
    parsed.spec.parameters = parsed.spec.parameters!.map((p) => ({
      ...p,
      required: p.required ?? false,
      sensitive: p.sensitive ?? false,
    }));
    expect(planScript(scriptToForm(parsed)).script).toEqual(script);
  });

  it('summarise their parameters for the library', () => {
    const { script } = planScript(form);
    const parsed = { ...script!, spec: { ...script!.spec } } as Parameters<typeof scriptToForm>[0];
    parsed.spec.parameters = [
      { name: 'SEVERITY', type: 'enum', required: false, sensitive: false, values: ['a'] },
      { name: 'TOKEN', type: 'string', required: true, sensitive: true },
    ];
    expect(parameterSummary(parsed)).toBe('SEVERITY: enum?, TOKEN: string (sensitive)');
  });
});
