// The script form as pure functions: form values (with one row per parameter) → the Script the
// console creates or replaces, validated by the API's own zod schema before anything is sent.
import {
  API_VERSION,
  INTERPRETERS,
  OBJECT_NAME_PATTERN,
  ScriptSchema,
  type Interpreter,
  type Script,
  type ScriptInput,
} from '@pcm-ops/crds';
import { checkedOf, choiceOf, textOf as postedText } from '../forms/form-data.js';
import { hasErrors, zodFormErrors, type FormErrors } from '../forms/form-errors.js';

export interface ParameterRow {
  name: string;
  type: string;
  description: string;
  required: boolean;
  default: string;
  pattern: string;
  /** Allowed values for type enum, separated by commas. */
  values: string;
  sensitive: boolean;
}

export interface ScriptForm {
  name: string;
  namespace: string;
  interpreter: Interpreter;
  description: string;
  body: string;
  linux: boolean;
  windows: boolean;
  parameters: ParameterRow[];
  deliverySeconds: string;
  executionSeconds: string;
  maxConcurrency: string;
  maxErrors: string;
}

export const EMPTY_PARAMETER: ParameterRow = {
  name: '',
  type: 'string',
  description: '',
  required: false,
  default: '',
  pattern: '',
  values: '',
  sensitive: false,
};

export const EMPTY_SCRIPT_FORM: ScriptForm = {
  name: '',
  namespace: '',
  interpreter: 'bash',
  description: '',
  body: '#!/bin/bash\nset -euo pipefail\n',
  linux: false,
  windows: false,
  parameters: [],
  deliverySeconds: '',
  executionSeconds: '',
  maxConcurrency: '',
  maxErrors: '',
};

const ROW_FIELDS = ['name', 'type', 'description', 'required', 'default', 'pattern', 'values'];
const TOP_FIELDS = ['interpreter', 'body', 'description', 'platforms'];

/**
 * Which form field shows an error about an API path of a Script: `parameters.0.name` for a
 * parameter row's field, the field's own name otherwise.
 */
export function scriptFieldOf(apiPath: string): string {
  if (apiPath.startsWith('metadata.')) return 'name';
  const row = /^spec\.parameters\[(\d+)\]\.?([A-Za-z]*)/.exec(apiPath);
  if (row) {
    const field = row[2] ?? '';
    return `parameters.${row[1]}.${ROW_FIELDS.includes(field) ? field : 'name'}`;
  }
  if (apiPath.startsWith('spec.parameters')) return 'parameters';
  const last = /([A-Za-z]+)(\[\d+\])?$/.exec(apiPath)?.[1] ?? '';
  const known = [...TOP_FIELDS, 'deliverySeconds', 'executionSeconds', 'maxConcurrency'];
  if ([...known, 'maxErrors'].includes(last)) return last;
  return 'form';
}

const trimmed = (value: string): string | undefined => value.trim() || undefined;

