// The new-execution page every section shares: the script and its parameters, the section's own
// targets, a live preview of what they match (through the operator, as the user), rate control
// and timeouts, run now or submit suspended. The page checks as the user types and posts only
// what passes; the action checks again before it creates anything.
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useMemo, useState, type FormEvent, type ReactElement } from 'react';
import type { ProviderName } from '@pcm-ops/crds';
import { summarize } from '../executions/discovery.js';
import {
  buildExecution,
  targetsOf,
  type ExecutionForm,
  type FormContext,
  type FormError,
  type ScriptChoice,
} from '../executions/execution-form.js';
import { executionFormData } from '../executions/execution-form-data.js';
import { MACHINE_WORDS } from '../executions/machines.js';
import { previewPlan, type PreviewPlan } from '../executions/preview.js';
import { CsrfField, useFormPost } from './csrf-field.js';
import {
  Field,
  FieldErrors,
  Hydrated,
  type NewAnswer,
  type NewData,
  type SectionProps,
  type Update,
} from './execution-form-fields.js';
import { ParametersSection, ScriptSection } from './execution-script-view.js';
import { useDiscovery } from './use-discovery.js';

export type { NewAnswer, NewData } from './execution-form-fields.js';

const PREVIEW_DELAY_MS = 500;

function skippedText(skipped: Record<string, number>): string {
  return Object.entries(skipped)
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
}

