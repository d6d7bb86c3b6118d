// The new-execution form as plain data: its state, the ScriptExecution manifest it stands for
// (checked by the API's own zod schema before anything is sent), and the way back from an
// existing execution (clone). Every error names the form field it belongs to.
import {
  API_VERSION,
  countsAsGiven,
  HOST_NAME_PATTERN,
  fieldErrors,
  INTERPRETERS,
  parameterProblems,
  parseTags,
  SECRET_PARAMETERS_FIELD,
  ScriptExecutionSchema,
  splitList,
  tagLines,
  type ExecutionTarget,
  type Interpreter,
  type ProviderName,
  type ScriptExecution,
  type ScriptParameter,
} from '@pcm-ops/crds';
import { describeProblem, parseTargetsCsv, type CsvTarget } from '../aws/csv-targets.js';
import { MACHINE_WORDS } from './machines.js';
import type { CredentialChoice } from './targets.js';

export type TargetMode = 'tags' | 'ids' | 'csv' | 'cloned';

export interface SecretRef {
  name: string;
  key: string;
}

export interface ExecutionForm {
  name: string;
  scriptSource: 'library' | 'inline';
  scriptName: string;
  interpreter: Interpreter;
  body: string;
  parameters: Record<string, string>;
  secretParameters: Record<string, SecretRef>;
  targetMode: TargetMode;
  credentials: string[];
  regions: string;
  tags: string;
  platforms: string[];
  states: string[];
  onlineOnly: boolean;
  instanceIds: string;
  csv: string;
  /** Targets of a cloned execution that none of the other modes can show; sent unchanged. */
  clonedTargets: ExecutionTarget[];
  changeRef: string;
  maxConcurrency: string;
  maxErrors: string;
  deliverySeconds: string;
  executionSeconds: string;
  activeDeadlineSeconds: string;
}

export function emptyForm(): ExecutionForm {
  return {
    name: '',
    scriptSource: 'library',
    scriptName: '',
    interpreter: 'bash',
    body: '',
    parameters: {},
    secretParameters: {},
    targetMode: 'tags',
    credentials: [],
    regions: '',
    tags: '',
    platforms: [],
    states: [],
    onlineOnly: true,
    instanceIds: '',
    csv: '',
    clonedTargets: [],
    changeRef: '',
    maxConcurrency: '',
    maxErrors: '',
    deliverySeconds: '',
    executionSeconds: '',
    activeDeadlineSeconds: '',
  };
}

/** What the form needs to know of a Script in the library. */
export interface ScriptChoice {
  name: string;
  description?: string;
  interpreter: string;
  platforms?: string[];
  parameters: Array<Pick<ScriptParameter, 'name'> & Partial<ScriptParameter>>;
}

export interface FormContext {
  namespace: string;
  /** The section the form belongs to: its words, and how ids are spelt (aws when absent). */
  provider?: ProviderName;
  credentials: readonly CredentialChoice[];
  scripts: readonly ScriptChoice[];
}

/** An error shown next to `field` (a form field key); `path` is the API's name for it. */
export interface FormError {
  field: string;
  path: string;
  message: string;
}

export type Built =
  | { ok: true; manifest: ScriptExecution; errors: [] }
  | { ok: false; manifest: undefined; errors: FormError[] };

const error = (field: string, path: string, message: string): FormError => ({
  field,
  path,
  message,
});

// ---------------------------------------------------------------------------------------------
// parameters: the API package's rule, the one the operator checks before it renders the script.
// The form knows of a Secret only its name and key, so a value read from one is taken as given.

type Declaration = ScriptChoice['parameters'][number];

/** The inputs a script's parameters start with: each default, so clearing one means "empty". */
export function parameterDefaults(script: ScriptChoice | undefined): Record<string, string> {
  const entries = (script?.parameters ?? [])
    .filter((d) => !d.sensitive && d.default !== undefined)
    .map((d) => [d.name, d.default!] as const);
  return Object.fromEntries(entries);
}

const complete = (ref: SecretRef | undefined): boolean => Boolean(ref?.name && ref.key);
const started = (ref: SecretRef | undefined): boolean => Boolean(ref?.name || ref?.key);

