import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hereDocDelimiter,
  powershellQuote,
  renderCommand,
  resolveParameters,
  scriptHash,
  type ParameterDeclaration,
  type ScriptSource,
} from './render.js';

const NASTY_VALUES: [string, string][] = [
  ['a single quote', "it's"],
  ['only quotes', "''''"],
  ['a double quote', 'say "hi"'],
  ['command substitution', '$(id)'],
  ['backticks', '`id`'],
  ['a command separator', '; rm -rf /'],
  ['a quote then a command', "'; echo pwned; '"],
  ['a newline', 'line one\nline two'],
  ['trailing newlines', 'end\n\n'],
  ['a backslash', 'C:\\temp\\n'],
  ['a variable', '$HOME ${HOME} $1 $@'],
  ['unicode', 'héllo – 日本語 🚀 ‘’'],
  ['glob characters', '* ? [a-z] ~'],
  ['a here-document delimiter', 'EOF\nPCM_OPS_END\n\')"'],
  ['the empty string', ''],
  ['a 4,000-character value', "x'$(y)`z`\n".repeat(400)],
];

function run(shell: string, text: string, input = '') {
  const result = spawnSync(shell, ['-c', text], { input, encoding: 'utf8' });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
}

function printScript(interpreter: ScriptSource['interpreter']): ScriptSource {
  return {
    interpreter,
    body: 'printf %s "$VALUE"',
    parameters: [{ name: 'VALUE', type: 'string' }],
  };
}

describe('renderCommand quoting, run through real shells', () => {
  it.each(NASTY_VALUES)('bash script gets %s exactly (run by sh)', (_, value) => {
    const { commandText } = renderCommand(printScript('bash'), { VALUE: value });
    expect(run('sh', commandText)).toMatchObject({ stdout: value, status: 0 });
  });

  it.each(NASTY_VALUES)('bash script gets %s exactly (run by bash)', (_, value) => {
    const { commandText } = renderCommand(printScript('bash'), { VALUE: value });
    expect(run('bash', commandText)).toMatchObject({ stdout: value, status: 0 });
  });

  it.each(NASTY_VALUES)('sh script gets %s exactly', (_, value) => {
    const { commandText } = renderCommand(printScript('sh'), { VALUE: value });
    expect(run('sh', commandText)).toMatchObject({ stdout: value, status: 0 });
  });
});

describe('renderCommand for bash', () => {
  const awkward = [
    'echo "running in ${BASH_VERSION:+bash}"',
    'arr=(one \'two three\'); echo "${#arr[@]}"',
    "case x in x) echo ')' ;; esac",
    "echo \"unbalanced ' quote\" 'and `tick`'",
    'cat <<EOF',
    'inner $((1 + 1))',
    'EOF',
    'exit 7',
  ].join('\n');

  it('runs the body under bash even when sh runs the file', () => {
    const result = run('sh', renderCommand({ interpreter: 'bash', body: awkward }, {}).commandText);
    expect(result.stdout).toBe("running in bash\n2\n)\nunbalanced ' quote and `tick`\ninner 2\n");
    expect(result.status).toBe(7);
  });

  it.each([
    ['', 'stdin empty\nafter\n'],
    ['from outside\n', 'read: from outside\nafter\n'],
  ])('leaves stdin (%j) to the script rather than feeding it the body', (input, output) => {
    const body =
      'if read -r line; then echo "read: $line"; else echo "stdin empty"; fi\necho after';
    const { commandText } = renderCommand({ interpreter: 'bash', body }, {});
    expect(run('sh', commandText, input).stdout).toBe(output);
  });

  it('keeps the body verbatim and the text readable', () => {
    const body = 'echo "$GREETING, world"';
    const { commandText, document } = renderCommand(
      { interpreter: 'bash', body, parameters: [{ name: 'GREETING' }] },
      { GREETING: 'hello' },
    );
    const delimiter = hereDocDelimiter(body);
    expect(document).toBe('AWS-RunShellScript');
    expect(commandText.split('\n')).toEqual([
      `# PCM-Ops bash script ${scriptHash('bash', body)}`,
      "export GREETING='hello'",
      expect.stringContaining('command -v bash'),
      `exec bash -c "$(cat <<'${delimiter}'`,
      body,
      delimiter,
      ')" pcm-ops-script',
    ]);
  });

  it('picks another delimiter when the body contains the usual one', () => {
    const usual = hereDocDelimiter('echo hi');
    const body = `echo hi\n${usual}`;
    const delimiter = hereDocDelimiter(body);
    expect(body.split('\n')).not.toContain(delimiter);
    expect(body.includes(delimiter)).toBe(false);
  });
});

