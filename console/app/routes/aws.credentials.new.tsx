// A new credential from access keys, a role ARN or the operator's own identity. The form is
// checked by the API's schema in the browser, then dry-run by the API server, before anything is
// created.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData, useNavigate } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { CloudCredential } from '@pcm-ops/crds';
import { createCredential } from '../lib/credential-actions.js';
import { EMPTY_CREDENTIAL_FORM } from '../lib/credential-form.js';
import { CredentialFormView } from '../lib/credential-form-view.js';
import { useCsrfToken } from '../lib/kube-client.js';
import { canI, kubeGet, PCM, pageNamespace, requireUser } from '../lib/kube.server.js';
import { credentialHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/route-error.js';

export const meta: MetaFunction = () => [{ title: 'New credential · PCM-Ops' }];

interface NewData {
  namespace: string;
  sources: string[];
  blocker: string;
  keysBlocker: string;
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<NewData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url)) ?? 'default';
  const [list, credential, secret] = await Promise.all([
    kubeGet<{ items: CloudCredential[] }>(
      context,
      `${PCM}/namespaces/${namespace}/cloudcredentials`,
    ),
    canI(context, { verb: 'create', resource: 'cloudcredentials', namespace }),
    canI(context, { verb: 'create', resource: 'secrets', namespace, group: '' }),
  ]);
  return {
    namespace,
    sources: list.items.map((item) => item.metadata.name ?? ''),
    blocker: credential.reason,
    keysBlocker: secret.reason,
  };
}

export default function NewCredential(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const csrf = useCsrfToken();
  const navigate = useNavigate();
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/credentials">AWS credentials</Link> / new
      </nav>
      <h1>New credential</h1>
      <CredentialFormView
        initial={{ ...EMPTY_CREDENTIAL_FORM, namespace: data.namespace }}
        sources={data.sources}
        blocker={data.blocker}
        keysBlocker={data.keysBlocker}
        submitLabel="Create credential"
        onSubmit={async (plan) => {
          const refused = await createCredential(plan, csrf);
          const { name = '', namespace = '' } = plan.credential.metadata;
          if (!refused) navigate(credentialHref(namespace, name));
          return refused;
        }}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
