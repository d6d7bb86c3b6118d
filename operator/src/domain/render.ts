/**
 * Turns a Script and an execution's parameter values into the command text SSM runs. Pure: no
 * I/O, so every quoting rule is tested by running the text through a real shell.
 */
import { createHash } from 'node:crypto';
import {
  matchesInFull,
  PARAMETER_NAME_PATTERN,
  SSM_DOCUMENT,
  type FieldError,
  type Interpreter,
  type ScriptParameter,
} from '@pcm-ops/crds';
import type { RenderedCommand } from '../providers/types.js';

/** A parameter as declared by a Script; defaults not yet applied are treated as the API's. */
export type ParameterDeclaration = Pick<ScriptParameter, 'name'> &
  Partial<Omit<ScriptParameter, 'name'>>;

/** What rendering needs of a Script (or of an execution's inline script). */
export interface ScriptSource {
  interpreter: Interpreter;
  body: string;
  parameters?: readonly ParameterDeclaration[];
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export interface RenderOptions {
  deliveryTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  /** As the user wrote it: a number or a percentage such as "10%". */
  maxConcurrency?: number | string;
  maxErrors?: number | string;
}

const SECRET_FIELD = 'spec.secretParameters';

function plainField(name: string): string {
  return `spec.parameters.${name}`;
}

/** Where a value came from, so an error points at the field the person has to change. */
function fieldOf(declaration: ParameterDeclaration, fromSecret: boolean): string {
  return fromSecret || declaration.sensitive ? SECRET_FIELD : plainField(declaration.name);
}

function patternProblem(pattern: string | undefined, value: string): string | undefined {
  if (pattern === undefined) return undefined;
  const matched = matchesInFull(pattern, value);
  if (matched === undefined)
    return `the script's pattern ${pattern} is not a valid regular expression`;
  return matched ? undefined : `must match the pattern ${pattern}`;
}

type Check = (declaration: ParameterDeclaration, value: string) => string | undefined;

const CHECKS: Record<NonNullable<ParameterDeclaration['type']>, Check> = {
  string: (declaration, value) => patternProblem(declaration.pattern, value),
  int: (_, value) => (/^-?[0-9]+$/.test(value) ? undefined : 'must be a whole number'),
  bool: (_, value) => (value === 'true' || value === 'false' ? undefined : 'must be true or false'),
  enum: (declaration, value) =>
    declaration.values?.includes(value)
      ? undefined
      : `must be one of: ${(declaration.values ?? []).join(', ')}`,
};

/** Why a value does not fit its declaration; never quotes the value, which may be a secret. */
function valueProblem(declaration: ParameterDeclaration, value: string): string | undefined {
  if (value.includes('\0')) return 'must not contain a NUL character';
  return CHECKS[declaration.type ?? 'string'](declaration, value);
}

function missingProblem(declaration: ParameterDeclaration): FieldError {
  const { name } = declaration;
  return declaration.sensitive
    ? {
        field: SECRET_FIELD,
        message: `parameter ${name} is required and sensitive: give it in spec.secretParameters`,
      }
    : { field: plainField(name), message: `parameter ${name} is required` };
}

/** Names given that the script does not declare, and sensitive values given in the clear. */
function misplacedValues(
  declared: ReadonlyMap<string, ParameterDeclaration>,
  given: Record<string, string>,
  secretValues: Record<string, string>,
): FieldError[] {
  const errors: FieldError[] = [];
  for (const name of Object.keys(given)) {
    const declaration = declared.get(name);
    if (!declaration) errors.push({ field: plainField(name), message: 'unknown parameter' });
    else if (declaration.sensitive)
      errors.push({
        field: plainField(name),
        message: `parameter ${name} is sensitive: give it in spec.secretParameters`,
      });
  }
  for (const name of Object.keys(secretValues)) {
    if (!declared.has(name))
      errors.push({ field: SECRET_FIELD, message: `unknown parameter ${name}` });
  }
  return errors;
}

interface Chosen {
  value: string | undefined;
  fromSecret: boolean;
}

/** A Secret wins, then a plain value (never for a sensitive parameter), then the default. */
function chooseValue(
  declaration: ParameterDeclaration,
  given: Record<string, string>,
  secretValues: Record<string, string>,
): Chosen {
  const { name } = declaration;
  if (Object.hasOwn(secretValues, name)) return { value: secretValues[name], fromSecret: true };
  if (!declaration.sensitive && Object.hasOwn(given, name))
    return { value: given[name], fromSecret: false };
  return { value: declaration.default, fromSecret: false };
}

/**
 * The values a script runs with: defaults applied, every value checked against its declaration.
 * Optional parameters with neither a value nor a default are left out, so the script sees them
 * unset (`${NAME+set}` tells "not given" from "given empty").
 */
export function resolveParameters(
  script: Pick<ScriptSource, 'parameters'>,
  given: Record<string, string>,
  secretValues: Record<string, string>,
): Validated<Record<string, string>> {
  const declared = new Map((script.parameters ?? []).map((p) => [p.name, p] as const));
  const errors = misplacedValues(declared, given, secretValues);
  const value: Record<string, string> = {};
  for (const declaration of declared.values()) {
    const chosen = chooseValue(declaration, given, secretValues);
    if (chosen.value === undefined) {
      if (declaration.required) errors.push(missingProblem(declaration));
      continue;
    }
    const problem = valueProblem(declaration, chosen.value);
    if (problem) {
      errors.push({ field: fieldOf(declaration, chosen.fromSecret), message: problem });
      continue;
    }
    value[declaration.name] = chosen.value;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
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
    document: SSM_DOCUMENT[script.interpreter],
    commandText: [header(script), ...assignments, ...body].join('\n'),
    ...optionalSettings(options),
  };
}
