import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SSM_DOCUMENT } from '@pcm-ops/crds';
import {
  hereDocDelimiter,
  powershellQuote,
  renderCommand,
  scriptHash,
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
    const { commandText, interpreter } = renderCommand(
      { interpreter: 'bash', body, parameters: [{ name: 'GREETING' }] },
      { GREETING: 'hello' },
    );
    const delimiter = hereDocDelimiter(body);
    expect(SSM_DOCUMENT[interpreter]).toBe('AWS-RunShellScript');
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
    const { commandText, interpreter } = renderCommand(
      { interpreter: 'sh', body: 'echo "$A $B"' },
      { B: 'two', A: 'one' },
    );
    expect(SSM_DOCUMENT[interpreter]).toBe('AWS-RunShellScript');
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
    expect(SSM_DOCUMENT[rendered.interpreter]).toBe('AWS-RunPowerShellScript');
    expect(rendered).toEqual({
      interpreter: 'powershell',
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
    expect(Object.keys(rendered).sort()).toEqual(['commandText', 'interpreter']);
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
