// A new SSH credential: the inventory it reaches, the login user, the private key (pasted, into a
// Secret owned by the credential, or an existing Secret), sudo and host-key policy. Checked in the
// page and again by the action, then dry-run by the API server, before anything is created, as
// the user; a refused Secret takes the credential with it.
import {
  redirect,
  type ActionFunctionArgs,
  type AppLoadContext,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { HostInventory } from '@pcm-ops/crds';
import { kubeAs, refused } from '../lib/server/actions.server.js';
import { createCredential } from '../lib/server/credential-actions.server.js';
import { canI, kubeGet, PCM, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import {
  EMPTY_SSH_FORM,
  planSshCredential,
  sshCredentialFormFromData,
  withoutSshSecrets,
} from '../lib/ssh/credential-form.js';
import {
  SshCredentialFormView,
  type SshCredentialAnswer,
} from '../lib/ssh/credential-form-view.js';
import { sshCredentialsHref } from '../lib/ssh/links.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'New SSH credential · PCM-Ops' }];

interface NewData {
  namespace: string;
  inventories: string[];
  blocker: string;
  keysBlocker: string;
}

async function inventoriesIn(context: AppLoadContext, namespace: string): Promise<string[]> {
  const list = await kubeGet<{ items: HostInventory[] }>(
    context,
    `${PCM}/namespaces/${namespace}/hostinventories`,
  );
  return list.items.map((inventory) => inventory.metadata.name ?? '').sort();
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<NewData> {
  const user = requireUser(context);
  const namespace = pageNamespace(user, new URL(request.url)) ?? 'default';
  const [inventories, credential, secret] = await Promise.all([
    inventoriesIn(context, namespace),
    canI(context, { verb: 'create', resource: 'cloudcredentials', namespace }),
    canI(context, { verb: 'create', resource: 'secrets', namespace, group: '' }),
  ]);
  return { namespace, inventories, blocker: credential.reason, keysBlocker: secret.reason };
}

export async function action({ context, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const form = sshCredentialFormFromData(await request.formData());
  const namespace = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(form.namespace)
    ? form.namespace
    : undefined;
  const inventories = namespace ? await inventoriesIn(context, namespace) : [];
  const planned = planSshCredential(form, inventories);
  if (!planned.plan) return refused(planned.errors, withoutSshSecrets(form));
  const outcome = await createCredential(planned.plan, kube, request.signal);
  if (outcome.errors) return refused(outcome.errors, withoutSshSecrets(form), outcome.status);
  return redirect(sshCredentialsHref(form.namespace));
}

export default function NewSshCredential(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const answer = useActionData<SshCredentialAnswer>();
  return (
    <>
      <nav className="crumbs">
        <Link to="/ssh/credentials">SSH credentials</Link> / new
      </nav>
      <h1>New SSH credential</h1>
      <SshCredentialFormView
        initial={{ ...EMPTY_SSH_FORM, namespace: data.namespace }}
        inventories={data.inventories}
        blocker={data.blocker}
        keysBlocker={data.keysBlocker}
        answer={answer}
      />
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
