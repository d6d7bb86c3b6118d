// The pieces every section's new-execution form is made of: the data its loader gives, a field
// with its errors beside it, checkbox lists, and whether the page's script runs yet (before it
// does, or without it, every choice's fields show and the browser sends the form itself).
import { createContext, type ReactElement, type ReactNode } from 'react';
import type { ProviderName } from '@pcm-ops/crds';
import type { ExecutionForm, FormError, ScriptChoice } from '../executions/execution-form.js';
import type { CredentialChoice } from '../executions/targets.js';
import type { Permission } from '../server/kube.server.js';

/** Whether the page's script runs: before it does (or without it) every choice's fields show. */
export const Hydrated = createContext(false);

/** What the new-execution loader gives the page, whatever the section. */
export interface NewData {
  namespace: string;
  /** The section: its credentials only, its words. */
  provider: ProviderName;
  scripts: ScriptChoice[];
  credentials: CredentialChoice[];
  regions: string[];
  initial: ExecutionForm;
  clonedFrom: string | null;
  create: Permission;
}

/** What the action answers when it created nothing: the errors and the form to show again. */
export interface NewAnswer {
  errors: FormError[];
  values: ExecutionForm;
}

export type Update = (changes: Partial<ExecutionForm>) => void;

export interface SectionProps {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}

export function FieldErrors({
  errors,
  field,
}: {
  errors: FormError[];
  field: string;
}): ReactElement | null {
  const mine = errors.filter((e) => e.field === field);
  if (mine.length === 0) return null;
  return (
    <ul className="field-errors" data-error-for={field} role="alert">
      {mine.map((e, index) => (
        <li key={index}>
          {e.path && e.path !== field && e.path !== 'csv' ? <code>{e.path}</code> : null}{' '}
          {e.message}
        </li>
      ))}
    </ul>
  );
}

export function Field(props: {
  label: string;
  field: string;
  errors: FormError[];
  hint?: string;
  children: ReactNode;
}): ReactElement {
  const invalid = props.errors.some((e) => e.field === props.field);
  return (
    <div className={invalid ? 'field invalid' : 'field'} data-field={props.field}>
      <label>
        <span className="label">{props.label}</span>
        {props.children}
      </label>
      {props.hint ? <span className="hint">{props.hint}</span> : null}
      <FieldErrors errors={props.errors} field={props.field} />
    </div>
  );
}

export function toggle(list: readonly string[], value: string, on: boolean): string[] {
  return on ? [...new Set([...list, value])] : list.filter((item) => item !== value);
}

export function Checks(props: {
  name: string;
  options: readonly string[];
  chosen: readonly string[];
  onChange: (chosen: string[]) => void;
}): ReactElement {
  return (
    <span className="checks">
      {props.options.map((option) => (
        <label key={option} className="check">
          <input
            type="checkbox"
            name={props.name}
            value={option}
            checked={props.chosen.includes(option)}
            onChange={(event) => props.onChange(toggle(props.chosen, option, event.target.checked))}
          />
          {option}
        </label>
      ))}
    </span>
  );
}
