import {
  resolveParameters,
  type ScriptExecution,
  type ScriptExecutionStatus,
  type ScriptSpec,
} from '@pcm-ops/crds';
import { scriptHash } from '../../domain/render.js';
import type { ExecutionDeps } from './deps.js';

type Resolution = NonNullable<ScriptExecutionStatus['resolution']>;
type ResolvedSecret = NonNullable<Resolution['secrets']>[number];

export interface Prepared {
  script: ScriptSpec;
  values: Record<string, string>;
  hash: string;
  resolution: Resolution;
}

export interface Refusal {
  ok: false;
  reason: string;
  message: string;
}

type Outcome<T> = { ok: true; value: T } | Refusal;
export type PrepareResult = Outcome<Prepared>;

function refuse(reason: string, message: string): Refusal {
  return { ok: false, reason, message };
}

/** The script to run: the inline one, or a copy of the Script the execution names. */
function liveScript(
  se: ScriptExecution,
  deps: ExecutionDeps,
): Outcome<Pick<Resolution, 'script' | 'scriptRef'>> {
  if (se.spec.script) return { ok: true, value: { script: se.spec.script } };
  const name = se.spec.scriptRef!.name;
  const script = deps.lookups.script(se.metadata.namespace!, name);
  if (!script) return refuse('ScriptNotFound', `Script "${name}" (spec.scriptRef.name) not found`);
  const { uid, generation } = script.metadata;
  return {
    ok: true,
    value: { script: script.spec, scriptRef: { name, uid, generation } },
  };
}

interface SecretValues {
  values: Record<string, string>;
  versions: ResolvedSecret[];
}

function changed(expected: ResolvedSecret | undefined, uid?: string, version?: string): boolean {
  return expected !== undefined && (expected.uid !== uid || expected.resourceVersion !== version);
}

/**
 * The values of spec.secretParameters, and the version of each Secret read. With `expected` (the
 * versions recorded when the run was resolved) a Secret that changed since is refused: every
 * batch of a run gets the values it was resolved with, or none.
 */
async function secretValues(
  se: ScriptExecution,
  deps: ExecutionDeps,
  expected?: readonly ResolvedSecret[],
): Promise<Outcome<SecretValues>> {
  const found: SecretValues = { values: {}, versions: [] };
  for (const [index, param] of (se.spec.secretParameters ?? []).entries()) {
    const read = await secretValue(se, deps, index, expected);
    if (!read.ok) return read;
    found.values[param.name] = read.value.value;
    found.versions.push(read.value.version);
  }
  return { ok: true, value: found };
}

async function secretValue(
  se: ScriptExecution,
  deps: ExecutionDeps,
  index: number,
  expected?: readonly ResolvedSecret[],
): Promise<Outcome<{ value: string; version: ResolvedSecret }>> {
  const param = se.spec.secretParameters![index]!;
  const { name, key } = param.secretKeyRef;
  const where = `Secret "${name}" key "${key}" (spec.secretParameters[${index}])`;
  const secret = await deps.secrets.get(se.metadata.namespace!, name);
  const raw = secret?.data?.[key];
  if (raw === undefined) return refuse('SecretNotFound', `${where} not found`);
  const { uid = '', resourceVersion = '' } = secret!.metadata ?? {};
  const was = expected?.find((s) => s.parameter === param.name);
  if (changed(was, uid, resourceVersion))
    return refuse('SecretChanged', `${where} changed after the run was resolved`);
  const value = Buffer.from(raw, 'base64').toString('utf8');
  return {
    ok: true,
    value: { value, version: { parameter: param.name, name, key, uid, resourceVersion } },
  };
}

function withValues(
  se: ScriptExecution,
  base: Pick<Resolution, 'script' | 'scriptRef' | 'startedAt'>,
  secrets: SecretValues,
): PrepareResult {
  const { script } = base;
  const resolved = resolveParameters(script, se.spec.parameters ?? {}, secrets.values);
  if (!resolved.ok) {
    const message = resolved.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return refuse('InvalidParameters', message);
  }
  const resolution: Resolution = {
    ...base,
    ...(secrets.versions.length ? { secrets: secrets.versions } : {}),
  };
  return {
    ok: true,
    value: {
      script,
      values: resolved.value,
      hash: scriptHash(script.interpreter, script.body),
      resolution,
    },
  };
}

/** Before resolving: the script as it is now, its parameters and the Secrets they come from. */
export async function prepare(se: ScriptExecution, deps: ExecutionDeps): Promise<PrepareResult> {
  const found = liveScript(se, deps);
  if (!found.ok) return found;
  const secrets = await secretValues(se, deps);
  if (!secrets.ok) return secrets;
  return withValues(se, { ...found.value, startedAt: deps.now().toISOString() }, secrets.value);
}

/**
 * After resolving started: the script exactly as it was resolved, whatever happened to the
 * Script since, with the Secrets' values only while they are the versions resolved.
 */
export async function prepareResolved(
  se: ScriptExecution,
  deps: ExecutionDeps,
): Promise<PrepareResult> {
  const resolution = se.status?.resolution;
  // resolved by an operator that kept no copy: read the Script as it is now
  if (!resolution) return prepare(se, deps);
  const secrets = await secretValues(se, deps, resolution.secrets ?? []);
  if (!secrets.ok) return secrets;
  return withValues(se, resolution, secrets.value);
}