/** What spec.parameters will hold: every input, but an empty one where it means "not given". */
function plainValues(
  form: ExecutionForm,
  declared: readonly Declaration[],
): Record<string, string> {
  const entries = Object.entries(form.parameters).filter(([name, value]) => {
    const declaration = declared.find((d) => d.name === name);
    return !declaration || countsAsGiven(declaration, value);
  });
  return Object.fromEntries(entries);
}

/** The Secrets named in full, by parameter: their values are not known here. */
function secretReferences(form: ExecutionForm): Record<string, null> {
  const named = Object.entries(form.secretParameters).filter(([, ref]) => complete(ref));
  return Object.fromEntries(named.map(([name]) => [name, null]));
}

export function parameterErrors(
  form: ExecutionForm,
  script: ScriptChoice | undefined,
): FormError[] {
  if (!script) return [];
  // a half-filled reference is the form's own problem, and the one to fix first
  const halfFilled = new Set(
    Object.entries(form.secretParameters)
      .filter(([, ref]) => started(ref) && !complete(ref))
      .map(([name]) => name),
  );
  const incomplete = [...halfFilled].map((name) =>
    error(`parameters.${name}`, SECRET_PARAMETERS_FIELD, 'give both the Secret name and the key'),
  );
  const shared = parameterProblems(
    script.parameters,
    plainValues(form, script.parameters),
    secretReferences(form),
  )
    .filter((e) => !halfFilled.has(e.parameter))
    .map((e) => error(`parameters.${e.parameter}`, e.field, e.message));
  return [...incomplete, ...shared];
}