describe('renderCommand for sh and powershell', () => {
  it('puts an sh body right after the exports, sorted by name', () => {
    const { commandText, document } = renderCommand(
      { interpreter: 'sh', body: 'echo "$A $B"' },
      { B: 'two', A: 'one' },
    );
    expect(document).toBe('AWS-RunShellScript');
    expect(commandText.split('\n').slice(1)).toEqual([
      "export A='one'",
      "export B='two'",
      'echo "$A $B"',
    ]);
  });

  it.each([
    ['plain', 'hello', "'hello'"],
    ['a single quote', "it's", "'it''s'"],
    ['typographic quotes', 'a‘b’c‚d‛e', "'a‘‘b’’c‚‚d‛‛e'"],
    ['a dollar and backtick', '$(Get-Process) `n $env:PATH', "'$(Get-Process) `n $env:PATH'"],
    ['a double quote', 'say "hi"', '\'say "hi"\''],
    ['a newline', 'a\nb', "'a\nb'"],
    ['the empty string', '', "''"],
  ])('quotes %s for PowerShell', (_, value, quoted) => {
    expect(powershellQuote(value)).toBe(quoted);
  });

  it('sets PowerShell parameters with $env: and keeps the body', () => {
    const body = 'Write-Output $env:NAME';
    const rendered = renderCommand(
      { interpreter: 'powershell', body },
      { NAME: "O'Brien" },
      {
        deliveryTimeoutSeconds: 600,
        executionTimeoutSeconds: 120,
        maxConcurrency: '10%',
        maxErrors: 0,
      },
    );
    expect(rendered).toEqual({
      document: 'AWS-RunPowerShellScript',
      commandText: [
        `# PCM-Ops powershell script ${scriptHash('powershell', body)}`,
        "$env:NAME = 'O''Brien'",
        body,
      ].join('\n'),
      deliveryTimeoutSeconds: 600,
      executionTimeoutSeconds: 120,
      maxConcurrency: '10%',
      maxErrors: '0',
    });
  });

  it('leaves unset options out of the command', () => {
    const rendered = renderCommand({ interpreter: 'sh', body: 'true' }, {});
    expect(Object.keys(rendered).sort()).toEqual(['commandText', 'document']);
  });

  it('refuses a parameter name that could break the text (a bug upstream)', () => {
    expect(() => renderCommand({ interpreter: 'sh', body: 'true' }, { 'X;id': 'v' })).toThrow(
      /invalid parameter name/,
    );
  });
});

describe('scriptHash', () => {
  it('is sha256 of the interpreter and body', () => {
    const hex = createHash('sha256').update('bash\necho hi').digest('hex');
    expect(scriptHash('bash', 'echo hi')).toBe(`sha256:${hex}`);
  });

  it('differs by interpreter', () => {
    expect(scriptHash('bash', 'echo hi')).not.toBe(scriptHash('sh', 'echo hi'));
  });
});

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
      { HOST: 'h', COUNT: '-12', DRY_RUN: 'false', MODE: 'fast', NOTE: '' },
      { TOKEN: "s3cr3t'$(x)" },
    );
    expect(result).toEqual({
      ok: true,
      value: {
        HOST: 'h',
        COUNT: '-12',
        DRY_RUN: 'false',
        MODE: 'fast',
        NOTE: '',
        TOKEN: "s3cr3t'$(x)",
      },
    });
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
