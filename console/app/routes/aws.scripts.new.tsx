// A new Script: checked by the API's schema in the page and again by the action, then created in
// one request as the user.
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import { kubeAs, refused } from '../lib/server/actions.server.js';
import { canI, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import { scriptHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';
import { createScript } from '../lib/server/script-actions.server.js';
import { EMPTY_SCRIPT_FORM, planScript, scriptFormFromData } from '../lib/scripts/script-form.js';
import { ScriptFormView, type ScriptAnswer } from '../lib/views/script-form-view.js';

export const meta: MetaFunction = () => [{ title: 'New script · PCM-Ops' }];

export async function loader({
  context,
  request,
}: LoaderFunctionArgs): Promise<{ namespace: string; blocker: string }> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url)) ?? 'default';
  const create = await canI(context, { verb: 'create', resource: 'scripts', namespace });
  return { namespace, blocker: create.reason };
}

export async function action({ context, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const form = scriptFormFromData(await request.formData());
  const planned = planScript(form);
  if (!planned.script) return refused(planned.errors, form);
  const outcome = await createScript(planned.script, kube);
  if (outcome.errors) return refused(outcome.errors, form, outcome.status);
  return redirect(scriptHref(form.namespace, form.name));
}

export default function NewScript(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const answer = useActionData<ScriptAnswer>();
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/scripts">Script library</Link> / new
      </nav>
      <h1>New script</h1>
      <ScriptFormView
        initial={{ ...EMPTY_SCRIPT_FORM, namespace: data.namespace }}
        editing={false}
        blocker={data.blocker}
        submitLabel="Create script"
        answer={answer}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
