// Creating and replacing a Script on the console server as the user: one request each, refused as
// a whole or not at all.
import type { Script, ScriptInput } from '@pcm-ops/crds';
import type { Kube, KubeReply } from './actions.server.js';
import { statusFormErrors, type FormErrors } from '../forms/form-errors.js';
import { PCM } from '../links.js';
import { scriptFieldOf } from '../scripts/script-form.js';

const scriptsPath = (namespace: string): string => `${PCM}/namespaces/${namespace}/scripts`;

export interface ScriptOutcome {
  errors?: FormErrors;
  status?: number;
}

function outcome(reply: KubeReply): ScriptOutcome {
  if (reply.ok) return {};
  return {
    errors: statusFormErrors(reply.body, reply.status, scriptFieldOf),
    status: reply.status,
  };
}

export async function createScript(script: ScriptInput, kube: Kube): Promise<ScriptOutcome> {
  const namespace = script.metadata.namespace ?? '';
  return outcome(await kube('POST', scriptsPath(namespace), script));
}

/** Replaces the spec, with the resourceVersion the form was loaded at: a change since conflicts. */
export async function updateScript(
  script: ScriptInput,
  stored: Script,
  kube: Kube,
): Promise<ScriptOutcome> {
  const namespace = stored.metadata.namespace ?? '';
  const path = `${scriptsPath(namespace)}/${stored.metadata.name ?? ''}`;
  const body = { ...script, metadata: { ...stored.metadata, managedFields: undefined } };
  return outcome(await kube('PUT', path, body));
}
