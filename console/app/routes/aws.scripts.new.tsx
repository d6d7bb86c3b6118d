// A new Script: checked by the API's schema in the browser, then created in one request.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData, useNavigate } from '@remix-run/react';
import type { ReactElement } from 'react';
import { useCsrfToken } from '../lib/kube-client.js';
import { canI, pageNamespace, requireUser } from '../lib/kube.server.js';
import { scriptHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/route-error.js';
import { createScript } from '../lib/script-actions.js';
import { EMPTY_SCRIPT_FORM } from '../lib/script-form.js';
import { ScriptFormView } from '../lib/script-form-view.js';

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

export default function NewScript(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const csrf = useCsrfToken();
  const navigate = useNavigate();
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
        onSubmit={async (script) => {
          const refused = await createScript(script, csrf);
          const { name = '', namespace = '' } = script.metadata;
          if (!refused) navigate(scriptHref(namespace, name));
          return refused;
        }}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
