// One Script: edit it in the code editor and parameter editor, see its YAML, delete it.
import { json, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import type { ReactElement } from 'react';
import { OBJECT_NAME_PATTERN, type Script } from '@pcm-ops/crds';
import { DeleteButton } from '../lib/delete-button.js';
import { useCsrfToken } from '../lib/kube-client.js';
import { canI, kubeGet, requireUser, type Permission } from '../lib/kube.server.js';
import { PCM } from '../lib/links.js';
import { yamlHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/route-error.js';
import { updateScript } from '../lib/script-actions.js';
import { scriptToForm } from '../lib/script-form.js';
import { ScriptFormView } from '../lib/script-form-view.js';

export const meta: MetaFunction = ({ params }) => [{ title: `${params.name ?? ''} · PCM-Ops` }];

interface DetailData {
  script: Script;
  update: Permission;
  remove: Permission;
}

export async function loader({ context, params }: LoaderFunctionArgs): Promise<DetailData> {
  requireUser(context);
  const namespace = params.namespace ?? '';
  const name = params.name ?? '';
  if (!OBJECT_NAME_PATTERN.test(namespace) || !OBJECT_NAME_PATTERN.test(name)) {
    throw json({ message: 'not a valid namespace or script name' }, { status: 404 });
  }
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
  const csrf = useCsrfToken();
  const revalidator = useRevalidator();
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/scripts">Script library</Link> / {namespace} / {name}
      </nav>
      <header className="title">
        <h1>{name}</h1>
        <Link to={yamlHref('scripts', namespace, name)}>YAML</Link>
        <DeleteButton
          apiPath={`${PCM}/namespaces/${namespace}/scripts/${name}`}
          what={`script ${name}`}
          permission={remove}
          after="/aws/scripts"
        />
      </header>
      {script.spec.description ? <p className="message">{script.spec.description}</p> : null}
      <ScriptFormView
        key={script.metadata.generation}
        initial={scriptToForm(script)}
        editing
        blocker={update.reason}
        submitLabel="Save changes"
        onSubmit={async (next) => {
          const refused = await updateScript(next, script, csrf);
          if (!refused) revalidator.revalidate();
          return refused;
        }}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
