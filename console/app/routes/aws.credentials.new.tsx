// A new credential from access keys, a role ARN or the operator's own identity. The form is
// checked by the API's schema (in the page, and again by the action), then dry-run by the API
// server, before the action creates anything, on the console server, as the user.
import {
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { CloudCredential } from '@pcm-ops/crds';
import { kubeAs, refused } from '../lib/server/actions.server.js';
import { createCredential } from '../lib/server/credential-actions.server.js';
import {
  credentialFormFromData,
  EMPTY_CREDENTIAL_FORM,
  planCredential,
  withoutSecrets,
} from '../lib/aws/credential-form.js';
import { CredentialFormView, type CredentialAnswer } from '../lib/aws/credential-form-view.js';
import { canI, kubeGet, PCM, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import { credentialHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';

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

export async function action({ context, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const form = credentialFormFromData(await request.formData());
  const planned = planCredential(form);
  if (!planned.plan) return refused(planned.errors, withoutSecrets(form));
  const outcome = await createCredential(planned.plan, kube, request.signal);
  if (outcome.errors) return refused(outcome.errors, withoutSecrets(form), outcome.status);
  return redirect(credentialHref(form.namespace, form.name));
}

export default function NewCredential(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const answer = useActionData<CredentialAnswer>();
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
        answer={answer}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
