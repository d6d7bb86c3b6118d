import type { ScriptExecution, ScriptSpec } from '@pcm-ops/crds';
import { resolveParameters, scriptHash } from '../../domain/render.js';
import type { Lookups } from './deps.js';

export interface Prepared {
  script: ScriptSpec;
  values: Record<string, string>;
  hash: string;
}

export interface Refusal {
  ok: false;
  reason: string;
  message: string;
}

type Outcome<T> = { ok: true; value: T } | Refusal;
export type PrepareResult = Outcome<Prepared>;

function scriptOf(se: ScriptExecution, lookups: Lookups): Outcome<ScriptSpec> {
  if (se.spec.script) return { ok: true, value: se.spec.script };
  const name = se.spec.scriptRef!.name;
  const script = lookups.script(se.metadata.namespace!, name);
  if (!script) {
    return {
      ok: false,
      reason: 'ScriptNotFound',
      message: `Script "${name}" (spec.scriptRef.name) not found`,
    };
  }
  return { ok: true, value: script.spec };
}

function secretValues(se: ScriptExecution, lookups: Lookups): Outcome<Record<string, string>> {
  const values: Record<string, string> = {};
  for (const [index, param] of (se.spec.secretParameters ?? []).entries()) {
    const { name, key } = param.secretKeyRef;
    const raw = lookups.secret(se.metadata.namespace!, name)?.data?.[key];
    if (raw === undefined) {
      return {
        ok: false,
        reason: 'SecretNotFound',
        message: `Secret "${name}" key "${key}" (spec.secretParameters[${index}]) not found`,
      };
    }
    values[param.name] = Buffer.from(raw, 'base64').toString('utf8');
  }
  return { ok: true, value: values };
}

/** The script to run and its parameter values, or why the execution cannot run. */
export function prepare(se: ScriptExecution, lookups: Lookups): PrepareResult {
  const found = scriptOf(se, lookups);
  if (!found.ok) return found;
  const secrets = secretValues(se, lookups);
  if (!secrets.ok) return secrets;
  const script = found.value;
  const resolved = resolveParameters(script, se.spec.parameters ?? {}, secrets.value);
  if (!resolved.ok) {
    const message = resolved.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return { ok: false, reason: 'InvalidParameters', message };
  }
  return {
    ok: true,
    value: { script, values: resolved.value, hash: scriptHash(script.interpreter, script.body) },
  };
}
