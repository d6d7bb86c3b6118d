/**
 * Turns a Script and an execution's parameter values into the command text a provider runs. Pure: no
 * I/O, so every quoting rule is tested by running the text through a real shell. The values are
 * checked before, by `resolveParameters` of the API package, the rule the console checks with.
 */
import { createHash } from 'node:crypto';
import { PARAMETER_NAME_PATTERN, type Interpreter, type ParameterDeclaration } from '@pcm-ops/crds';
import type { RenderedCommand } from './provider.js';

/** What rendering needs of a Script (or of an execution's inline script). */
export interface ScriptSource {
  interpreter: Interpreter;
  body: string;
  parameters?: readonly ParameterDeclaration[];
}

export interface RenderOptions {
  deliveryTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  /** As the user wrote it: a number or a percentage such as "10%". */
  maxConcurrency?: number | string;
  maxErrors?: number | string;
}

/** `sha256:<hex>` of the interpreter and body: what status records as the script that ran. */
export function scriptHash(interpreter: Interpreter, body: string): string {
  return `sha256:${sha256(`${interpreter}\n${body}`)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** POSIX single quotes keep everything literal; a quote itself is closed, escaped, reopened. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * PowerShell single-quoted strings are literal; a quote is written twice. PowerShell also takes
 * the typographic quotes ‘ ’ ‚ ‛ as single quotes, so they are doubled too.
 */
export function powershellQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/gu, (quote) => quote + quote)}'`;
}

function assignment(interpreter: Interpreter, name: string, value: string): string {
  // Names reach the text unquoted; the API already restricts them, this guards against a bug.
  if (!PARAMETER_NAME_PATTERN.test(name)) throw new Error(`invalid parameter name ${name}`);
  return interpreter === 'powershell'
    ? `$env:${name} = ${powershellQuote(value)}`
    : `export ${name}=${shellQuote(value)}`;
}

/** A here-document delimiter no line of the body contains, stable for a given body. */
export function hereDocDelimiter(body: string): string {
  const base = `PCM_OPS_END_${sha256(body).slice(0, 16)}`;
  let delimiter = base;
  for (let attempt = 1; body.includes(delimiter); attempt += 1) delimiter = `${base}_${attempt}`;
  return delimiter;
}

/**
 * AWS-RunShellScript runs its commands with /bin/sh, which is dash on Debian and Ubuntu. A bash
 * body is therefore handed to bash as the text of `bash -c`, read from a quoted here-document (no
 * expansion inside it). Unlike piping the body into bash's stdin, this leaves the script's stdin
 * alone, so a `read` or a command reading stdin cannot swallow the rest of the script. `exec`
 * passes the exit code and signals (cancel, timeout) straight to bash.
 */
function bashWrapper(body: string): string[] {
  const delimiter = hereDocDelimiter(body);
  return [
    'command -v bash >/dev/null 2>&1 || { echo "PCM-Ops: bash is not installed here" >&2; exit 127; }',
    `exec bash -c "$(cat <<'${delimiter}'`,
    body,
    delimiter,
    ')" pcm-ops-script',
  ];
}

/** `#` starts a comment in sh, bash and PowerShell alike. */
function header(script: ScriptSource): string {
  return `# PCM-Ops ${script.interpreter} script ${scriptHash(script.interpreter, script.body)}`;
}

function optionalSettings(options: RenderOptions): Partial<RenderedCommand> {
  const settings: Partial<RenderedCommand> = {};
  if (options.deliveryTimeoutSeconds !== undefined)
    settings.deliveryTimeoutSeconds = options.deliveryTimeoutSeconds;
  if (options.executionTimeoutSeconds !== undefined)
    settings.executionTimeoutSeconds = options.executionTimeoutSeconds;
  if (options.maxConcurrency !== undefined)
    settings.maxConcurrency = String(options.maxConcurrency);
  if (options.maxErrors !== undefined) settings.maxErrors = String(options.maxErrors);
  return settings;
}

/**
 * The command for one batch. Parameters become environment variables of the same name (sorted
 * by name so the text is stable), quoted so that no value can end the quoting; then the body,
 * verbatim, so a reviewer in the SSM console recognises the script.
 */
export function renderCommand(
  script: ScriptSource,
  values: Record<string, string>,
  options: RenderOptions = {},
): RenderedCommand {
  const assignments = Object.keys(values)
    .sort()
    .map((name) => assignment(script.interpreter, name, values[name] ?? ''));
  const body = script.interpreter === 'bash' ? bashWrapper(script.body) : [script.body];
  return {
    interpreter: script.interpreter,
    commandText: [header(script), ...assignments, ...body].join('\n'),
    ...optionalSettings(options),
  };
}
