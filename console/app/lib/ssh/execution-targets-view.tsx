// The SSH section's targets: hosts of the chosen credentials' inventories by label, or one
// credential's hosts by name. No regions: a host has none.
import { useContext, type ReactElement } from 'react';
import type { TargetMode } from '../executions/execution-form.js';
import {
  Field,
  FieldErrors,
  Hydrated,
  toggle,
  type SectionProps,
} from '../views/execution-form-fields.js';

const MODES: { mode: TargetMode; label: string }[] = [
  { mode: 'tags', label: 'By label' },
  { mode: 'ids', label: 'By host name' },
];

function CredentialChecks(props: SectionProps): ReactElement {
  const { form, update, data } = props;
  return (
    <Field
      label="Credentials"
      field="credentials"
      errors={props.errors}
      hint={data.credentials.length ? undefined : 'No SSH credential in this namespace yet.'}
    >
      <span className="checks">
        {data.credentials.map((c) => (
          <label key={c.name} className="check" title={c.reason}>
            <input
              type="checkbox"
              name="credential"
              value={c.name}
              disabled={!c.ready}
              checked={form.credentials.includes(c.name)}
              onChange={(e) =>
                update({ credentials: toggle(form.credentials, c.name, e.target.checked) })
              }
            />
            {c.ready ? `${c.name} (inventory ${c.accountId})` : `${c.name} — ${c.reason}`}
          </label>
        ))}
      </span>
    </Field>
  );
}

function LabelsField(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <Field
      label="Labels"
      field="tags"
      errors={errors}
      hint="key=value1,value2 — one label a line; a host must carry all"
    >
      <textarea
        id="tags"
        name="tags"
        className="code"
        rows={3}
        value={form.tags}
        onChange={(e) => update({ tags: e.target.value })}
      />
    </Field>
  );
}

function HostNamesField(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <Field
      label="Host names"
      field="instanceIds"
      errors={errors}
      hint="as the inventory names them; one per line or comma separated"
    >
      <textarea
        id="instanceIds"
        name="instanceIds"
        className="code"
        rows={4}
        value={form.instanceIds}
        onChange={(e) => update({ instanceIds: e.target.value })}
      />
    </Field>
  );
}

export function SshTargets(props: SectionProps): ReactElement {
  const { form, update } = props;
  const hydrated = useContext(Hydrated);
  return (
    <fieldset>
      <legend>Targets</legend>
      <div className="radios">
        {MODES.map(({ mode, label }) => (
          <label key={mode} className="check">
            <input
              type="radio"
              name="targetMode"
              value={mode}
              checked={form.targetMode === mode}
              onChange={() => update({ targetMode: mode })}
            />
            {label}
          </label>
        ))}
      </div>
      <CredentialChecks {...props} />
      {!hydrated || form.targetMode !== 'ids' ? <LabelsField {...props} /> : null}
      {!hydrated || form.targetMode === 'ids' ? <HostNamesField {...props} /> : null}
      <label className="check">
        <input
          type="checkbox"
          name="onlineOnly"
          checked={form.onlineOnly}
          onChange={(e) => update({ onlineOnly: e.target.checked })}
        />
        Only hosts that answer (the rest are recorded as skipped)
      </label>
      <FieldErrors errors={props.errors} field="targets" />
    </fieldset>
  );
}
