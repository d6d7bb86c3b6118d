// The AWS section's targets: instances by tags and filters, by instance ids, or from a change
// ticket's CSV (account,region,instanceId), through the chosen credentials in the chosen regions.
import { useContext, type ReactElement } from 'react';
import { INSTANCE_STATES, PLATFORMS } from '@pcm-ops/crds';
import type { TargetMode } from '../executions/execution-form.js';
import {
  Checks,
  Field,
  FieldErrors,
  Hydrated,
  toggle,
  type SectionProps,
  type Update,
} from '../views/execution-form-fields.js';

const MODES: { mode: TargetMode; label: string }[] = [
  { mode: 'tags', label: 'By tags and filters' },
  { mode: 'ids', label: 'By instance ids' },
  { mode: 'csv', label: 'From a CSV (account,region,instanceId)' },
];

function CredentialChecks(props: SectionProps): ReactElement {
  const { form, update } = props;
  return (
    <Field label="Credentials" field="credentials" errors={props.errors}>
      <span className="checks">
        {props.data.credentials.map((c) => (
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
            {c.ready ? `${c.name} (${c.accountId})` : `${c.name} — ${c.reason}`}
          </label>
        ))}
      </span>
    </Field>
  );
}

function readFile(file: File | undefined, update: Update): void {
  if (file) void file.text().then((csv) => update({ csv }));
}

function CsvField(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <Field
      label="Targets CSV"
      field="csv"
      errors={errors}
      hint="account,region,instanceId — one instance a line, a header row optional; each account goes through the credential whose status.accountId matches"
    >
      <textarea
        id="csv"
        name="csv"
        className="code"
        rows={6}
        value={form.csv}
        onChange={(e) => update({ csv: e.target.value })}
        spellCheck={false}
      />
      <input
        type="file"
        accept=".csv,text/csv,text/plain"
        aria-label="Upload CSV"
        onChange={(e) => readFile(e.target.files?.[0], update)}
      />
    </Field>
  );
}

function ClonedField({ form }: SectionProps): ReactElement {
  return (
    <div className="field">
      <span className="label">Targets of the cloned execution</span>
      <pre className="code">{JSON.stringify(form.clonedTargets, null, 2)}</pre>
      <input type="hidden" name="clonedTargets" value={JSON.stringify(form.clonedTargets)} />
    </div>
  );
}

/** Credentials and regions: where tags or instance ids are looked for. */
function PlaceFields(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <>
      <CredentialChecks {...props} />
      <Field
        label="Regions"
        field="regions"
        errors={errors}
        hint={`comma separated; empty: each credential's default region. Known: ${props.data.regions.join(', ')}`}
      >
        <input
          id="regions"
          name="regions"
          value={form.regions}
          onChange={(e) => update({ regions: e.target.value })}
        />
      </Field>
    </>
  );
}

function IdsField(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <Field
      label="Instance ids"
      field="instanceIds"
      errors={errors}
      hint="one per line or comma separated"
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

function TagFields(props: SectionProps): ReactElement {
  const { form, update, errors } = props;
  return (
    <>
      <Field
        label="Tags"
        field="tags"
        errors={errors}
        hint="Key=value1,value2 — one tag a line; an instance must carry all"
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
      <div className="field">
        <span className="label">Platforms and states</span>
        <Checks
          name="platform"
          options={PLATFORMS}
          chosen={form.platforms}
          onChange={(platforms) => update({ platforms })}
        />
        <Checks
          name="state"
          options={INSTANCE_STATES}
          chosen={form.states}
          onChange={(states) => update({ states })}
        />
      </div>
    </>
  );
}

/** The chosen mode's fields; before the page's script runs (or without it), every mode's. */
function SelectorFields(props: SectionProps): ReactElement {
  const mode = props.form.targetMode;
  if (!useContext(Hydrated)) {
    return (
      <>
        {mode === 'cloned' ? <ClonedField {...props} /> : null}
        <PlaceFields {...props} />
        <IdsField {...props} />
        <TagFields {...props} />
        <CsvField {...props} />
      </>
    );
  }
  if (mode === 'csv') return <CsvField {...props} />;
  if (mode === 'cloned') return <ClonedField {...props} />;
  return (
    <>
      <PlaceFields {...props} />
      {mode === 'ids' ? <IdsField {...props} /> : <TagFields {...props} />}
    </>
  );
}

export function AwsTargets(props: SectionProps): ReactElement {
  const { form, update } = props;
  const modes =
    form.targetMode === 'cloned'
      ? [...MODES, { mode: 'cloned' as const, label: 'As cloned' }]
      : MODES;
  return (
    <fieldset>
      <legend>Targets</legend>
      <div className="radios">
        {modes.map(({ mode, label }) => (
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
      <SelectorFields {...props} />
      <label className="check">
        <input
          type="checkbox"
          name="onlineOnly"
          checked={form.onlineOnly}
          onChange={(e) => update({ onlineOnly: e.target.checked })}
        />
        Only instances whose SSM agent is online (the rest are recorded as skipped)
      </label>
      <FieldErrors errors={props.errors} field="targets" />
    </fieldset>
  );
}
