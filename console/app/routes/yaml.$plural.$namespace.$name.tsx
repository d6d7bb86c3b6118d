// The YAML of any PCM-Ops object, as the signed-in user may read it: no managedFields, and
// anything that looks like a secret value redacted.
import { json, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import { KINDS, OBJECT_NAME_PATTERN } from '@pcm-ops/crds';
import { kubeGet, PCM, requireUser } from '../lib/server/kube.server.js';
import { executionHref } from '../lib/links.js';
import { credentialHref, scriptHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';
import { objectYaml } from '../lib/yaml-view.js';

export const meta: MetaFunction = ({ params }) => [
  { title: `${params.name ?? ''} YAML · PCM-Ops` },
];

interface YamlData {
  kind: string;
  namespace: string;
  name: string;
  yaml: string;
  back: string | null;
}

const PAGES: Record<string, (namespace: string, name: string) => string> = {
  cloudcredentials: credentialHref,
  scripts: scriptHref,
  scriptexecutions: executionHref,
};

export async function loader({ context, params }: LoaderFunctionArgs): Promise<YamlData> {
  requireUser(context);
  const { plural = '', namespace = '', name = '' } = params;
  const kind = KINDS.find((candidate) => candidate.plural === plural);
  if (!kind || !OBJECT_NAME_PATTERN.test(namespace) || !OBJECT_NAME_PATTERN.test(name)) {
    throw json({ message: `no PCM-Ops object ${plural}/${namespace}/${name}` }, { status: 404 });
  }
  const object = await kubeGet<unknown>(
    context,
    `${PCM}/namespaces/${namespace}/${plural}/${name}`,
  );
  const page = PAGES[plural];
  return {
    kind: kind.kind,
    namespace,
    name,
    yaml: objectYaml(object),
    back: page ? page(namespace, name) : null,
  };
}

export default function YamlView(): ReactElement {
  const data = useLoaderData<typeof loader>();
  return (
    <>
      <nav className="crumbs">
        {data.kind} / {data.namespace} /{' '}
        {data.back ? <Link to={data.back}>{data.name}</Link> : data.name}
      </nav>
      <h1>
        {data.name} <small>{data.kind} YAML</small>
      </h1>
      <p className="muted">managedFields are left out; secret-looking values are redacted.</p>
      {/* A text node: React escapes it, nothing in it is interpreted. */}
      <pre className="yaml" data-yaml>
        {data.yaml}
      </pre>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
