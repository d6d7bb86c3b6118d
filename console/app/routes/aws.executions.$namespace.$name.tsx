// One execution: box score, progress per account and region, the per-target grid with live
// updates, the output viewer (?target=) and Cancel, enabled only when RBAC allows the patch.
import { json, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Link, useLoaderData, useRevalidator, useRouteLoaderData } from '@remix-run/react';
import { useState, type ReactElement } from 'react';
import type { ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';
import { isTerminal, targetOutput, targetRows, type TargetRow } from '../lib/executions.js';
import { canI, kubeGet, requireUser, type Permission } from '../lib/kube.server.js';
import { executionHref, PCM, phaseClass } from '../lib/links.js';
import { useLiveExecution } from '../lib/live.js';
import { plainOutput } from '../lib/output.js';
import { RouteError } from '../lib/route-error.js';
import type { RootData } from '../root.js';

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const COUNT_KEYS = [
  'total',
  'succeeded',
  'failed',
  'timedOut',
  'cancelled',
  'inProgress',
  'pending',
  'skipped',
] as const;

export const meta: MetaFunction = ({ params }) => [{ title: `${params.name ?? ''} · PCM-Ops` }];

interface SelectedOutput {
  instanceId: string;
  output: string;
  truncated: boolean;
}

interface DetailData {
  namespace: string;
  name: string;
  status: NonNullable<ScriptExecution['status']>;
  cancelRequested: boolean;
  rows: TargetRow[];
  selected: SelectedOutput | null;
  cancel: Permission;
}

export async function loader({
  context,
  params,
  request,
}: LoaderFunctionArgs): Promise<DetailData> {
  requireUser(context);
  const namespace = params.namespace ?? '';
  const name = params.name ?? '';
  if (!NAME.test(namespace) || !NAME.test(name)) {
    throw json({ message: 'not a valid namespace or execution name' }, { status: 404 });
  }
  const base = `${PCM}/namespaces/${namespace}`;
  const selector = encodeURIComponent(`pcm-ops.io/execution=${name}`);
  const [execution, batches, cancel] = await Promise.all([
    kubeGet<ScriptExecution>(context, `${base}/scriptexecutions/${name}`),
    kubeGet<{ items: ExecutionBatch[] }>(
      context,
      `${base}/executionbatches?labelSelector=${selector}`,
    ),
    canI(context, { verb: 'patch', resource: 'scriptexecutions', namespace, name }),
  ]);
  const target = new URL(request.url).searchParams.get('target');
  const found = target ? targetOutput(batches.items, target) : undefined;
  const selected: SelectedOutput | null = target && found ? { instanceId: target, ...found } : null;
  return {
    namespace,
    name,
    status: execution.status ?? {},
    cancelRequested: execution.spec.cancel === true,
    rows: targetRows(batches.items),
    selected,
    cancel,
  };
}

function BoxScore({ status }: { status: DetailData['status'] }): ReactElement {
  const counts = status.counts ?? { total: 0 };
  const done = (counts.succeeded ?? 0) + (counts.failed ?? 0) + (counts.timedOut ?? 0);
  return (
    <section className="boxscore" aria-label="Box score">
      {COUNT_KEYS.map((key) => (
        <div key={key} className={`score score-${key}`}>
          <span className="count" data-count={key}>
            {counts[key] ?? 0}
          </span>
          <span className="label">{key}</span>
        </div>
      ))}
      <div className="score progress">
        <progress max={counts.total || 1} value={done + (counts.cancelled ?? 0)} />
        <span className="label">{status.progress ?? '0/0'}</span>
      </div>
    </section>
  );
}

function Accounts({ status }: { status: DetailData['status'] }): ReactElement | null {
  const accounts = status.accounts ?? [];
  if (accounts.length === 0) return null;
  return (
    <table className="grid compact" aria-label="Accounts and regions">
      <thead>
        <tr>
          <th>Account</th>
          <th>Region</th>
          <th>Credential</th>
          <th>Targets</th>
          <th>Succeeded</th>
          <th>Failed</th>
        </tr>
      </thead>
      <tbody>
        {accounts.map((row) => (
          <tr key={`${row.accountId}/${row.region}/${row.target ?? ''}`}>
            <td>{row.accountId}</td>
            <td>{row.region}</td>
            <td>{row.credential}</td>
            <td>{row.total}</td>
            <td>{row.succeeded ?? 0}</td>
            <td>{row.failed ?? 0}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TargetGrid(props: { rows: TargetRow[]; selected: string | undefined }): ReactElement {
  if (props.rows.length === 0) return <p className="muted">No targets planned yet.</p>;
  return (
    <table className="grid" aria-label="Targets">
      <thead>
        <tr>
          <th>Instance</th>
          <th>Account</th>
          <th>Region</th>
          <th>Status</th>
          <th>Exit</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr
            key={row.instanceId}
            data-instance={row.instanceId}
            aria-selected={row.instanceId === props.selected}
          >
            <td>
              <Link to={`?target=${encodeURIComponent(row.instanceId)}`} preventScrollReset>
                {row.instanceId}
              </Link>
            </td>
            <td>{row.accountId}</td>
            <td>{row.region}</td>
            <td>
              <span className={phaseClass(row.status)} data-status>
                {row.status}
              </span>
            </td>
            <td>{row.exitCode ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OutputViewer({ selected }: { selected: SelectedOutput }): ReactElement {
  return (
    <section className="output" aria-label="Output">
      <header>
        <h2>Output of {selected.instanceId}</h2>
        <Link to="?" preventScrollReset>
          Close
        </Link>
      </header>
      {selected.output === '' ? <p className="muted">No output yet.</p> : null}
      {/* Untrusted text: a React text node, escaped by React, never parsed as HTML. */}
      <pre className="output-text">{plainOutput(selected.output)}</pre>
      {selected.truncated ? (
        <p className="muted">Only the first part of the output is kept here.</p>
      ) : null}
    </section>
  );
}

async function requestCancel(namespace: string, name: string, csrfToken: string): Promise<string> {
  const response = await fetch(`/k8s${PCM}/namespaces/${namespace}/scriptexecutions/${name}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json', 'x-csrf-token': csrfToken },
    body: JSON.stringify({ spec: { cancel: true } }),
  });
  if (response.ok) return '';
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  return body.message ?? `cancel failed (${response.status})`;
}

function cancelBlocker(data: DetailData): string {
  if (!data.cancel.allowed) return data.cancel.reason;
  if (isTerminal(data.status.phase)) return 'the execution has finished';
  if (data.cancelRequested) return 'cancel already requested';
  return '';
}

function CancelButton({ data }: { data: DetailData }): ReactElement {
  const root = useRouteLoaderData<RootData>('root');
  const revalidator = useRevalidator();
  const [problem, setProblem] = useState('');
  const blocker = cancelBlocker(data);
  const onClick = (): void => {
    void requestCancel(data.namespace, data.name, root?.csrfToken ?? '').then((message) => {
      setProblem(message);
      revalidator.revalidate();
    });
  };
  return (
    <div className="actions">
      <button type="button" disabled={blocker !== ''} title={blocker} onClick={onClick}>
        Cancel
      </button>
      {blocker ? <span className="reason">{blocker}</span> : null}
      {problem ? (
        <span className="problem" role="alert">
          {problem}
        </span>
      ) : null}
    </div>
  );
}

export default function ExecutionDetail(): ReactElement {
  const data = useLoaderData<DetailData>();
  const phase = data.status.phase ?? 'Pending';
  useLiveExecution(data.namespace, data.name, !isTerminal(phase));
  return (
    <>
      <nav className="crumbs">
        <Link to="/aws/executions">AWS executions</Link> / {data.namespace} /{' '}
        <Link to={executionHref(data.namespace, data.name)}>{data.name}</Link>
      </nav>
      <header className="title">
        <h1>{data.name}</h1>
        <span className={phaseClass(phase)} data-phase>
          {phase}
        </span>
        <Link to={`/yaml/scriptexecutions/${data.namespace}/${data.name}`}>YAML</Link>
        <CancelButton data={data} />
      </header>
      {data.status.message ? <p className="message">{data.status.message}</p> : null}
      <BoxScore status={data.status} />
      <Accounts status={data.status} />
      <div className={data.selected ? 'split' : ''}>
        <TargetGrid rows={data.rows} selected={data.selected?.instanceId} />
        {data.selected ? <OutputViewer selected={data.selected} /> : null}
      </div>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
