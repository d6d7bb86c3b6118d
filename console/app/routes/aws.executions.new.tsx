// New execution: a script from the library (or inline), its parameters, targets by tags, by
// instance ids or by a change ticket's CSV, a live preview of what they match, rate control and
// timeouts; run now or submit suspended for review. `?from={namespace}/{name}` clones an
// execution, `?script={name}` preselects a script. Nothing is created until every check passes:
// the page checks as the user types, and the action checks again on the console server before it
// creates the execution as the user. Without JavaScript the form is sent by the browser itself:
// every target mode's fields are shown, and "Show parameters" reloads the chosen script's.
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type AppLoadContext,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import {
  createContext,
  useContext,
  useEffect,
  useMemo,
  useState,
  type FormEvent,
  type ReactElement,
  type ReactNode,
} from 'react';
import {
  INSTANCE_STATES,
  INTERPRETERS,
  PLATFORMS,
  type CloudCredential,
  type Script,
  type ScriptExecution,
} from '@pcm-ops/crds';
import { kubeAs } from '../lib/server/actions.server.js';
import { CsrfField, useFormPost } from '../lib/views/csrf-field.js';
import { summarize } from '../lib/executions/discovery.js';
import {
  apiErrors,
  buildExecution,
  initialForm,
  withPostedScript,
  withScript,
  targetsOf,
  type ExecutionForm,
  type FormContext,
  type FormError,
  type ScriptChoice,
  type TargetMode,
} from '../lib/executions/execution-form.js';
import {
  executionFormData,
  executionFormFromData,
  parameterField,
  secretField,
} from '../lib/executions/execution-form-data.js';
import {
  canI,
  kubeGet,
  pageNamespace,
  requireUser,
  type Permission,
} from '../lib/server/kube.server.js';
import { executionHref, PCM } from '../lib/links.js';
import { previewPlan, type PreviewPlan } from '../lib/executions/preview.js';
import { RouteError } from '../lib/views/route-error.js';
import {
  credentialChoice,
  knownRegions,
  type CredentialChoice,
} from '../lib/executions/targets.js';
import { useDiscovery } from '../lib/views/use-discovery.js';

export const meta: MetaFunction = () => [{ title: 'New execution · PCM-Ops' }];

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const PREVIEW_DELAY_MS = 500;
/** Whether the page's script runs: before it does (or without it) every choice's fields show. */
const Hydrated = createContext(false);

interface NewData {
  namespace: string;
  scripts: ScriptChoice[];
  credentials: CredentialChoice[];
  regions: string[];
  initial: ExecutionForm;
  clonedFrom: string | null;
  create: Permission;
}

function scriptChoice(script: Script): ScriptChoice {
  return {
    name: script.metadata.name ?? '',
    description: script.spec.description,
    interpreter: script.spec.interpreter,
    platforms: script.spec.platforms,
    parameters: script.spec.parameters ?? [],
  };
}

function cloneSource(url: URL): { namespace: string; name: string } | undefined {
  const [namespace = '', name = ''] = (url.searchParams.get('from') ?? '').split('/');
  if (!url.searchParams.has('from')) return undefined;
  if (!NAME.test(namespace) || !NAME.test(name))
    throw json({ message: '?from= must read {namespace}/{name} of an execution' }, { status: 400 });
  return { namespace, name };
}

