import { describe, expect, it } from 'vitest';
import {
  countsAsGiven,
  parameterProblems,
  resolveParameters,
  type ParameterDeclaration,
} from './parameters.js';

describe('resolveParameters', () => {
  const parameters: ParameterDeclaration[] = [
    { name: 'HOST', type: 'string', required: true, pattern: '[a-z0-9.-]+' },
    { name: 'COUNT', type: 'int', default: '3' },
    { name: 'DRY_RUN', type: 'bool', default: 'true' },
    { name: 'MODE', type: 'enum', values: ['fast', 'safe'], default: 'safe' },
    { name: 'NOTE', type: 'string' },
    { name: 'TOKEN', type: 'string', sensitive: true },
  ];
  const script = { parameters };

  it('applies defaults and leaves optional parameters without a value unset', () => {
    expect(resolveParameters(script, { HOST: 'db-1.example' }, {})).toEqual({
      ok: true,
      value: { HOST: 'db-1.example', COUNT: '3', DRY_RUN: 'true', MODE: 'safe' },
    });
  });

  it('takes given values over defaults and sensitive values from secrets', () => {
    const result = resolveParameters(
      script,
      { HOST: 'h', COUNT: '-12', DRY_RUN: 'false', MODE: 'fast', NOTE: 'n' },
      { TOKEN: "s3cr3t'$(x)" },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        HOST: 'h',
        COUNT: '-12',
        DRY_RUN: 'false',
        MODE: 'fast',
        NOTE: 'n',
        TOKEN: "s3cr3t'$(x)",
      },
    });
  });

  it('reads an empty value as not given where there is no default to replace', () => {
    expect(resolveParameters(script, { HOST: 'h', NOTE: '' }, {})).toEqual({
      ok: true,
      value: { HOST: 'h', COUNT: '3', DRY_RUN: 'true', MODE: 'safe' },
    });
    expect(resolveParameters(script, { HOST: '' }, {})).toEqual({
      ok: false,
      errors: [{ field: 'spec.parameters.HOST', message: 'parameter HOST is required' }],
    });
  });

  it('reads an empty value as an explicit empty value where it replaces a default', () => {
    const withDefault = { parameters: [{ name: 'SUFFIX', default: '-prod', required: true }] };
    expect(resolveParameters(withDefault, { SUFFIX: '' }, {})).toEqual({
      ok: true,
      value: { SUFFIX: '' },
    });
  });

  it('takes a value read from a Secret as given, even when empty', () => {
    const secretOnly = { parameters: [{ name: 'TOKEN', required: true, sensitive: true }] };
    expect(resolveParameters(secretOnly, {}, { TOKEN: '' })).toEqual({
      ok: true,
      value: { TOKEN: '' },
    });
  });

  it('ignores an empty value given in the clear for a sensitive parameter', () => {
    expect(resolveParameters(script, { HOST: 'h', TOKEN: '' }, {}).ok).toBe(true);
  });

  it('treats type string as the default type', () => {
    expect(resolveParameters({ parameters: [{ name: 'X' }] }, { X: 'any thing' }, {})).toEqual({
      ok: true,
      value: { X: 'any thing' },
    });
  });

  it.each<
    [string, Record<string, string>, Record<string, string>, { field: string; message: string }]
  >([
    [
      'a missing required value',
      {},
      {},
      { field: 'spec.parameters.HOST', message: 'parameter HOST is required' },
    ],
    [
      'an unknown name',
      { HOST: 'h', NOPE: '1' },
      {},
      { field: 'spec.parameters.NOPE', message: 'unknown parameter' },
    ],
    [
      'an unknown secret',
      { HOST: 'h' },
      { NOPE: '1' },
      { field: 'spec.secretParameters', message: 'unknown parameter NOPE' },
    ],
    [
      'a non-integer',
      { HOST: 'h', COUNT: '1.5' },
      {},
      { field: 'spec.parameters.COUNT', message: 'must be a whole number' },
    ],
    [
      'an integer with spaces',
      { HOST: 'h', COUNT: ' 1' },
      {},
      { field: 'spec.parameters.COUNT', message: 'must be a whole number' },
    ],
    [
      'an empty integer',
      { HOST: 'h', COUNT: '' },
      {},
      { field: 'spec.parameters.COUNT', message: 'must be a whole number' },
    ],
    [
      'a bool written as yes',
      { HOST: 'h', DRY_RUN: 'yes' },
      {},
      { field: 'spec.parameters.DRY_RUN', message: 'must be true or false' },
    ],
    [
      'a bool in capitals',
      { HOST: 'h', DRY_RUN: 'True' },
      {},
      { field: 'spec.parameters.DRY_RUN', message: 'must be true or false' },
    ],
    [
      'an enum outside its values',
      { HOST: 'h', MODE: 'slow' },
      {},
      { field: 'spec.parameters.MODE', message: 'must be one of: fast, safe' },
    ],
    [
      'a partial pattern match',
      { HOST: 'db 1; id' },
      {},
      { field: 'spec.parameters.HOST', message: 'must match the pattern [a-z0-9.-]+' },
    ],
    [
      'a pattern match that needs the whole value',
      { HOST: 'UPPER' },
      {},
      { field: 'spec.parameters.HOST', message: 'must match the pattern [a-z0-9.-]+' },
    ],
    [
      'a NUL character',
      { HOST: 'h', NOTE: 'a\0b' },
      {},
      { field: 'spec.parameters.NOTE', message: 'must not contain a NUL character' },
    ],
    [
      'a sensitive value given in the clear',
      { HOST: 'h', TOKEN: 't' },
      {},
      {
        field: 'spec.parameters.TOKEN',
        message: 'parameter TOKEN is sensitive: give it in spec.secretParameters',
      },
    ],
  ])('rejects %s, naming the field', (_, given, secrets, error) => {
    expect(resolveParameters(script, given, secrets)).toEqual({ ok: false, errors: [error] });
  });

  it('names spec.secretParameters for a bad value read from a Secret', () => {
    expect(resolveParameters(script, { HOST: 'h' }, { COUNT: 'many' })).toEqual({
      ok: false,
      errors: [{ field: 'spec.secretParameters', message: 'must be a whole number' }],
    });
  });

  it('asks for a required sensitive parameter in spec.secretParameters', () => {
    const secretOnly = { parameters: [{ name: 'TOKEN', required: true, sensitive: true }] };
    expect(resolveParameters(secretOnly, {}, {})).toEqual({
      ok: false,
      errors: [
        {
          field: 'spec.secretParameters',
          message: 'parameter TOKEN is required and sensitive: give it in spec.secretParameters',
        },
      ],
    });
  });

  it('never quotes a rejected value, which may be a secret', () => {
    const result = resolveParameters(script, { HOST: 'h' }, { MODE: 'hunter2' });
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });

  it('reports every problem at once', () => {
    const result = resolveParameters(script, { COUNT: 'x', EXTRA: '1', TOKEN: 't' }, {});
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual([
      'spec.parameters.EXTRA',
      'spec.parameters.TOKEN',
      'spec.parameters.HOST',
      'spec.parameters.COUNT',
    ]);
  });

  it.each([
    ['[0-9]{3}', '123', true],
    ['[0-9]{3}', '1234', false],
    ['a|b', 'a', true],
    ['a|b', 'ab', false],
    ['(?:prod|stage)-[a-z]+', 'prod-web', true],
    ['\\d+\\.\\d+', '1.25', true],
    ['\\w+', 'é', false],
    // RE2 syntax, as the API server's CEL reads it at admission, not JavaScript's.
    ['(?i)web', 'WEB', true],
    ['(?P<env>prod|stage)', 'stage', true],
    ['web\\z', 'web', true],
  ])('matches pattern %s against %s in full: %s', (pattern, value, ok) => {
    const result = resolveParameters({ parameters: [{ name: 'P', pattern }] }, { P: value }, {});
    expect(result.ok).toBe(ok);
  });

  it('reports a pattern RE2 cannot compile (a lookahead) as the script’s fault', () => {
    const result = resolveParameters(
      { parameters: [{ name: 'P', pattern: '(?=a)a' }] },
      { P: 'a' },
      {},
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'spec.parameters.P',
          message: "the script's pattern (?=a)a is not a valid regular expression",
        },
      ],
    });
  });
});

