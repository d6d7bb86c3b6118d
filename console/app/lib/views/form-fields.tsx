// Form controls that show their error right beside them, named and announced.
import type { ChangeEvent, ReactElement, ReactNode } from 'react';
import type { FormErrors } from '../forms/form-errors.js';

export function FieldError({
  field,
  errors,
}: {
  field: string;
  errors: FormErrors;
}): ReactElement | null {
  const message = errors[field];
  if (!message) return null;
  return (
    <span className="field-error" id={`${field}-error`} data-error-for={field} role="alert">
      {message}
    </span>
  );
}

interface TextFieldProps {
  field: string;
  label: string;
  value: string;
  errors: FormErrors;
  onChange: (value: string) => void;
  hint?: ReactNode;
  type?: 'text' | 'password';
  placeholder?: string;
  disabled?: boolean;
}

/**
 * A password field is left uncontrolled: React mirrors a controlled input's value into its `value`
 * attribute, which would put a typed secret into the page's HTML. It starts empty; the form
 * remounts it (a new `key`) to clear it.
 */
function valueProps(props: TextFieldProps): { value: string } | { defaultValue: string } {
  return props.type === 'password' ? { defaultValue: '' } : { value: props.value };
}

export function TextField(props: TextFieldProps): ReactElement {
  const invalid = Boolean(props.errors[props.field]);
  const onChange = (event: ChangeEvent<HTMLInputElement>): void =>
    props.onChange(event.target.value);
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        name={props.field}
        type={props.type ?? 'text'}
        {...valueProps(props)}
        placeholder={props.placeholder}
        disabled={props.disabled}
        autoComplete={props.type === 'password' ? 'new-password' : 'off'}
        spellCheck={false}
        aria-invalid={invalid}
        aria-describedby={invalid ? `${props.field}-error` : undefined}
        onChange={onChange}
      />
      {props.hint ? <span className="hint">{props.hint}</span> : null}
      <FieldError field={props.field} errors={props.errors} />
    </label>
  );
}

interface SelectFieldProps {
  field: string;
  label: string;
  value: string;
  options: ReadonlyArray<readonly [string, string]>;
  errors: FormErrors;
  onChange: (value: string) => void;
  disabled?: boolean;
}

export function SelectField(props: SelectFieldProps): ReactElement {
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <select
        name={props.field}
        value={props.value}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <FieldError field={props.field} errors={props.errors} />
    </label>
  );
}

export function CheckField(props: {
  field: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}): ReactElement {
  return (
    <label className="check">
      <input
        type="checkbox"
        name={props.field}
        checked={props.checked}
        onChange={(event) => props.onChange(event.target.checked)}
      />{' '}
      {props.label}
    </label>
  );
}

/** The error that belongs to no single field (a refusal by the API server, a conflict). */
export function FormProblem({ errors }: { errors: FormErrors }): ReactElement | null {
  if (!errors.form) return null;
  return (
    <p className="problem form-problem" role="alert" data-error-for="form">
      {errors.form}
    </p>
  );
}

/**
 * The submit button, disabled with the reason when the user may not, and a note on errors. The
 * form posts to the route's action, so it works before (or without) the page's script.
 */
export function SubmitBar(props: {
  label: string;
  busy: boolean;
  blocker: string;
  errors: FormErrors;
  hydrated: boolean;
}): ReactElement {
  const fieldErrors = Object.keys(props.errors).some((field) => field !== 'form');
  return (
    <div className="actions" data-hydrated={props.hydrated ? 'true' : undefined}>
      <button
        type="submit"
        className="primary"
        disabled={props.busy || props.blocker !== ''}
        title={props.blocker}
      >
        {props.label}
      </button>
      {props.blocker ? <span className="reason">{props.blocker}</span> : null}
      {fieldErrors ? (
        <span className="problem">Nothing was saved: fix the fields marked above.</span>
      ) : null}
    </div>
  );
}
