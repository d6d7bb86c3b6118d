// One credential: what the operator found (Ready or why not, account, identity, expiry), the
// form to change it, and Delete, each enabled only when RBAC allows it.
import {
  json,
  redirect,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
} from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useActionData, useLoaderData } from '@remix-run/react';
import type { ReactElement } from 'react';
import { OBJECT_NAME_PATTERN, type CloudCredential } from '@pcm-ops/crds';
import { kubeAs, refused } from '../lib/server/actions.server.js';
import { updateCredential } from '../lib/server/credential-actions.server.js';
import {
  credentialFormFromData,
  credentialRow,
  credentialToForm,
  planCredential,
  withoutSecrets,
} from '../lib/aws/credential-form.js';
import { CredentialFormView, type CredentialAnswer } from '../lib/aws/credential-form-view.js';
import { DeleteButton, type DeleteAnswer } from '../lib/views/delete-button.js';
import { HiddenFields, seenFields } from '../lib/views/csrf-field.js';
import { deleteAs, INTENT, stored } from '../lib/server/delete.server.js';
import { canI, kubeGet, requireUser, type Permission } from '../lib/server/kube.server.js';
import { PCM } from '../lib/links.js';
import { useLiveList } from '../lib/views/live-list.js';
import { credentialHref, yamlHref } from '../lib/resource-links.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = ({ params }) => [{ title: `${params.name ?? ''} · PCM-Ops` }];

interface DetailData {
  credential: CloudCredential;
  sources: string[];
  update: Permission;
  remove: Permission;
  keysBlocker: string;
}

function objectOf(params: ActionFunctionArgs['params']): { namespace: string; name: string } {
  const namespace = params.namespace ?? '';
  const name = params.name ?? '';
  if (!OBJECT_NAME_PATTERN.test(namespace) || !OBJECT_NAME_PATTERN.test(name)) {
    throw json({ message: 'not a valid namespace or credential name' }, { status: 404 });
  }
  return { namespace, name };
}

/** Save (conditional on the version the form was loaded at) or delete, as the user. */
export async function action({ context, params, request }: ActionFunctionArgs): Promise<Response> {
  const kube = kubeAs(context);
  const { namespace, name } = objectOf(params);
  const path = `${PCM}/namespaces/${namespace}/cloudcredentials/${name}`;
  const data = await request.formData();
  if (data.get(INTENT) === 'delete') return deleteAs(kube, path, '/aws/credentials');
  const current = await stored<CloudCredential>(kube, path, data);
  const form = credentialFormFromData(data, { namespace, name });
  const existingSecret = current.spec.aws?.source.secretRef?.name ?? '';
  const planned = planCredential(form, { existingSecret });
  if (!planned.plan) return refused(planned.errors, withoutSecrets(form));
  const outcome = await updateCredential(planned.plan, current, kube);
  if (outcome.errors) return refused(outcome.errors, withoutSecrets(form), outcome.status);
  return redirect(credentialHref(namespace, name));
}

export async function loader({ context, params }: LoaderFunctionArgs): Promise<DetailData> {
  requireUser(context);
  const { namespace, name } = objectOf(params);
  const base = `${PCM}/namespaces/${namespace}/cloudcredentials`;
  const [credential, list, update, remove, secret] = await Promise.all([
    kubeGet<CloudCredential>(context, `${base}/${name}`),
    kubeGet<{ items: CloudCredential[] }>(context, base),
    canI(context, { verb: 'update', resource: 'cloudcredentials', namespace, name }),
    canI(context, { verb: 'delete', resource: 'cloudcredentials', namespace, name }),
    canI(context, { verb: 'create', resource: 'secrets', namespace, group: '' }),
  ]);
  const sources = list.items.map((item) => item.metadata.name ?? '').filter((n) => n !== name);
  const metadata: Record<string, unknown> = { ...credential.metadata };
  delete metadata.managedFields;
  return {
    credential: { ...credential, metadata } as CloudCredential,
    sources,
    update,
    remove,
    keysBlocker: secret.reason,
  };
}

function Status({ credential }: { credential: CloudCredential }): ReactElement {
  const row = credentialRow(credential);
  const status = credential.status ?? {};
  const organization = status.organizationAccounts;
  return (
    <dl className="facts" aria-label="Validation">
      <dt>Status</dt>
      <dd>
        <span
          className={row.ready === 'True' ? 'phase phase-succeeded' : 'phase phase-failed'}
          data-ready
        >
          {row.ready === 'True' ? 'Ready' : row.reason}
        </span>
      </dd>
      <dt>Message</dt>
      <dd data-message>{row.message}</dd>
      <dt>Kind</dt>
      <dd>{row.kind}</dd>
      <dt>Account</dt>
      <dd data-account>{row.accountId || '—'}</dd>
      <dt>Caller ARN</dt>
      <dd className="mono" data-arn>
        {row.arn || '—'}
      </dd>
      <dt>Last validated</dt>
      <dd>{row.lastValidatedAt || '—'}</dd>
      {status.expiresAt ? (
        <>
          <dt>Session expires</dt>
          <dd>{status.expiresAt}</dd>
        </>
      ) : null}
      {organization ? (
        <>
          <dt>Organization accounts</dt>
          <dd>{organization.map((account) => account.id).join(', ')}</dd>
        </>
      ) : null}
    </dl>
  );
}

export default function CredentialDetail(): ReactElement {
  const data = useLoaderData<typeof loader>();
  const { credential } = data;
  const namespace = credential.metadata.namespace ?? '';
  const name = credential.metadata.name ?? '';
  const answer = useActionData<CredentialAnswer & DeleteAnswer>();
  useLiveList('cloudcredentials', namespace);
  const secretName = credential.spec.aws?.source.secretRef?.name;
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/credentials">AWS credentials</Link> / {namespace} / {name}
      </nav>
      <header className="title">
        <h1>{name}</h1>
        <Link to={yamlHref('cloudcredentials', namespace, name)}>YAML</Link>
        <DeleteButton
          what={`credential ${name}${secretName ? ` and its Secret ${secretName}` : ''}`}
          permission={data.remove}
          answer={answer}
        />
      </header>
      <Status credential={credential} />
      <h2>Edit</h2>
      <CredentialFormView
        key={credential.metadata.generation}
        initial={credentialToForm(credential)}
        existingSecret={secretName ?? ''}
        sources={data.sources}
        blocker={data.update.reason}
        keysBlocker={data.keysBlocker}
        submitLabel="Save changes"
        answer={answer?.values ? answer : undefined}
      >
        <HiddenFields fields={seenFields(credential.metadata)} />
      </CredentialFormView>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