describe('countsAsGiven', () => {
  it.each<[ParameterDeclaration, string, boolean]>([
    [{ name: 'A' }, 'x', true],
    [{ name: 'A' }, '', false],
    [{ name: 'A', required: true }, '', false],
    [{ name: 'A', default: 'd' }, '', true],
    [{ name: 'A', default: '' }, '', true],
  ])('%j given %j: %s', (declaration, value, given) => {
    expect(countsAsGiven(declaration, value)).toBe(given);
  });
});

describe('parameterProblems', () => {
  const parameters: ParameterDeclaration[] = [
    { name: 'COUNT', type: 'int' },
    { name: 'TOKEN', type: 'int', required: true, sensitive: true },
  ];

  it('takes a Secret whose value is not known here as given, without checking the value', () => {
    expect(parameterProblems(parameters, {}, { TOKEN: null })).toEqual([]);
  });

  it('still finds what needs no value: missing, unknown and misplaced parameters', () => {
    expect(parameterProblems(parameters, { COUNT: 'x', TOKEN: '1' }, { NOPE: null })).toEqual([
      {
        parameter: 'TOKEN',
        field: 'spec.parameters.TOKEN',
        message: 'parameter TOKEN is sensitive: give it in spec.secretParameters',
      },
      { parameter: 'NOPE', field: 'spec.secretParameters', message: 'unknown parameter NOPE' },
      { parameter: 'COUNT', field: 'spec.parameters.COUNT', message: 'must be a whole number' },
      {
        parameter: 'TOKEN',
        field: 'spec.secretParameters',
        message: 'parameter TOKEN is required and sensitive: give it in spec.secretParameters',
      },
    ]);
  });

  it('checks a value read from a Secret like any other', () => {
    expect(parameterProblems(parameters, {}, { TOKEN: 'many' })).toEqual([
      { parameter: 'TOKEN', field: 'spec.secretParameters', message: 'must be a whole number' },
    ]);
  });
});
