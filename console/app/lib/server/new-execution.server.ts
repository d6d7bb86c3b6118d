// The new-execution form's reads and its one write, for every provider section: the section's
// credentials and the namespace's scripts (what the form is checked against), a clone's form, and
// the action that checks the post again on the console server before it creates the execution as
// the user. Whatever the section, the execution opens on the one execution page.
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type AppLoadContext,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { CloudCredential, ProviderName, Script, ScriptExecution } from '@pcm-ops/crds';
import {
  apiErrors,
  buildExecution,
  initialForm,
  withPostedScript,
  type ExecutionForm,
  type FormContext,
  type FormError,
  type ScriptChoice,
} from '../executions/execution-form.js';
import { executionFormFromData } from '../executions/execution-form-data.js';
import { credentialChoice, knownRegions } from '../executions/targets.js';
import { executionHref, PCM } from '../links.js';
import type { NewAnswer, NewData } from '../views/new-execution-view.js';
import { kubeAs } from './actions.server.js';
import { canI, kubeGet, pageNamespace, requireUser } from './kube.server.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
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

/**
 * The scripts of `namespace` and its credentials of `provider` the user can read: what the form
 * is checked against.
 */
async function formContext(
  context: AppLoadContext,
  namespace: string,
  provider: ProviderName,
): Promise<FormContext> {
  const base = `${PCM}/namespaces/${namespace}`;
  const [scripts, credentials] = await Promise.all([
    kubeGet<{ items: Script[] }>(context, `${base}/scripts`),
    kubeGet<{ items: CloudCredential[] }>(context, `${base}/cloudcredentials`),
  ]);
  return {
    namespace,
    provider,
    scripts: scripts.items.map(scriptChoice).sort((a, b) => a.name.localeCompare(b.name)),
    credentials: credentials.items
      .filter((credential) => (credential.spec.provider ?? 'aws') === provider)
      .map(credentialChoice)
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The form's data for the section of `provider`: its credentials, the scripts, a clone's form. */
export async function newExecutionLoader(
  { context, request }: LoaderFunctionArgs,
  provider: ProviderName,
): Promise<NewData> {
  const user = requireUser(context);
  const url = new URL(request.url);
  const from = cloneSource(url);
  const namespace = from?.namespace ?? pageNamespace(user, url) ?? 'default';
  const base = `${PCM}/namespaces/${namespace}`;
  const [choices, source, create] = await Promise.all([
    formContext(context, namespace, provider),
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
    provider,
    scripts: [...choices.scripts],
    credentials: [...choices.credentials],
    regions: knownRegions(choices.credentials),
    initial,
    clonedFrom: from ? `${from.namespace}/${from.name}` : null,
    create,
  };
}

const answer = (errors: FormError[], values: ExecutionForm, status: number): Response =>
  json({ errors, values } satisfies NewAnswer, { status });

/**
 * Creates the execution as the user once the form passes the same checks the page makes. A post
 * with `intent=refresh` (the "Show parameters" button of a page without JavaScript) only shows
 * the form again with the chosen script's parameters.
 */
export async function newExecutionAction(
  { context, request }: ActionFunctionArgs,
  provider: ProviderName,
): Promise<Response> {
  const kube = kubeAs(context);
  const data = await request.formData();
  const namespace = String(data.get('namespace') ?? '');
  if (!NAME.test(namespace)) throw json({ message: 'not a valid namespace' }, { status: 400 });
  const form = executionFormFromData(data);
  const choices = await formContext(context, namespace, provider);
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
