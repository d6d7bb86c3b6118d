// Instances: what the chosen credentials reach in the chosen regions, filtered by tags, platform,
// state and SSM status. Every filter lives in the URL; each credential and region loads (or
// fails) on its own, asked from the browser through the console's operator relay.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { Form, Link, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useState, type ReactElement } from 'react';
import { INSTANCE_STATES, PLATFORMS, type CloudCredential } from '@pcm-ops/crds';
import {
  answerMessage,
  instanceRows,
  type DiscoveryAnswer,
  type DiscoveryQuery,
  type InstanceRow,
} from '../lib/executions/discovery.js';
import {
  chosenCredentials,
  discoveryPlan,
  filtersFrom,
  type DiscoveryPlan,
  type InstanceFilters,
} from '../lib/aws/instance-filters.js';
import { isAws } from '../lib/aws/credential-form.js';
import { kubeGet, PCM, pageNamespace, requireUser } from '../lib/server/kube.server.js';
import { RouteError } from '../lib/views/route-error.js';
import {
  credentialChoice,
  knownRegions,
  type CredentialChoice,
} from '../lib/executions/targets.js';
import { useDiscovery } from '../lib/views/use-discovery.js';

export const meta: MetaFunction = () => [{ title: 'Instances · PCM-Ops' }];

interface InstancesData {
  namespace: string;
  credentials: CredentialChoice[];
  regions: string[];
  filters: InstanceFilters;
  chosen: string[];
  plan: DiscoveryPlan;
}

export async function loader({ context, request }: LoaderFunctionArgs): Promise<InstancesData> {
  const user = requireUser(context);
  const url = new URL(request.url);
  const namespace = pageNamespace(user, url) ?? 'default';
  const list = await kubeGet<{ items: CloudCredential[] }>(
    context,
    `${PCM}/namespaces/${namespace}/cloudcredentials`,
  );
  const credentials = list.items
    .filter(isAws)
    .map(credentialChoice)
    .sort((a, b) => a.name.localeCompare(b.name));
  const filters = filtersFrom(url.searchParams);
  return {
    namespace,
    credentials,
    regions: [...new Set([...knownRegions(credentials), ...filters.regions])].sort(),
    filters,
    chosen: chosenCredentials(filters, credentials).map((c) => c.name),
    plan: discoveryPlan(namespace, filters, credentials),
  };
}

function Check(props: {
  name: string;
  value: string;
  checked: boolean;
  label?: string;
  disabled?: boolean;
  title?: string;
}): ReactElement {
  return (
    <label className="check" title={props.title}>
      <input
        type="checkbox"
        name={props.name}
        value={props.value}
        defaultChecked={props.checked}
        disabled={props.disabled}
      />
      {props.label ?? props.value}
    </label>
  );
}