function parametersOf(
  form: ExecutionForm,
  script: ScriptChoice | undefined,
): {
  parameters?: Record<string, string>;
  secretParameters?: { name: string; secretKeyRef: SecretRef }[];
} {
  const plain = Object.entries(plainValues(form, script?.parameters ?? []));
  const secret = Object.entries(form.secretParameters)
    .filter(([, ref]) => complete(ref))
    .map(([name, ref]) => ({ name, secretKeyRef: { name: ref.name, key: ref.key } }));
  return {
    ...(plain.length ? { parameters: Object.fromEntries(plain) } : {}),
    ...(secret.length ? { secretParameters: secret } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// targets

type Targets = { ok: true; targets: ExecutionTarget[] } | { ok: false; errors: FormError[] };

function filtersOf(form: ExecutionForm): ExecutionTarget['filters'] {
  const filters: NonNullable<ExecutionTarget['filters']> = {};
  if (form.platforms.length) filters.platforms = form.platforms as never;
  if (form.states.length) filters.states = form.states as never;
  return Object.keys(filters).length ? filters : undefined;
}

function regionsOf(form: ExecutionForm): string[] | undefined {
  const regions = splitList(form.regions);
  return regions.length ? regions : undefined;
}

function tagTargets(form: ExecutionForm, context: FormContext): Targets {
  if (form.credentials.length === 0)
    return {
      ok: false,
      errors: [error('credentials', 'spec.targets', 'choose at least one credential')],
    };
  const tags = parseTags(form.tags.split('\n'));
  if (!tags.ok) return { ok: false, errors: [error('tags', 'spec.targets[0].tags', tags.message)] };
  const filters = filtersOf(form);
  const hasTags = Object.keys(tags.value).length > 0;
  if (!hasTags && !filters) {
    const message =
      context.provider === 'ssh'
        ? 'give at least one label (key=value)'
        : 'give at least one tag (Key=value) or a platform or state filter';
    return { ok: false, errors: [error('tags', 'spec.targets[0].tags', message)] };
  }
  const regions = regionsOf(form);
  const targets = form.credentials.map((credential) => ({
    credentialRef: { name: credential },
    ...(regions ? { regions } : {}),
    ...(hasTags ? { tags: tags.value } : {}),
    ...(filters ? { filters } : {}),
    onlineOnly: form.onlineOnly,
  }));
  return { ok: true, targets };
}

/** Ids as the credential's provider names its machines: EC2 instance ids, or host names. */
function idSelector(
  ids: string[],
  provider: CredentialChoice['provider'],
): { ok: true; selector: Partial<ExecutionTarget> } | { ok: false; errors: FormError[] } {
  if (provider !== 'ssh') return { ok: true, selector: { instanceIds: ids } };
  const wrong = ids.find((id) => id.length > 63 || !HOST_NAME_PATTERN.test(id));
  if (!wrong) return { ok: true, selector: { ids } };
  const message = `"${wrong}" is not a host name: lowercase letters, digits, - and . (63 at most)`;
  return { ok: false, errors: [error('instanceIds', 'spec.targets[0].ids', message)] };
}

function idTargets(form: ExecutionForm, context: FormContext): Targets {
  const chosen = context.credentials.find((c) => c.name === form.credentials[0]);
  const provider = chosen?.provider ?? context.provider;
  const words = MACHINE_WORDS[provider ?? 'aws'];
  if (form.credentials.length !== 1) {
    const message =
      context.provider === 'ssh'
        ? 'choose the one credential that reaches these hosts'
        : 'choose the one credential that reaches these instances (use CSV for several accounts)';
    return { ok: false, errors: [error('credentials', 'spec.targets', message)] };
  }
  const ids = splitList(form.instanceIds);
  if (ids.length === 0) {
    const path = provider === 'ssh' ? 'spec.targets[0].ids' : 'spec.targets[0].instanceIds';
    return { ok: false, errors: [error('instanceIds', path, `give at least one ${words.id}`)] };
  }
  const selector = idSelector(ids, provider);
  if (!selector.ok) return selector;
  const regions = regionsOf(form);
  const target = {
    credentialRef: { name: form.credentials[0]! },
    ...(regions ? { regions } : {}),
    ...selector.selector,
    onlineOnly: form.onlineOnly,
  };
  return { ok: true, targets: [target] };
}

/** The credential that reaches an account: one whose status.accountId matches, Ready first. */
export function credentialFor(
  accountId: string,
  credentials: readonly CredentialChoice[],
): CredentialChoice | undefined {
  const matching = credentials.filter((c) => c.accountId === accountId);
  return matching.find((c) => c.ready) ?? matching[0];
}

function accountProblem(
  row: CsvTarget,
  credential: CredentialChoice | undefined,
  namespace: string,
): string | undefined {
  if (!credential) {
    return `line ${row.line}, column 1: no CloudCredential in namespace ${namespace} has status.accountId ${row.accountId}; create one for that account or fix the line`;
  }
  if (!credential.ready)
    return `line ${row.line}, column 1: account ${row.accountId} is reached by CloudCredential ${credential.name}, which is ${credential.reason}`;
  return undefined;
}

/** One target per account and region: the CSV's instances there, through the account's credential. */
export function csvTargets(
  text: string,
  credentials: readonly CredentialChoice[],
  namespace: string,
  onlineOnly: boolean,
): Targets {
  const parsed = parseTargetsCsv(text);
  const errors = parsed.problems.map((p) => error('csv', 'csv', describeProblem(p)));
  if (parsed.targets.length === 0 && errors.length === 0)
    errors.push(
      error('csv', 'csv', 'paste or upload at least one line: account,region,instanceId'),
    );
  const groups = new Map<string, { credential: string; region: string; ids: string[] }>();
  const reported = new Set<string>();
  for (const row of parsed.targets) {
    const credential = credentialFor(row.accountId, credentials);
    const problem = accountProblem(row, credential, namespace);
    if (problem || !credential) {
      if (!reported.has(row.accountId)) errors.push(error('csv', 'csv', problem ?? ''));
      reported.add(row.accountId);
      continue;
    }
    const key = `${credential.name}/${row.region}`;
    const group = groups.get(key) ?? { credential: credential.name, region: row.region, ids: [] };
    group.ids.push(row.instanceId);
    groups.set(key, group);
  }
  if (errors.length) return { ok: false, errors };
  const targets = [...groups.values()].map((group) => ({
    credentialRef: { name: group.credential },
    regions: [group.region],
    instanceIds: group.ids,
    onlineOnly,
  }));
  return { ok: true, targets };
}

export function targetsOf(form: ExecutionForm, context: FormContext): Targets {
  switch (form.targetMode) {
    case 'tags':
      return tagTargets(form, context);
    case 'ids':
      return idTargets(form, context);
    case 'csv':
      return csvTargets(form.csv, context.credentials, context.namespace, form.onlineOnly);
    case 'cloned':
      return { ok: true, targets: form.clonedTargets };
  }
}

// ---------------------------------------------------------------------------------------------
// rate control, timeouts and the manifest

/** `10` → 10, `10%` → "10%", `` → undefined; the schema judges the rest. */
function countOrPercent(text: string): number | string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  return /^[0-9]+$/.test(value) ? Number(value) : value;
}

function seconds(text: string): number | string | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  return /^[0-9]+$/.test(value) ? Number(value) : value;
}

function compact<T extends object>(value: T): T | undefined {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
}

function scriptOf(form: ExecutionForm): Record<string, unknown> {
  if (form.scriptSource === 'library') return { scriptRef: { name: form.scriptName } };
  return { script: { interpreter: form.interpreter, body: form.body } };
}

function metadataOf(form: ExecutionForm, namespace: string): Record<string, unknown> {
  const name = form.name.trim();
  const stem = (form.scriptSource === 'library' ? form.scriptName : 'inline') || 'run';
  return name ? { name, namespace } : { generateName: `${stem.slice(0, 50)}-`, namespace };
}

/** The manifest the form stands for, before any check. */
export function manifestOf(
  form: ExecutionForm,
  context: FormContext,
  targets: ExecutionTarget[],
  suspend: boolean,
): Record<string, unknown> {
  const script = context.scripts.find((s) => s.name === form.scriptName);
  const spec = {
    ...scriptOf(form),
    ...parametersOf(form, form.scriptSource === 'library' ? script : undefined),
    targets,
    rateControl: compact({
      maxConcurrency: countOrPercent(form.maxConcurrency),
      maxErrors: countOrPercent(form.maxErrors),
    }),
    timeouts: compact({
      deliverySeconds: seconds(form.deliverySeconds),
      executionSeconds: seconds(form.executionSeconds),
      activeDeadlineSeconds: seconds(form.activeDeadlineSeconds),
    }),
    suspend,
    changeRef: form.changeRef.trim() || undefined,
  };
  return {
    apiVersion: API_VERSION,
    kind: 'ScriptExecution',
    metadata: metadataOf(form, context.namespace),
    spec: compact(spec),
  };
}

/** Which form field shows an error the schema (or the API server) reports at `path`. */
export function formFieldOf(path: string, mode: TargetMode): string {
  const rules: Array<[RegExp, string | ((m: RegExpExecArray) => string)]> = [
    [/^metadata\.(generateN|n)ame/, 'name'],
    [/^spec\.(scriptRef|script)\b/, 'script'],
    [/^spec\.(secretP|p)arameters\.([A-Za-z0-9_]+)/, (m) => `parameters.${m[2]}`],
    [/^spec\.(secretP|p)arameters/, 'parameters'],
    [/^spec\.targets\[\d+\]\.tags/, 'tags'],
    [/^spec\.targets\[\d+\]\.regions/, mode === 'csv' ? 'csv' : 'regions'],
    [/^spec\.targets\[\d+\]\.(instanceIds|ids)/, mode === 'csv' ? 'csv' : 'instanceIds'],
    [/^spec\.targets\[\d+\]\.credentialRef/, mode === 'csv' ? 'csv' : 'credentials'],
    [/^spec\.targets/, mode === 'csv' ? 'csv' : 'targets'],
    [/^spec\.rateControl\.(maxConcurrency|maxErrors)/, (m) => m[1]!],
    [/^spec\.timeouts\.(\w+)/, (m) => m[1]!],
    [/^spec\.changeRef/, 'changeRef'],
  ];
  for (const [pattern, field] of rules) {
    const match = pattern.exec(path);
    if (match) return typeof field === 'string' ? field : field(match);
  }
  return 'form';
}

function scriptErrors(form: ExecutionForm, context: FormContext): FormError[] {
  if (form.scriptSource === 'inline') return [];
  if (!form.scriptName) return [error('script', 'spec.scriptRef', 'choose a script')];
  if (!context.scripts.some((s) => s.name === form.scriptName))
    return [
      error(
        'script',
        'spec.scriptRef',
        `Script ${form.scriptName} not found in ${context.namespace}`,
      ),
    ];
  return [];
}

/**
 * The manifest, or every error found: the form's own checks (script, parameters as the script
 * declares them, targets) and then the ScriptExecution schema, the one the CRD is generated from.
 */
export function buildExecution(form: ExecutionForm, context: FormContext, suspend: boolean): Built {
  const script = context.scripts.find((s) => s.name === form.scriptName);
  const targets = targetsOf(form, context);
  const errors = [
    ...scriptErrors(form, context),
    ...(form.scriptSource === 'library' ? parameterErrors(form, script) : []),
    ...(targets.ok ? [] : targets.errors),
  ];
  const manifest = manifestOf(form, context, targets.ok ? targets.targets : [], suspend);
  const checked = ScriptExecutionSchema.safeParse(manifest);
  if (!checked.success) {
    const schemaErrors = fieldErrors(checked.error)
      .filter((e) => targets.ok || !e.field.startsWith('spec.targets'))
      .map((e) => error(formFieldOf(e.field, form.targetMode), e.field, e.message));
    errors.push(...schemaErrors.filter((e) => !errors.some((known) => known.field === e.field)));
  }
  if (errors.length || !checked.success) return { ok: false, manifest: undefined, errors };
  return { ok: true, manifest: checked.data, errors: [] };
}

// ---------------------------------------------------------------------------------------------
// clone: an existing execution back into the form

function commonSelector(targets: readonly ExecutionTarget[]): boolean {
  const first = targets[0];
  const selector = (t: ExecutionTarget): string =>
    JSON.stringify([t.regions ?? null, t.tags ?? null, t.filters ?? null, t.onlineOnly]);
  return (
    Boolean(first) &&
    targets.every(
      (t) =>
        !t.instanceIds && !t.ids && !t.organizationAccounts && selector(t) === selector(first!),
    )
  );
}

function csvOf(
  targets: readonly ExecutionTarget[],
  credentials: readonly CredentialChoice[],
): string | undefined {
  const lines: string[] = [];
  for (const target of targets) {
    const accountId = credentials.find((c) => c.name === target.credentialRef.name)?.accountId;
    if (
      !target.instanceIds ||
      target.regions?.length !== 1 ||
      !accountId ||
      target.organizationAccounts
    )
      return undefined;
    lines.push(...target.instanceIds.map((id) => `${accountId},${target.regions![0]},${id}`));
  }
  return ['account,region,instanceId', ...lines].join('\n');
}

function tagForm(first: ExecutionTarget): Partial<ExecutionForm> {
  return {
    targetMode: 'tags',
    tags: tagLines(first.tags).join('\n'),
    platforms: [...(first.filters?.platforms ?? [])],
    states: [...(first.filters?.states ?? [])],
  };
}

/** The machines one target names, in either spelling, unless it reaches organization accounts. */
function namedIds(targets: ExecutionTarget[]): string[] | undefined {
  const [only] = targets;
  if (targets.length !== 1 || !only || only.organizationAccounts) return undefined;
  return only.instanceIds ?? only.ids;
}

function selectorForm(
  targets: ExecutionTarget[],
  credentials: readonly CredentialChoice[],
): Partial<ExecutionForm> {
  const first = targets[0];
  if (first && commonSelector(targets)) return tagForm(first);
  const ids = namedIds(targets);
  if (ids) return { targetMode: 'ids', instanceIds: ids.join('\n') };
  const csv = csvOf(targets, credentials);
  if (csv) return { targetMode: 'csv', csv };
  return { targetMode: 'cloned', clonedTargets: targets };
}

function targetsForm(
  targets: ExecutionTarget[],
  credentials: readonly CredentialChoice[],
): Partial<ExecutionForm> {
  const first = targets[0];
  return {
    regions: (first?.regions ?? []).join(', '),
    onlineOnly: first?.onlineOnly ?? true,
    credentials: [...new Set(targets.map((t) => t.credentialRef.name))],
    ...selectorForm(targets, credentials),
  };
}

const text = (value: number | string | undefined): string =>
  value === undefined ? '' : String(value);

function scriptForm(spec: ScriptExecution['spec']): Partial<ExecutionForm> {
  const inline = spec.script;
  if (!inline) return { scriptSource: 'library', scriptName: spec.scriptRef?.name ?? '' };
  const known = (INTERPRETERS as readonly string[]).includes(inline.interpreter);
  return {
    scriptSource: 'inline',
    interpreter: known ? inline.interpreter : 'bash',
    body: inline.body,
  };
}

function limitsForm(spec: ScriptExecution['spec']): Partial<ExecutionForm> {
  const rate = spec.rateControl ?? {};
  const timeouts = spec.timeouts ?? {};
  return {
    maxConcurrency: text(rate.maxConcurrency),
    maxErrors: text(rate.maxErrors),
    deliverySeconds: text(timeouts.deliverySeconds),
    executionSeconds: text(timeouts.executionSeconds),
    activeDeadlineSeconds: text(timeouts.activeDeadlineSeconds),
  };
}

/**
 * The clone's parameter inputs: the values its spec gives, and the script's default for each
 * parameter it left to the default (not one it takes from a Secret).
 */
function clonedParameters(
  spec: ScriptExecution['spec'],
  script: ScriptChoice | undefined,
): Record<string, string> {
  const fromSecrets = new Set((spec.secretParameters ?? []).map((p) => p.name));
  const defaults = Object.entries(parameterDefaults(script)).filter(
    ([name]) => !fromSecrets.has(name),
  );
  return { ...Object.fromEntries(defaults), ...spec.parameters };
}

/**
 * The form filled from an existing execution: same script, parameters, targets and limits.
 * `scripts` supplies the defaults of the parameters the execution left to them.
 */
export function formFromExecution(
  execution: ScriptExecution,
  credentials: readonly CredentialChoice[],
  scripts: readonly ScriptChoice[] = [],
): ExecutionForm {
  const spec = execution.spec;
  const script = spec.script ? undefined : scripts.find((s) => s.name === spec.scriptRef?.name);
  return {
    ...emptyForm(),
    ...scriptForm(spec),
    parameters: clonedParameters(spec, script),
    secretParameters: Object.fromEntries(
      (spec.secretParameters ?? []).map((p) => [p.name, { ...p.secretKeyRef }]),
    ),
    ...targetsForm(spec.targets, credentials),
    changeRef: spec.changeRef ?? '',
    ...limitsForm(spec),
  };
}

/** The form with `scriptName` chosen, its parameter inputs holding that script's defaults. */
export function withScript(
  form: ExecutionForm,
  scriptName: string,
  scripts: readonly ScriptChoice[],
): ExecutionForm {
  const script = scripts.find((s) => s.name === scriptName);
  return { ...form, scriptName, parameters: parameterDefaults(script) };
}

/**
 * The form a page without JavaScript shows after "Show parameters": the chosen script's defaults,
 * overlaid with what was posted for the parameters that script declares.
 */
export function withPostedScript(
  form: ExecutionForm,
  scripts: readonly ScriptChoice[],
): ExecutionForm {
  const script = scripts.find((s) => s.name === form.scriptName);
  const declared = new Set(script?.parameters.map((d) => d.name));
  const posted = Object.entries(form.parameters).filter(([name]) => declared.has(name));
  return { ...form, parameters: { ...parameterDefaults(script), ...Object.fromEntries(posted) } };
}

/**
 * The form the new-execution page opens with: a clone of `source`, or an empty form with the
 * script `scriptName` (from `?script=`) chosen and its defaults filled in.
 */
export function initialForm(options: {
  source?: ScriptExecution;
  scriptName?: string | null;
  credentials: readonly CredentialChoice[];
  scripts: readonly ScriptChoice[];
}): ExecutionForm {
  const { source, scriptName, credentials, scripts } = options;
  if (source) return formFromExecution(source, credentials, scripts);
  return scriptName ? withScript(emptyForm(), scriptName, scripts) : emptyForm();
}

/** Kubernetes' own 422: `details.causes[]` with a field each, shown next to the form field. */
export function apiErrors(body: unknown, mode: TargetMode): FormError[] {
  const status = body as {
    message?: string;
    details?: { causes?: { field?: string; message?: string }[] };
  };
  const causes = status.details?.causes ?? [];
  if (causes.length === 0)
    return [error('form', '', status.message ?? 'the API server refused the execution')];
  return causes.map((cause) => {
    const path = cause.field ?? '';
    return error(formFieldOf(path, mode), path, cause.message ?? status.message ?? '');
  });
}
