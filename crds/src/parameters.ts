// Whether an execution's values fit the parameters its script declares. One rule for both sides:
// the operator checks the values (Secrets read) before it renders the script, the console checks
// its form before anything is sent, knowing of a Secret only its name and key. Errors never quote
// a value, which may be a secret.
import type { FieldError } from './issues.js';
import { matchesInFull } from './patterns.js';
import type { ScriptParameter } from './script.js';

/** A parameter as declared by a Script; fields not yet defaulted are read as the API's defaults. */
export type ParameterDeclaration = Pick<ScriptParameter, 'name'> &
  Partial<Omit<ScriptParameter, 'name'>>;

/**
 * spec.secretParameters by parameter name: the value read from the Secret, or `null` where only
 * the reference is known (the console). A reference counts as given either way; a `null` value is
 * not checked against the declaration.
 */
export type SecretValues = Readonly<Record<string, string | null>>;

/** A field error that also names the parameter, so a form can show it next to that input. */
export interface ParameterError extends FieldError {
  parameter: string;
}

export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export const SECRET_PARAMETERS_FIELD = 'spec.secretParameters';

export function parameterField(name: string): string {
  return `spec.parameters.${name}`;
}

/**
 * Whether a value in spec.parameters counts as given. An empty value replaces a default, so it is
 * an explicit empty value there; without a default it means "not given", as an empty input does.
 */
export function countsAsGiven(declaration: ParameterDeclaration, value: string): boolean {
  return value !== '' || declaration.default !== undefined;
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

/** Why a value does not fit its declaration; undefined when it does. */
export function valueProblem(declaration: ParameterDeclaration, value: string): string | undefined {
  if (value.includes('\0')) return 'must not contain a NUL character';
  return CHECKS[declaration.type ?? 'string'](declaration, value);
}

function missingProblem(declaration: ParameterDeclaration): ParameterError {
  const { name } = declaration;
  return declaration.sensitive
    ? {
        parameter: name,
        field: SECRET_PARAMETERS_FIELD,
        message: `parameter ${name} is required and sensitive: give it in spec.secretParameters`,
      }
    : { parameter: name, field: parameterField(name), message: `parameter ${name} is required` };
}

/** Names given that the script does not declare, and sensitive values given in the clear. */
function misplacedValues(
  declared: ReadonlyMap<string, ParameterDeclaration>,
  given: Readonly<Record<string, string>>,
  secrets: SecretValues,
): ParameterError[] {
  const errors: ParameterError[] = [];
  for (const [name, value] of Object.entries(given)) {
    const declaration = declared.get(name);
    const field = parameterField(name);
    if (!declaration) errors.push({ parameter: name, field, message: 'unknown parameter' });
    else if (declaration.sensitive && countsAsGiven(declaration, value))
      errors.push({
        parameter: name,
        field,
        message: `parameter ${name} is sensitive: give it in spec.secretParameters`,
      });
  }
  for (const name of Object.keys(secrets)) {
    if (!declared.has(name))
      errors.push({
        parameter: name,
        field: SECRET_PARAMETERS_FIELD,
        message: `unknown parameter ${name}`,
      });
  }
  return errors;
}

interface Chosen {
  /** undefined: neither given nor defaulted; null: from a Secret this side cannot read. */
  value: string | null | undefined;
  fromSecret: boolean;
}

/** A Secret wins, then a plain value (never for a sensitive parameter), then the default. */
function chooseValue(
  declaration: ParameterDeclaration,
  given: Readonly<Record<string, string>>,
  secrets: SecretValues,
): Chosen {
  const { name } = declaration;
  if (Object.hasOwn(secrets, name)) return { value: secrets[name] ?? null, fromSecret: true };
  const value = Object.hasOwn(given, name) ? given[name] : undefined;
  if (!declaration.sensitive && value !== undefined && countsAsGiven(declaration, value))
    return { value, fromSecret: false };
  return { value: declaration.default, fromSecret: false };
}

interface Checked {
  errors: ParameterError[];
  values: Record<string, string>;
}

function checkAll(
  declarations: readonly ParameterDeclaration[],
  given: Readonly<Record<string, string>>,
  secrets: SecretValues,
): Checked {
  const declared = new Map(declarations.map((p) => [p.name, p] as const));
  const errors = misplacedValues(declared, given, secrets);
  const values: Record<string, string> = {};
  for (const declaration of declared.values()) {
    const { name } = declaration;
    const chosen = chooseValue(declaration, given, secrets);
    if (chosen.value === undefined) {
      if (declaration.required) errors.push(missingProblem(declaration));
      continue;
    }
    if (chosen.value === null) continue;
    const message = valueProblem(declaration, chosen.value);
    // where the value came from, so the error points at the field the person has to change
    const field =
      chosen.fromSecret || declaration.sensitive ? SECRET_PARAMETERS_FIELD : parameterField(name);
    if (message) errors.push({ parameter: name, field, message });
    else values[name] = chosen.value;
  }
  return { errors, values };
}

/**
 * Every problem with the values given for `declarations`, in the order a person reads them:
 * misplaced names first, then each declared parameter. A Secret whose value is `null` is taken as
 * given and not checked further.
 */
export function parameterProblems(
  declarations: readonly ParameterDeclaration[],
  given: Readonly<Record<string, string>>,
  secrets: SecretValues,
): ParameterError[] {
  return checkAll(declarations, given, secrets).errors;
}

/**
 * The values a script runs with: defaults applied, every value checked against its declaration.
 * Optional parameters with neither a value nor a default are left out, so the script sees them
 * unset (`${NAME+set}` tells "not given" from "given empty").
 */
export function resolveParameters(
  script: { parameters?: readonly ParameterDeclaration[] },
  given: Readonly<Record<string, string>>,
  secretValues: Readonly<Record<string, string>>,
): Validated<Record<string, string>> {
  const { errors, values } = checkAll(script.parameters ?? [], given, secretValues);
  if (errors.length === 0) return { ok: true, value: values };
  return { ok: false, errors: errors.map(({ field, message }) => ({ field, message })) };
}