function Filters({ data }: { data: InstancesData }): ReactElement {
  const { filters } = data;
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const tagProblem = data.plan.problems.find((p) => p.field === 'tag');
  return (
    <Form
      method="get"
      className="filter-form"
      aria-label="Filters"
      data-hydrated={hydrated ? '' : undefined}
    >
      <input type="hidden" name="namespace" value={data.namespace} />
      <fieldset>
        <legend>Credentials</legend>
        {data.credentials.length === 0 ? (
          <span className="muted">No CloudCredentials in {data.namespace}.</span>
        ) : null}
        {data.credentials.map((c) => (
          <Check
            key={c.name}
            name="credential"
            value={c.name}
            checked={c.ready && data.chosen.includes(c.name)}
            label={c.ready ? `${c.name} (${c.accountId})` : `${c.name} — ${c.reason}`}
            disabled={!c.ready}
          />
        ))}
      </fieldset>
      <fieldset>
        <legend>Regions</legend>
        {data.regions.map((region) => (
          <Check
            key={region}
            name="region"
            value={region}
            checked={filters.regions.includes(region)}
          />
        ))}
        <input name="region" placeholder="more, e.g. ap-south-1" aria-label="More regions" />
        <span className="hint">none chosen: each credential’s default region</span>
      </fieldset>
      <fieldset>
        <legend>Tags</legend>
        {[...filters.tags, ''].map((tag, index) => (
          <input
            key={`${index}-${tag}`}
            name="tag"
            defaultValue={tag}
            placeholder="Key=value1,value2"
            aria-label={`Tag filter ${index + 1}`}
            aria-invalid={tagProblem ? true : undefined}
          />
        ))}
        {tagProblem ? (
          <span className="field-error" role="alert">
            {tagProblem.message}
          </span>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Platform and state</legend>
        {PLATFORMS.map((p) => (
          <Check key={p} name="platform" value={p} checked={filters.platforms.includes(p)} />
        ))}
        {INSTANCE_STATES.map((s) => (
          <Check key={s} name="state" value={s} checked={filters.states.includes(s)} />
        ))}
        <Check
          name="onlineOnly"
          value="true"
          checked={filters.onlineOnly}
          label="SSM online only"
        />
      </fieldset>
      <div className="form-actions">
        <button type="submit">Apply filters</button>
        <Link to={`?namespace=${encodeURIComponent(data.namespace)}`}>Reset</Link>
      </div>
    </Form>
  );
}

type PlaceState = { query: DiscoveryQuery; answer: DiscoveryAnswer | undefined };

function placeText(place: PlaceState): { text: string; className: string } {
  if (!place.answer) return { text: 'Loading…', className: 'muted' };
  if (place.answer.status !== 200)
    return { text: answerMessage(place.answer), className: 'problem' };
  const body = place.answer.body as { instances?: { online?: boolean }[] };
  const found = body.instances ?? [];
  const online = found.filter((i) => i.online).length;
  return { text: `${found.length} instances, ${online} online`, className: '' };
}

function Places(props: { plan: DiscoveryPlan; answers: DiscoveryAnswer[] }): ReactElement | null {
  const places: PlaceState[] = props.plan.queries.map((query) => ({
    query,
    answer: props.answers.find((a) => a.query.path === query.path),
  }));
  if (places.length === 0 && props.plan.unasked.length === 0) return null;
  return (
    <table className="grid compact" aria-label="Credentials and regions">
      <thead>
        <tr>
          <th>Credential</th>
          <th>Account</th>
          <th>Region</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {props.plan.unasked.map((u) => (
          <tr key={`unasked-${u.credential}`} data-place={`${u.credential}`}>
            <td>{u.credential}</td>
            <td>{u.accountId}</td>
            <td></td>
            <td className="problem">{u.message}</td>
          </tr>
        ))}
        {places.map((place) => {
          const shown = placeText(place);
          return (
            <tr
              key={place.query.path}
              data-place={`${place.query.credential}/${place.query.region}`}
            >
              <td>{place.query.credential}</td>
              <td>{place.query.accountId}</td>
              <td>{place.query.region}</td>
              <td className={shown.className} data-result>
                {shown.text}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Instances({ rows, loading }: { rows: InstanceRow[]; loading: boolean }): ReactElement {
  if (rows.length === 0) {
    return (
      <p className="muted">
        {loading ? 'Looking for instances…' : 'No instances match these filters.'}
      </p>
    );
  }
  return (
    <table className="grid" aria-label="Instances">
      <thead>
        <tr>
          <th>Account</th>
          <th>Region</th>
          <th>Instance</th>
          <th>Name</th>
          <th>Platform</th>
          <th>State</th>
          <th>SSM</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr
            key={`${row.accountId}/${row.region}/${row.instanceId}`}
            data-instance={row.instanceId}
          >
            <td>{row.accountId}</td>
            <td>{row.region}</td>
            <td>{row.instanceId}</td>
            <td>{row.name ?? '—'}</td>
            <td>{row.platform}</td>
            <td>{row.state}</td>
            <td>
              <span className={row.online ? 'ping ping-online' : 'ping ping-offline'} data-ping>
                {row.online ? 'Online' : 'Offline'}
              </span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default function InstancesPage(): ReactElement {
  const data = useLoaderData<InstancesData>();
  const navigation = useNavigation();
  const discovery = useDiscovery(data.plan.queries);
  const rows = instanceRows(discovery.answers);
  const loading = navigation.state !== 'idle' || discovery.pending.size > 0;
  return (
    <>
      <h1>
        Instances <small>namespace {data.namespace}</small>
      </h1>
      <Filters data={data} />
      <section aria-busy={loading} aria-label="Results">
        <p className="muted" data-summary>
          {loading
            ? `Loading… ${discovery.pending.size} of ${data.plan.queries.length} places to go`
            : `${rows.length} instances in ${data.plan.queries.length} credential and region pairs`}
        </p>
        <Places plan={data.plan} answers={discovery.answers} />
        <Instances rows={rows} loading={loading} />
      </section>
    </>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
