// One Script: edit it in the code editor and parameter editor, see its YAML, delete it.
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import { OBJECT_NAME_PATTERN, type Script } from '@pcm-ops/crds';
import { kubeAs, refused } from '../lib/server/actions.server.js';
import { DeleteButton, type DeleteAnswer } from '../lib/views/delete-button.js';
import { seenFields } from '../lib/views/csrf-field.js';
import { deleteAs, INTENT, stored } from '../lib/server/delete.server.js';
import { canI, kubeGet, requireUser, type Permission } from '../lib/server/kube.server.js';
import { PCM } from '../lib/links.js';
import { scriptHref, yamlHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';
import { updateScript } from '../lib/server/script-actions.server.js';
import { planScript, scriptFormFromData, scriptToForm } from '../lib/scripts/script-form.js';
import { ScriptFormView, type ScriptAnswer } from '../lib/views/script-form-view.js';

export const meta: MetaFunction = ({ params }) => [{ title: `${params.name ?? ''} · PCM-Ops` }];

interface DetailData {
  script: Script;
  update: Permission;
  remove: Permission;
}

function objectOf(params: ActionFunctionArgs['params']): { namespace: string; name: string } {
  const namespace = params.namespace ?? '';
  const name = params.name ?? '';
  if (!OBJECT_NAME_PATTERN.test(namespace) || !OBJECT_NAME_PATTERN.test(name)) {
    throw json({ message: 'not a valid namespace or script name' }, { status: 404 });
  }
  return { namespace, name };
}

/** Save (conditional on the version the form was loaded at) or delete, as the user. */
export async function action({ context, params, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const { namespace, name } = objectOf(params);
  const path = `${PCM}/namespaces/${namespace}/scripts/${name}`;
  const data = await request.formData();
  if (data.get(INTENT) === 'delete') return deleteAs(kube, path, '/aws/scripts');
  const current = await stored<Script>(kube, path, data);
  const form = scriptFormFromData(data, { namespace, name });
  const planned = planScript(form);
  if (!planned.script) return refused(planned.errors, form);
  const outcome = await updateScript(planned.script, current, kube);
  if (outcome.errors) return refused(outcome.errors, form, outcome.status);
  return redirect(scriptHref(namespace, name));
}

export async function loader({ context, params }: LoaderFunctionArgs): Promise<DetailData> {
  requireUser(context);
  const { namespace, name } = objectOf(params);
  const [script, update, remove] = await Promise.all([
    kubeGet<Script>(context, `${PCM}/namespaces/${namespace}/scripts/${name}`),
    canI(context, { verb: 'update', resource: 'scripts', namespace, name }),
    canI(context, { verb: 'delete', resource: 'scripts', namespace, name }),
  ]);
  const metadata: Record<string, unknown> = { ...script.metadata };
  delete metadata.managedFields;
  return { script: { ...script, metadata } as Script, update, remove };
}

export default function ScriptDetail(): ReactElement {
  const { script, update, remove } = useLoaderData<typeof loader>();
  const namespace = script.metadata.namespace ?? '';
  const name = script.metadata.name ?? '';
  const answer = useActionData<ScriptAnswer & DeleteAnswer>();
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/scripts">Script library</Link> / {namespace} / {name}
      </nav>
      <header className="title">
        <h1>{name}</h1>
        <Link to={yamlHref('scripts', namespace, name)}>YAML</Link>
        <DeleteButton what={`script ${name}`} permission={remove} answer={answer} />
      </header>
      {script.spec.description ? <p className="message">{script.spec.description}</p> : null}
      <ScriptFormView
        key={script.metadata.generation}
        initial={scriptToForm(script)}
        editing
        blocker={update.reason}
        submitLabel="Save changes"
        answer={answer?.values ? answer : undefined}
        hidden={seenFields(script.metadata)}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
