// The script form: interpreter, a real code editor for the body, one row per parameter with the
// fields the Script schema allows, and default timeouts and rate control.
import { useState, type FormEvent, type ReactElement } from 'react';
import { INTERPRETERS, PARAMETER_TYPES, type Interpreter, type ScriptInput } from '@pcm-ops/crds';
import { CodeEditor } from './code-editor.js';
import type { FormErrors } from './form-errors.js';
import {
  CheckField,
  FieldError,
  FormProblem,
  SelectField,
  SubmitBar,
  TextField,
} from './form-fields.js';
import { EMPTY_PARAMETER, planScript, type ParameterRow, type ScriptForm } from './script-form.js';

interface Props {
  initial: ScriptForm;
  editing: boolean;
  blocker: string;
  submitLabel: string;
  onSubmit: (script: ScriptInput) => Promise<FormErrors | undefined>;
}

type Update = <K extends keyof ScriptForm>(key: K, value: ScriptForm[K]) => void;

function rowCell(
  index: number,
  row: ParameterRow,
  errors: FormErrors,
  change: (patch: Partial<ParameterRow>) => void,
): (
  field: 'name' | 'description' | 'default' | 'pattern' | 'values',
  label: string,
) => ReactElement {
  return (field, label) => {
    const key = `parameters.${index}.${field}`;
    return (
      <td>
        <input
          name={key}
          aria-label={`Parameter ${index + 1} ${label}`}
          value={row[field]}
          spellCheck={false}
          aria-invalid={Boolean(errors[key])}
          onChange={(event) => change({ [field]: event.target.value })}
        />
        <FieldError field={key} errors={errors} />
      </td>
    );
  };
}

function ParameterRowView(props: {
  index: number;
  row: ParameterRow;
  errors: FormErrors;
  change: (patch: Partial<ParameterRow>) => void;
  remove: () => void;
}): ReactElement {
  const { index, row, errors, change } = props;
  const cell = rowCell(index, row, errors, change);
  return (
    <tr data-parameter={index}>
      {cell('name', 'name')}
      <td>
        <select
          name={`parameters.${index}.type`}
          aria-label={`Parameter ${index + 1} type`}
          value={row.type}
          onChange={(event) => change({ type: event.target.value })}
        >
          {PARAMETER_TYPES.map((type) => (
            <option key={type}>{type}</option>
          ))}
        </select>
      </td>
      {cell('description', 'description')}
      <td>
        <input
          type="checkbox"
          aria-label={`Parameter ${index + 1} required`}
          checked={row.required}
          onChange={(event) => change({ required: event.target.checked })}
        />
      </td>
      {cell('default', 'default')}
      {cell('pattern', 'pattern')}
      {cell('values', 'values')}
      <td>
        <input
          type="checkbox"
          aria-label={`Parameter ${index + 1} sensitive`}
          checked={row.sensitive}
          onChange={(event) => change({ sensitive: event.target.checked })}
        />
      </td>
      <td>
        <button type="button" className="link" onClick={props.remove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function Parameters(props: { form: ScriptForm; errors: FormErrors; update: Update }): ReactElement {
  const rows = props.form.parameters;
  const set = (next: ParameterRow[]): void => props.update('parameters', next);
  return (
    <fieldset>
      <legend>Parameters</legend>
      <p className="hint">
        Each parameter reaches the script as an environment variable of the same name.
      </p>
      {rows.length > 0 ? (
        <table className="grid compact parameters" aria-label="Parameters">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Description</th>
              <th>Required</th>
              <th>Default</th>
              <th>Pattern (string)</th>
              <th>Values (enum, comma-separated)</th>
              <th>Sensitive</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <ParameterRowView
                key={index}
                index={index}
                row={row}
                errors={props.errors}
                change={(patch) => set(rows.map((r, i) => (i === index ? { ...r, ...patch } : r)))}
                remove={() => set(rows.filter((_, i) => i !== index))}
              />
            ))}
          </tbody>
        </table>
      ) : null}
      <FieldError field="parameters" errors={props.errors} />
      <button type="button" onClick={() => set([...rows, { ...EMPTY_PARAMETER }])}>
        Add parameter
      </button>
    </fieldset>
  );
}

function Limits(props: { form: ScriptForm; errors: FormErrors; update: Update }): ReactElement {
  const { form, errors, update } = props;
  return (
    <fieldset>
      <legend>Defaults for executions</legend>
      <TextField
        field="deliverySeconds"
        label="Delivery timeout (s)"
        value={form.deliverySeconds}
        errors={errors}
        onChange={(v) => update('deliverySeconds', v)}
      />
      <TextField
        field="executionSeconds"
        label="Execution timeout (s)"
        value={form.executionSeconds}
        errors={errors}
        onChange={(v) => update('executionSeconds', v)}
      />
      <TextField
        field="maxConcurrency"
        label="Max concurrency"
        value={form.maxConcurrency}
        errors={errors}
        placeholder="10 or 10%"
        onChange={(v) => update('maxConcurrency', v)}
      />
      <TextField
        field="maxErrors"
        label="Max errors"
        value={form.maxErrors}
        errors={errors}
        placeholder="0 or 5%"
        onChange={(v) => update('maxErrors', v)}
      />
    </fieldset>
  );
}

export function ScriptFormView(props: Props): ReactElement {
  const [form, setForm] = useState(props.initial);
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);
  const update: Update = (key, value) => setForm((current) => ({ ...current, [key]: value }));
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const planned = planScript(form);
    if (!planned.script) return setErrors(planned.errors);
    setBusy(true);
    const refused = await props.onSubmit(planned.script);
    setBusy(false);
    setErrors(refused ?? {});
  };
  return (
    <form className="form" onSubmit={(event) => void submit(event)} noValidate data-form="script">
      <FormProblem errors={errors} />
      <fieldset>
        <legend>Script</legend>
        <TextField
          field="name"
          label="Name"
          value={form.name}
          errors={errors}
          disabled={props.editing}
          onChange={(v) => update('name', v)}
        />
        <TextField
          field="namespace"
          label="Namespace"
          value={form.namespace}
          errors={errors}
          disabled={props.editing}
          onChange={(v) => update('namespace', v)}
        />
        <SelectField
          field="interpreter"
          label="Interpreter"
          value={form.interpreter}
          errors={errors}
          options={INTERPRETERS.map((i) => [i, i] as const)}
          onChange={(v) => update('interpreter', v as Interpreter)}
        />
        <TextField
          field="description"
          label="Description"
          value={form.description}
          errors={errors}
          onChange={(v) => update('description', v)}
        />
        <div className="field">
          <span className="field-label">Platforms</span>
          <span>
            <CheckField
              field="linux"
              label="Linux"
              checked={form.linux}
              onChange={(v) => update('linux', v)}
            />{' '}
            <CheckField
              field="windows"
              label="Windows"
              checked={form.windows}
              onChange={(v) => update('windows', v)}
            />
          </span>
          <FieldError field="platforms" errors={errors} />
        </div>
      </fieldset>
      <fieldset>
        <legend>Body</legend>
        <CodeEditor
          value={form.body}
          interpreter={form.interpreter}
          invalid={Boolean(errors.body)}
          onChange={(v) => update('body', v)}
        />
        <FieldError field="body" errors={errors} />
      </fieldset>
      <Parameters form={form} errors={errors} update={update} />
      <Limits form={form} errors={errors} update={update} />
      <SubmitBar label={props.submitLabel} busy={busy} blocker={props.blocker} errors={errors} />
    </form>
  );
}