/** The scripts and credentials of `namespace` the user can read: what the form is checked against. */
async function formContext(context: AppLoadContext, namespace: string): Promise<FormContext> {
  const base = `${PCM}/namespaces/${namespace}`;
  const [scripts, credentials] = await Promise.all([
    kubeGet<{ items: Script[] }>(context, `${base}/scripts`),
    kubeGet<{ items: CloudCredential[] }>(context, `${base}/cloudcredentials`),
  ]);
  return {
    namespace,
    scripts: scripts.items.map(scriptChoice).sort((a, b) => a.name.localeCompare(b.name)),
    credentials: credentials.items
      .map(credentialChoice)
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<NewData> {
  const user = requireUser(context);
  const url = new URL(request.url);
  const from = cloneSource(url);
  const namespace = from?.namespace ?? pageNamespace(user, url) ?? 'default';
  const base = `${PCM}/namespaces/${namespace}`;
  const [choices, source, create] = await Promise.all([
    formContext(context, namespace),
    from ? kubeGet<ScriptExecution>(context, `${base}/scriptexecutions/${from.name}`) : undefined,
    canI(context, { verb: 'create', resource: 'scriptexecutions', namespace }),
  ]);
  const initial = initialForm({
    source,
    scriptName: url.searchParams.get('script'),
    credentials: choices.credentials,
    scripts: choices.scripts,
  });
  return {
    namespace,
    scripts: [...choices.scripts],
    credentials: [...choices.credentials],
    regions: knownRegions(choices.credentials),
    initial,
    clonedFrom: from ? `${from.namespace}/${from.name}` : null,
    create,
  };
}

/** What the action answers when it created nothing: the errors and the form to show again. */
interface NewAnswer {
  errors: FormError[];
  values: ExecutionForm;
}

const answer = (errors: FormError[], values: ExecutionForm, status: number): Response =>
  json({ errors, values } satisfies NewAnswer, { status });

/**
 * Creates the execution as the user once the form passes the same checks the page makes. A post
 * with `intent=refresh` (the "Show parameters" button of a page without JavaScript) only shows
 * the form again with the chosen script's parameters.
 */
export async function action({ context, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const data = await request.formData();
  const namespace = String(data.get('namespace') ?? '');
  if (!NAME.test(namespace)) throw json({ message: 'not a valid namespace' }, { status: 400 });
  const form = executionFormFromData(data);
  const choices = await formContext(context, namespace);
  if (data.get('intent') === 'refresh') {
    return answer([], withPostedScript(form, choices.scripts), 200);
  }
  const built = buildExecution(form, choices, data.get('suspend') === 'true');
  if (!built.ok) return answer(built.errors, form, 422);
  const created = await kube(
    'POST',
    `${PCM}/namespaces/${namespace}/scriptexecutions`,
    built.manifest,
  );
  if (created.status !== 201) {
    return answer(apiErrors(created.body, form.targetMode), form, created.status);
  }
  return redirect(executionHref(namespace, (created.body as ScriptExecution).metadata.name ?? ''));
}

// ---------------------------------------------------------------------------------------------
// small pieces

type Update = (changes: Partial<ExecutionForm>) => void;

function FieldErrors({
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

function Field(props: {
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

function toggle(list: readonly string[], value: string, on: boolean): string[] {
  return on ? [...new Set([...list, value])] : list.filter((item) => item !== value);
}

function Checks(props: {
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

// ---------------------------------------------------------------------------------------------
// sections

function ScriptSection(props: {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement {
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

function ParametersSection(props: {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement | null {
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

const MODES: { mode: TargetMode; label: string }[] = [
  { mode: 'tags', label: 'By tags and filters' },
  { mode: 'ids', label: 'By instance ids' },
  { mode: 'csv', label: 'From a CSV (account,region,instanceId)' },
];

function CredentialChecks(props: {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement {
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

type SectionProps = {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
};

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

function TargetsSection(props: {
  data: NewData;
  form: ExecutionForm;
  update: Update;
  errors: FormError[];
}): ReactElement {
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

function skippedText(skipped: Record<string, number>): string {
  return Object.entries(skipped)
    .map(([reason, count]) => `${count} ${reason}`)
    .join(', ');
}

function Preview({ plan }: { plan: PreviewPlan | undefined }): ReactElement {
  const discovery = useDiscovery(plan?.queries ?? []);
  if (!plan) return <p className="muted">The preview appears once the targets are complete.</p>;
  const summary = summarize(discovery.answers);
  const loading = discovery.pending.size > 0;
  return (
    <section className="preview" aria-label="Preview" aria-busy={loading}>
      <p data-preview-total>
        {loading ? 'Resolving targets… ' : ''}
        <strong>{summary.matched}</strong> instances match
        {summary.skipped ? `, ${summary.skipped} would be skipped` : ''}
        {summary.errors ? `, ${summary.errors} places could not be asked` : ''}
      </p>
      {plan.problems.map((problem) => (
        <p key={problem} className="problem">
          {problem}
        </p>
      ))}
      {summary.places.length ? (
        <table className="grid compact" aria-label="Matched per account and region">
          <thead>
            <tr>
              <th>Account</th>
              <th>Region</th>
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
                <td>{p.region}</td>
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

// ---------------------------------------------------------------------------------------------
// the page

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

export default function NewExecution(): ReactElement {
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
    () => ({ namespace: data.namespace, credentials: data.credentials, scripts: data.scripts }),
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
          <TargetsSection data={data} form={form} update={update} errors={errors} />
          <fieldset>
            <legend>Preview</legend>
            <Preview plan={plan} />
          </fieldset>
          <RunSection form={form} update={update} errors={errors} />
          <LimitsSection form={form} update={update} errors={errors} />
          <RunButtons busy={busy} blocked={blocked} />
        </Hydrated.Provider>
      </Form>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
