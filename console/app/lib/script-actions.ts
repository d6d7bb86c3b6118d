// Creating and replacing a Script from the browser: one request each, refused as a whole or not.
import type { Script, ScriptInput } from '@pcm-ops/crds';
import { statusFormErrors, type FormErrors } from './form-errors.js';
import { kubeSend, type KubeReply } from './kube-client.js';
import { PCM } from './links.js';
import { scriptFieldOf } from './script-form.js';

const scriptsPath = (namespace: string): string => `${PCM}/namespaces/${namespace}/scripts`;

function outcome(reply: KubeReply): FormErrors | undefined {
  return reply.ok ? undefined : statusFormErrors(reply.body, reply.status, scriptFieldOf);
}

export async function createScript(
  script: ScriptInput,
  csrf: string,
): Promise<FormErrors | undefined> {
  const namespace = script.metadata.namespace ?? '';
  return outcome(await kubeSend('POST', scriptsPath(namespace), csrf, script));
}

/** Replaces the spec, with the stored resourceVersion so a concurrent change is a conflict. */
export async function updateScript(
  script: ScriptInput,
  stored: Script,
  csrf: string,
): Promise<FormErrors | undefined> {
  const namespace = stored.metadata.namespace ?? '';
  const path = `${scriptsPath(namespace)}/${stored.metadata.name ?? ''}`;
  const body = { ...script, metadata: { ...stored.metadata, managedFields: undefined } };
  return outcome(await kubeSend('PUT', path, csrf, body));
}
