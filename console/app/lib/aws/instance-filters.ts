// The instances page's filters, all in the query string so every view has a URL.
import { INSTANCE_STATES, parseTags, PLATFORMS, splitList } from '@pcm-ops/crds';
import { discoveryQueries, type DiscoveryQuery } from '../executions/discovery.js';
import type { CredentialChoice } from '../executions/targets.js';

export interface InstanceFilters {
  credentials: string[];
  regions: string[];
  tags: string[];
  platforms: string[];
  states: string[];
  onlineOnly: boolean;
}

const only = (values: string[], allowed: readonly string[]): string[] =>
  values.filter((value) => allowed.includes(value));

export function filtersFrom(params: URLSearchParams): InstanceFilters {
  return {
    credentials: params.getAll('credential').filter(Boolean),
    regions: params.getAll('region').flatMap(splitList),
    tags: params.getAll('tag').filter((tag) => tag.trim() !== ''),
    platforms: only(params.getAll('platform'), PLATFORMS),
    states: only(params.getAll('state'), INSTANCE_STATES),
    onlineOnly: params.get('onlineOnly') === 'true',
  };
}

/** A credential that is chosen but cannot be asked, with the reason shown in its place. */
export interface Unasked {
  credential: string;
  accountId: string;
  message: string;
}

export interface DiscoveryPlan {
  queries: DiscoveryQuery[];
  unasked: Unasked[];
  /** Why the filters cannot be used as they are, named by field. */
  problems: { field: string; message: string }[];
}

/** Chosen credentials, or all of them when none is chosen (those not Ready say why). */
export function chosenCredentials(
  filters: InstanceFilters,
  credentials: readonly CredentialChoice[],
): CredentialChoice[] {
  if (filters.credentials.length === 0) return [...credentials];
  return credentials.filter((c) => filters.credentials.includes(c.name));
}

function missing(filters: InstanceFilters, credentials: readonly CredentialChoice[]): Unasked[] {
  return filters.credentials
    .filter((name) => !credentials.some((c) => c.name === name))
    .map((name) => ({ credential: name, accountId: '', message: 'no such CloudCredential' }));
}

/** What to ask the operator for the filters: one query per Ready credential and region. */
export function discoveryPlan(
  namespace: string,
  filters: InstanceFilters,
  credentials: readonly CredentialChoice[],
): DiscoveryPlan {
  const tags = parseTags(filters.tags);
  if (!tags.ok)
    return { queries: [], unasked: [], problems: [{ field: 'tag', message: tags.message }] };
  const chosen = chosenCredentials(filters, credentials);
  const selector = {
    tags: tags.value,
    platforms: filters.platforms,
    states: filters.states,
    onlineOnly: filters.onlineOnly,
  };
  const unasked = [
    ...missing(filters, credentials),
    ...chosen
      .filter((c) => !c.ready)
      .map((c) => ({ credential: c.name, accountId: c.accountId, message: c.reason })),
  ];
  const queries = chosen
    .filter((c) => c.ready)
    .flatMap((c) =>
      discoveryQueries(
        namespace,
        c,
        filters.regions.length ? filters.regions : [c.defaultRegion],
        selector,
      ),
    );
  return { queries, unasked, problems: [] };
}
