// The new-execution form as a post: the page's script sends its state under the names the inputs
// carry, and the action reads a post the same way whether the page or the browser alone sent it.
import type { ExecutionTarget } from '@pcm-ops/crds';
import { emptyForm, type ExecutionForm, type TargetMode } from './execution-form.js';
import { checkedOf, textOf, textsOf } from '../forms/form-data.js';

const TEXT_FIELDS = [
  'name',
  'scriptName',
  'body',
  'regions',
  'tags',
  'instanceIds',
  'csv',
  'changeRef',
  'maxConcurrency',
  'maxErrors',
  'deliverySeconds',
  'executionSeconds',
  'activeDeadlineSeconds',
] as const;
const MODES: readonly TargetMode[] = ['tags', 'ids', 'csv', 'cloned'];
const PARAMETER = /^param\.([A-Za-z_][A-Za-z0-9_]*)$/;
const SECRET = /^secret\.([A-Za-z_][A-Za-z0-9_]*)\.(name|key)$/;

/** Input names: `param.NAME` for a value, `secret.NAME.name` / `secret.NAME.key` for a Secret. */
export const parameterField = (name: string): string => `param.${name}`;
export const secretField = (name: string, part: 'name' | 'key'): string => `secret.${name}.${part}`;

/** The post the form stands for; lists repeat their field, a checkbox is sent when checked. */
export function executionFormData(form: ExecutionForm): FormData {
  const data = new FormData();
  for (const field of TEXT_FIELDS) data.set(field, form[field]);
  data.set('scriptSource', form.scriptSource);
  data.set('interpreter', form.interpreter);
  data.set('targetMode', form.targetMode);
  for (const name of form.credentials) data.append('credential', name);
  for (const platform of form.platforms) data.append('platform', platform);
  for (const state of form.states) data.append('state', state);
  if (form.onlineOnly) data.set('onlineOnly', 'on');
  for (const [name, value] of Object.entries(form.parameters))
    data.set(parameterField(name), value);
  for (const [name, ref] of Object.entries(form.secretParameters)) {
    data.set(secretField(name, 'name'), ref.name);
    data.set(secretField(name, 'key'), ref.key);
  }
  if (form.targetMode === 'cloned') data.set('clonedTargets', JSON.stringify(form.clonedTargets));
  return data;
}

function clonedTargets(data: FormData): ExecutionTarget[] {
  try {
    const parsed = JSON.parse(textOf(data, 'clonedTargets') || '[]') as unknown;
    // The schema checks each target when the manifest is built; only the list shape is read here.
    return Array.isArray(parsed) ? (parsed as ExecutionTarget[]) : [];
  } catch {
    return [];
  }
}

function parametersOf(data: FormData): Pick<ExecutionForm, 'parameters' | 'secretParameters'> {
  const parameters: ExecutionForm['parameters'] = {};
  const secretParameters: ExecutionForm['secretParameters'] = {};
  for (const [key, value] of data.entries()) {
    if (typeof value !== 'string') continue;
    const plain = PARAMETER.exec(key);
    if (plain) parameters[plain[1]!] = value;
    const secret = SECRET.exec(key);
    if (secret) {
      const ref = (secretParameters[secret[1]!] ??= { name: '', key: '' });
      ref[secret[2] as 'name' | 'key'] = value;
    }
  }
  return { parameters, secretParameters };
}

/** The form from a post; what is absent (a field not shown, an unchecked box) reads as empty. */
export function executionFormFromData(data: FormData): ExecutionForm {
  const form = emptyForm();
  for (const field of TEXT_FIELDS) form[field] = textOf(data, field);
  form.scriptSource = textOf(data, 'scriptSource') === 'inline' ? 'inline' : 'library';
  const interpreter = textOf(data, 'interpreter');
  if (interpreter) form.interpreter = interpreter as ExecutionForm['interpreter'];
  const mode = textOf(data, 'targetMode') as TargetMode;
  form.targetMode = MODES.includes(mode) ? mode : 'tags';
  form.credentials = textsOf(data, 'credential');
  form.platforms = textsOf(data, 'platform');
  form.states = textsOf(data, 'state');
  form.onlineOnly = checkedOf(data, 'onlineOnly');
  form.clonedTargets = form.targetMode === 'cloned' ? clonedTargets(data) : [];
  return { ...form, ...parametersOf(data) };
}