function numberOrText(value: string): number | string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  return /^-?[0-9]+$/.test(text) ? Number(text) : text;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function listOf(value: string): string[] | undefined {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

function parameterOf(row: ParameterRow): Record<string, unknown> {
  return defined({
    name: row.name.trim(),
    type: row.type,
    description: trimmed(row.description),
    required: row.required || undefined,
    default: row.default === '' ? undefined : row.default,
    pattern: row.pattern === '' ? undefined : row.pattern,
    values: listOf(row.values),
    sensitive: row.sensitive || undefined,
  });
}

function platformsOf(form: ScriptForm): Array<'Linux' | 'Windows'> | undefined {
  const chosen = [form.linux ? 'Linux' : '', form.windows ? 'Windows' : ''].filter(Boolean);
  return chosen.length > 0 ? (chosen as Array<'Linux' | 'Windows'>) : undefined;
}

function emptyToUndefined<T extends object>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

/** The Script the form describes. */
export function scriptManifest(form: ScriptForm): ScriptInput {
  const timeouts = defined({
    deliverySeconds: numberOrText(form.deliverySeconds),
    executionSeconds: numberOrText(form.executionSeconds),
  });
  const rateControl = defined({
    maxConcurrency: numberOrText(form.maxConcurrency),
    maxErrors: numberOrText(form.maxErrors),
  });
  return {
    apiVersion: API_VERSION,
    kind: 'Script',
    metadata: { name: form.name.trim(), namespace: form.namespace },
    spec: defined({
      interpreter: form.interpreter,
      body: form.body,
      description: trimmed(form.description),
      platforms: platformsOf(form),
      parameters: form.parameters.length > 0 ? form.parameters.map(parameterOf) : undefined,
      timeouts: emptyToUndefined(timeouts),
      rateControl: emptyToUndefined(rateControl),
    }) as ScriptInput['spec'],
  };
}

function nameErrors(name: string): FormErrors {
  if (name.trim() === '') return { name: 'metadata.name: required' };
  if (!OBJECT_NAME_PATTERN.test(name.trim()) || name.trim().length > 253) {
    return {
      name: 'metadata.name: must be lowercase letters, digits, - and . (a DNS name of at most 253 characters)',
    };
  }
  return {};
}

/** Validates the whole form, then returns the Script to send, or the errors by field. */
export function planScript(
  form: ScriptForm,
): { script: ScriptInput; errors: FormErrors } | { script?: undefined; errors: FormErrors } {
  const script = scriptManifest(form);
  const parsed = ScriptSchema.safeParse(script);
  const errors = parsed.success
    ? nameErrors(form.name)
    : { ...zodFormErrors(parsed.error, scriptFieldOf), ...nameErrors(form.name) };
  return hasErrors(errors) ? { errors } : { script, errors: {} };
}

function rowOf(parameter: NonNullable<Script['spec']['parameters']>[number]): ParameterRow {
  return {
    name: parameter.name,
    type: parameter.type,
    description: parameter.description ?? '',
    required: parameter.required,
    default: parameter.default ?? '',
    pattern: parameter.pattern ?? '',
    values: (parameter.values ?? []).join(', '),
    sensitive: parameter.sensitive,
  };
}

const textOf = (value: number | string | undefined): string =>
  value === undefined ? '' : String(value);

/** The form prefilled from a stored Script, for an edit. */
export function scriptToForm(script: Script): ScriptForm {
  const { spec } = script;
  const platforms = spec.platforms ?? [];
  const timeouts = spec.timeouts ?? {};
  const rate = spec.rateControl ?? {};
  return {
    name: textOf(script.metadata.name),
    namespace: textOf(script.metadata.namespace),
    interpreter: spec.interpreter,
    description: textOf(spec.description),
    body: spec.body,
    linux: platforms.includes('Linux'),
    windows: platforms.includes('Windows'),
    parameters: (spec.parameters ?? []).map(rowOf),
    deliverySeconds: textOf(timeouts.deliverySeconds),
    executionSeconds: textOf(timeouts.executionSeconds),
    maxConcurrency: textOf(rate.maxConcurrency),
    maxErrors: textOf(rate.maxErrors),
  };
}

/** A one-line summary of the parameters, for the library list. */
export function parameterSummary(script: Script): string {
  return (script.spec.parameters ?? [])
    .map((p) => `${p.name}: ${p.type}${p.required ? '' : '?'}${p.sensitive ? ' (sensitive)' : ''}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------
// the form as posted: the page's script sends what the browser alone would, under the same names

const TEXT_FIELDS = [
  'name',
  'namespace',
  'description',
  'body',
  'deliverySeconds',
  'executionSeconds',
  'maxConcurrency',
  'maxErrors',
] as const;
const ROW_TEXT = ['name', 'type', 'description', 'default', 'pattern', 'values'] as const;
const ROW_CHECKS = ['required', 'sensitive'] as const;
const ROW_KEY = /^parameters\.(\d+)\./;

/** The post the form stands for; a checkbox is sent when checked, as a browser sends it. */
export function scriptFormData(form: ScriptForm): FormData {
  const data = new FormData();
  for (const field of TEXT_FIELDS) data.set(field, form[field]);
  data.set('interpreter', form.interpreter);
  if (form.linux) data.set('linux', 'on');
  if (form.windows) data.set('windows', 'on');
  form.parameters.forEach((row, index) => {
    for (const field of ROW_TEXT) data.set(`parameters.${index}.${field}`, row[field]);
    for (const field of ROW_CHECKS) if (row[field]) data.set(`parameters.${index}.${field}`, 'on');
  });
  return data;
}

function rowFromData(data: FormData, index: number): ParameterRow {
  const row: ParameterRow = { ...EMPTY_PARAMETER };
  for (const field of ROW_TEXT) row[field] = postedText(data, `parameters.${index}.${field}`);
  for (const field of ROW_CHECKS) row[field] = checkedOf(data, `parameters.${index}.${field}`);
  row.type ||= 'string';
  return row;
}

const blankRow = (row: ParameterRow): boolean =>
  JSON.stringify(row) === JSON.stringify(EMPTY_PARAMETER);

/**
 * The form from a post. Rows are read by their index; a row left entirely blank (the spare row a
 * page without JavaScript offers) is dropped. `fixed` holds what the page does not let the user
 * change (an edited script's name and namespace).
 */
export function scriptFormFromData(data: FormData, fixed: Partial<ScriptForm> = {}): ScriptForm {
  const form: ScriptForm = { ...EMPTY_SCRIPT_FORM, parameters: [] };
  for (const field of TEXT_FIELDS) form[field] = postedText(data, field);
  form.interpreter = choiceOf(data, 'interpreter', INTERPRETERS, 'bash');
  form.linux = checkedOf(data, 'linux');
  form.windows = checkedOf(data, 'windows');
  const indexes = new Set<number>();
  for (const key of data.keys()) {
    const match = ROW_KEY.exec(key);
    if (match) indexes.add(Number(match[1]));
  }
  form.parameters = [...indexes]
    .sort((a, b) => a - b)
    .map((index) => rowFromData(data, index))
    .filter((row) => !blankRow(row));
  return { ...form, ...fixed };
}