function Preview(props: { plan: PreviewPlan | undefined; provider: ProviderName }): ReactElement {
  const { plan } = props;
  const words = MACHINE_WORDS[props.provider];
  const discovery = useDiscovery(plan?.queries ?? []);
  if (!plan) return <p className="muted">The preview appears once the targets are complete.</p>;
  const summary = summarize(discovery.answers);
  const loading = discovery.pending.size > 0;
  return (
    <section className="preview" aria-label="Preview" aria-busy={loading}>
      <p data-preview-total>
        {loading ? 'Resolving targets… ' : ''}
        <strong>{summary.matched}</strong> {words.machines} match
        {summary.skipped ? `, ${summary.skipped} would be skipped` : ''}
        {summary.errors ? `, ${summary.errors} places could not be asked` : ''}
      </p>
      {plan.problems.map((problem) => (
        <p key={problem} className="problem">
          {problem}
        </p>
      ))}
      {summary.places.length ? (
        <table
          className="grid compact"
          aria-label={`Matched per ${words.scope.toLowerCase()}${words.region ? ` and ${words.region.toLowerCase()}` : ''}`}
        >
          <thead>
            <tr>
              <th>{words.scope}</th>
              {words.region ? <th>{words.region}</th> : null}
              <th>Credential</th>
              <th>Matched</th>
              <th>Online</th>
              <th>Skipped</th>
              <th>Problem</th>
            </tr>
          </thead>
          <tbody>
            {summary.places.map((p) => (
              <tr key={`${p.accountId}/${p.region}`} data-place={`${p.accountId}/${p.region}`}>
                <td>{p.accountId}</td>
                {words.region ? <td>{p.region}</td> : null}
                <td>{p.credentials.join(', ')}</td>
                <td data-matched>{p.matched}</td>
                <td>{p.online}</td>
                <td>{skippedText(p.skipped)}</td>
                <td className="problem">{p.errors.join('; ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function LimitsSection(props: {
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement {
  const { form, update, errors } = props;
  const input = (
    field: keyof ExecutionForm & string,
    label: string,
    hint: string,
  ): ReactElement => (
    <Field label={label} field={field} errors={errors} hint={hint}>
      <input
        id={field}
        name={field}
        value={String(form[field])}
        onChange={(e) => update({ [field]: e.target.value })}
      />
    </Field>
  );
  return (
    <fieldset className="limits">
      <legend>Rate control and timeouts</legend>
      {input(
        'maxConcurrency',
        'Max concurrency',
        'targets at once across all accounts: a number or a percentage such as 10%',
      )}
      {input(
        'maxErrors',
        'Max errors',
        'errors after which no new targets start: a number or a percentage',
      )}
      {input(
        'deliverySeconds',
        'Delivery timeout (s)',
        '30 to 2,592,000: an instance must start the command by then',
      )}
      {input(
        'executionSeconds',
        'Execution timeout (s)',
        'how long the script may run on an instance',
      )}
      {input(
        'activeDeadlineSeconds',
        'Deadline for the whole run (s)',
        'then the execution is cancelled and TimedOut',
      )}
    </fieldset>
  );
}

function usePreviewPlan(
  form: ExecutionForm,
  context: FormContext,
  script: ScriptChoice | undefined,
): PreviewPlan | undefined {
  const targets = targetsOf(form, context);
  const key = targets.ok ? JSON.stringify([targets.targets, script?.platforms]) : '';
  const [plan, setPlan] = useState<PreviewPlan | undefined>(undefined);
  useEffect(() => {
    if (!key) return setPlan(undefined);
    const [chosen, platforms] = JSON.parse(key) as [
      Parameters<typeof previewPlan>[1],
      string[] | undefined,
    ];
    const timer = setTimeout(
      () => setPlan(previewPlan(context.namespace, chosen, context.credentials, platforms)),
      PREVIEW_DELAY_MS,
    );
    return () => clearTimeout(timer);
  }, [key, context.namespace, context.credentials]);
  return plan;
}

function ErrorSummary({ errors }: { errors: FormError[] }): ReactElement | null {
  if (!errors.length) return null;
  return (
    <p className="problem" role="alert" data-error-count={errors.length}>
      {errors.length === 1
        ? 'One field needs attention.'
        : `${errors.length} fields need attention.`}{' '}
      Nothing was created.
    </p>
  );
}

function RunSection({
  form,
  update,
  errors,
}: {
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement {
  return (
    <fieldset>
      <legend>Run</legend>
      <Field
        label="Name"
        field="name"
        errors={errors}
        hint="empty: a generated name after the script"
      >
        <input
          id="name"
          name="name"
          value={form.name}
          onChange={(e) => update({ name: e.target.value })}
        />
      </Field>
      <Field
        label="Change reference"
        field="changeRef"
        errors={errors}
        hint="the change ticket this run belongs to, e.g. CHG0012345 (spec.changeRef)"
      >
        <input
          id="changeRef"
          name="changeRef"
          value={form.changeRef}
          onChange={(e) => update({ changeRef: e.target.value })}
        />
      </Field>
    </fieldset>
  );
}

function RunButtons({ busy, blocked }: { busy: boolean; blocked: string }): ReactElement {
  return (
    <div className="form-actions">
      <button
        type="submit"
        name="suspend"
        value="false"
        className="primary"
        disabled={busy || blocked !== ''}
        title={blocked}
      >
        Run now
      </button>
      <button
        type="submit"
        name="suspend"
        value="true"
        disabled={busy || blocked !== ''}
        title={blocked}
      >
        Submit suspended
      </button>
      {blocked ? (
        <span className="reason">{blocked}</span>
      ) : (
        <span className="hint">
          Suspended: the targets are resolved and shown, nothing is sent until someone resumes it.
        </span>
      )}
    </div>
  );
}

/**
 * The new-execution page of a section: the shared script, parameters, preview, limits and run
 * buttons around the section's own `Targets`.
 */
export function NewExecutionPage({
  Targets,
}: {
  Targets: (props: SectionProps) => ReactElement;
}): ReactElement {
  const data = useLoaderData<NewData>();
  const answered = useActionData<NewAnswer>();
  const [form, setForm] = useState<ExecutionForm>(answered?.values ?? data.initial);
  const [errors, setErrors] = useState<FormError[]>(answered?.errors ?? []);
  useEffect(() => setErrors(answered?.errors ?? []), [answered]);
  const busy = useNavigation().state === 'submitting';
  const post = useFormPost();
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const context = useMemo<FormContext>(
    () => ({
      namespace: data.namespace,
      provider: data.provider,
      credentials: data.credentials,
      scripts: data.scripts,
    }),
    [data],
  );
  const script = data.scripts.find((s) => s.name === form.scriptName);
  const plan = usePreviewPlan(form, context, form.scriptSource === 'library' ? script : undefined);
  const update: Update = (changes) => setForm((previous) => ({ ...previous, ...changes }));

  // The page's own check first; the post (the same the browser alone would send) only if it passes.
  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const suspend = submitter?.value === 'true';
    const built = buildExecution(form, context, suspend);
    setErrors(built.errors);
    if (built.ok) {
      post(executionFormData(form), { namespace: data.namespace, suspend: String(suspend) });
    }
  };
  const blocked = data.create.allowed ? '' : data.create.reason;
  return (
    <>
      <h1>
        New execution <small>namespace {data.namespace}</small>
        {data.clonedFrom ? <small data-cloned-from>cloned from {data.clonedFrom}</small> : null}
      </h1>
      <Form
        method="post"
        className="execution-form"
        onSubmit={submit}
        noValidate
        data-hydrated={hydrated ? '' : undefined}
      >
        <Hydrated.Provider value={hydrated}>
          <CsrfField />
          <input type="hidden" name="namespace" value={data.namespace} />
          <ErrorSummary errors={errors} />
          <FieldErrors errors={errors} field="form" />
          <ScriptSection data={data} form={form} update={update} errors={errors} />
          <ParametersSection data={data} form={form} update={update} errors={errors} />
          <Targets data={data} form={form} update={update} errors={errors} />
          <fieldset>
            <legend>Preview</legend>
            <Preview plan={plan} provider={data.provider} />
          </fieldset>
          <RunSection form={form} update={update} errors={errors} />
          <LimitsSection form={form} update={update} errors={errors} />
          <RunButtons busy={busy} blocked={blocked} />
        </Hydrated.Provider>
      </Form>
    </>
  );
}
