// The script and its parameters, the same in every section's new-execution form: a library
// script (with "Show parameters" for a page without its script) or an inline one, and an input
// per declared parameter, a sensitive one naming the Secret key that holds its value.
import { useContext, type ReactElement } from 'react';
import { INTERPRETERS } from '@pcm-ops/crds';
import { withScript, type ExecutionForm, type ScriptChoice } from '../executions/execution-form.js';
import { parameterField, secretField } from '../executions/execution-form-data.js';
import {
  Field,
  FieldErrors,
  Hydrated,
  type SectionProps,
  type Update,
} from './execution-form-fields.js';

export function ScriptSection(props: SectionProps): ReactElement {
  const { form, update, data, errors } = props;
  const chosen = data.scripts.find((s) => s.name === form.scriptName);
  const hydrated = useContext(Hydrated);
  return (
    <fieldset>
      <legend>Script</legend>
      <div className="radios">
        {(['library', 'inline'] as const).map((source) => (
          <label key={source} className="check">
            <input
              type="radio"
              name="scriptSource"
              value={source}
              checked={form.scriptSource === source}
              onChange={() => update({ scriptSource: source })}
            />
            {source === 'library' ? 'From the library' : 'Inline'}
          </label>
        ))}
      </div>
      {form.scriptSource === 'library' || !hydrated ? (
        <Field label="Script" field="script" errors={errors} hint={chosen?.description}>
          <select
            id="script"
            name="scriptName"
            value={form.scriptName}
            onChange={(e) => update(withScript(form, e.target.value, data.scripts))}
          >
            <option value="">Choose a script…</option>
            {data.scripts.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} ({s.interpreter})
              </option>
            ))}
          </select>
          {hydrated ? null : (
            <button type="submit" name="intent" value="refresh" formNoValidate>
              Show parameters
            </button>
          )}
        </Field>
      ) : null}
      {form.scriptSource === 'inline' || !hydrated ? (
        <>
          <Field label="Interpreter" field="interpreter" errors={errors}>
            <select
              id="interpreter"
              name="interpreter"
              value={form.interpreter}
              onChange={(e) =>
                update({ interpreter: e.target.value as ExecutionForm['interpreter'] })
              }
            >
              {INTERPRETERS.map((i) => (
                <option key={i}>{i}</option>
              ))}
            </select>
          </Field>
          <Field label="Script body" field="script" errors={errors}>
            <textarea
              id="body"
              name="body"
              className="code"
              rows={6}
              value={form.body}
              onChange={(e) => update({ body: e.target.value })}
              spellCheck={false}
            />
          </Field>
        </>
      ) : null}
    </fieldset>
  );
}

type Declaration = ScriptChoice['parameters'][number];

function ParameterInput(props: {
  declaration: Declaration;
  form: ExecutionForm;
  update: Update;
}): ReactElement {
  const { declaration: d, form, update } = props;
  const set = (value: string): void =>
    update({ parameters: { ...form.parameters, [d.name]: value } });
  const value = form.parameters[d.name] ?? '';
  const choices =
    d.type === 'bool' ? ['true', 'false'] : d.type === 'enum' ? (d.values ?? []) : undefined;
  if (choices) {
    return (
      <select
        id={`param-${d.name}`}
        name={parameterField(d.name)}
        value={value}
        onChange={(e) => set(e.target.value)}
      >
        <option value="">—</option>
        {choices.map((c) => (
          <option key={c}>{c}</option>
        ))}
      </select>
    );
  }
  return (
    <input
      id={`param-${d.name}`}
      name={parameterField(d.name)}
      value={value}
      onChange={(e) => set(e.target.value)}
    />
  );
}

function SecretInput(props: {
  declaration: Declaration;
  form: ExecutionForm;
  update: Update;
}): ReactElement {
  const { declaration: d, form, update } = props;
  const ref = form.secretParameters[d.name] ?? { name: '', key: '' };
  const set = (changes: Partial<typeof ref>): void =>
    update({ secretParameters: { ...form.secretParameters, [d.name]: { ...ref, ...changes } } });
  return (
    <span className="secret-ref">
      <input
        aria-label={`${d.name} Secret name`}
        name={secretField(d.name, 'name')}
        placeholder="Secret name"
        value={ref.name}
        onChange={(e) => set({ name: e.target.value })}
      />
      <input
        aria-label={`${d.name} Secret key`}
        name={secretField(d.name, 'key')}
        placeholder="key"
        value={ref.key}
        onChange={(e) => set({ key: e.target.value })}
      />
    </span>
  );
}

function describeDeclaration(d: Declaration): string {
  const parts = [d.type ?? 'string', d.required ? 'required' : 'optional'];
  if (d.default !== undefined) parts.push(`default ${d.default === '' ? '(empty)' : d.default}`);
  if (d.pattern) parts.push(`pattern ${d.pattern}`);
  if (d.sensitive) parts.push('sensitive: read from a Secret');
  return [parts.join(', '), d.description].filter(Boolean).join(' — ');
}

export function ParametersSection(props: SectionProps): ReactElement | null {
  const { form, data, errors } = props;
  if (form.scriptSource !== 'library') return null;
  const script = data.scripts.find((s) => s.name === form.scriptName);
  if (!script || script.parameters.length === 0) return null;
  return (
    <fieldset>
      <legend>Parameters</legend>
      {script.parameters.map((d) => (
        <Field
          key={d.name}
          label={d.name}
          field={`parameters.${d.name}`}
          errors={errors}
          hint={describeDeclaration(d)}
        >
          {d.sensitive ? (
            <SecretInput declaration={d} form={form} update={props.update} />
          ) : (
            <ParameterInput declaration={d} form={form} update={props.update} />
          )}
        </Field>
      ))}
      <FieldErrors errors={errors} field="parameters" />
    </fieldset>
  );
}
