// The script form: interpreter, a real code editor for the body, one row per parameter with the
// fields the Script schema allows, and default timeouts and rate control. It posts to the route's
// action: the page's script sends its state (the code editor's text included) under the names the
// inputs carry, so that a browser without JavaScript, sending the form itself, is understood alike.
import { Form, useNavigation } from '@remix-run/react';
import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { INTERPRETERS, PARAMETER_TYPES, type Interpreter } from '@pcm-ops/crds';
import { CodeEditor } from './code-editor.js';
import { CsrfField, HiddenFields, useFormPost } from './csrf-field.js';
import type { FormErrors } from '../forms/form-errors.js';
import {
  CheckField,
  FieldError,
  FormProblem,
  SelectField,
  SubmitBar,
  TextField,
} from './form-fields.js';
import {
  EMPTY_PARAMETER,
  planScript,
  scriptFormData,
  type ParameterRow,
  type ScriptForm,
} from '../scripts/script-form.js';

/** What the route's action answered when it changed nothing. */
export interface ScriptAnswer {
  errors: FormErrors;
  values: ScriptForm;
}

interface Props {
  initial: ScriptForm;
  editing: boolean;
  blocker: string;
  submitLabel: string;
  answer?: ScriptAnswer | undefined;
  /** Fields the action needs besides the user's input, such as the loaded resourceVersion. */
  hidden?: Record<string, string>;
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
          name={`parameters.${index}.required`}
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
          name={`parameters.${index}.sensitive`}
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

function Parameters(props: {
  form: ScriptForm;
  errors: FormErrors;
  update: Update;
  hydrated: boolean;
}): ReactElement {
  // Without the page's script rows cannot be added: a spare blank row stands in (dropped if unused).
  const rows = props.hydrated ? props.form.parameters : [...props.form.parameters, EMPTY_PARAMETER];
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
      {props.hydrated ? (
        <button type="button" onClick={() => set([...rows, { ...EMPTY_PARAMETER }])}>
          Add parameter
        </button>
      ) : null}
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
  const { answer } = props;
  const [form, setForm] = useState(answer?.values ?? props.initial);
  const [errors, setErrors] = useState<FormErrors>(answer?.errors ?? {});
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => setErrors(answer?.errors ?? {}), [answer]);
  const busy = useNavigation().state === 'submitting';
  const post = useFormPost();
  const update: Update = (key, value) => setForm((current) => ({ ...current, [key]: value }));
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const planned = planScript(form);
    setErrors(planned.errors);
    if (planned.script) post(scriptFormData(form), props.hidden);
  };
  return (
    <Form method="post" className="form" onSubmit={submit} noValidate data-form="script">
      <CsrfField />
      <HiddenFields fields={props.hidden ?? {}} />
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
      <Parameters form={form} errors={errors} update={update} hydrated={hydrated} />
      <Limits form={form} errors={errors} update={update} />
      <SubmitBar
        label={props.submitLabel}
        busy={busy}
        blocker={props.blocker}
        errors={errors}
        hydrated={hydrated}
      />
    </Form>
  );
}
