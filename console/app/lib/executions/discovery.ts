// Instance discovery through the operator's read API (relayed by the console as the user): the
// query for one credential and region, and the answers folded into rows and per-place counts.
import { tagLines } from '@pcm-ops/crds';
import type { CredentialChoice } from './targets.js';

/** What a target selector asks of one credential and region. */
export interface DiscoverySelector {
  tags?: Record<string, string[]>;
  platforms?: readonly string[];
  states?: readonly string[];
  onlineOnly: boolean;
  instanceIds?: readonly string[];
}

export interface DiscoveryQuery {
  credential: string;
  accountId: string;
  region: string;
  /** `/api/v1/...` on the operator; the browser prefixes /operator. */
  path: string;
}

export interface DiscoveredInstance {
  instanceId: string;
  platform: string;
  state: string;
  online?: boolean;
  name?: string;
}

export interface DiscoveryAnswer {
  query: DiscoveryQuery;
  status: number;
  body: unknown;
}

/** The operator answers at most this many ids per request; bigger lists are split. */
export const IDS_PER_QUERY = 200;
/** The relay accepts query values of up to 256 characters: 12 ids of up to 20 characters. */
const IDS_PER_VALUE = 12;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function queryString(region: string, selector: DiscoverySelector, ids: readonly string[]): string {
  const query = new URLSearchParams({ region });
  for (const line of tagLines(selector.tags)) query.append('tag', line);
  for (const platform of selector.platforms ?? []) query.append('platform', platform);
  for (const state of selector.states ?? []) query.append('state', state);
  if (selector.onlineOnly) query.set('onlineOnly', 'true');
  for (const part of chunks(ids, IDS_PER_VALUE)) query.append('instanceId', part.join(','));
  return query.toString();
}

/** One query per region (and per 200 instance ids), as the operator would resolve the target. */
export function discoveryQueries(
  namespace: string,
  credential: Pick<CredentialChoice, 'name' | 'accountId'>,
  regions: readonly string[],
  selector: DiscoverySelector,
): DiscoveryQuery[] {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/cloudcredentials/${encodeURIComponent(credential.name)}/instances`;
  const idChunks = selector.instanceIds ? chunks(selector.instanceIds, IDS_PER_QUERY) : [[]];
  return regions.flatMap((region) =>
    idChunks.map((ids) => ({
      credential: credential.name,
      accountId: credential.accountId,
      region,
      path: `${base}?${queryString(region, selector, ids)}`,
    })),
  );
}

export function answerMessage(answer: Pick<DiscoveryAnswer, 'status' | 'body'>): string {
  const body = answer.body as { error?: unknown; message?: unknown } | undefined;
  const message = body?.error ?? body?.message;
  return typeof message === 'string' ? message : `the operator answered ${answer.status}`;
}

interface AnswerBody {
  accountId?: string;
  instances?: DiscoveredInstance[];
  skipped?: { instanceId: string; reason: string }[];
}

/** Counts of one account and region (over every query and target that reached it). */
export interface PlaceSummary {
  accountId: string;
  region: string;
  credentials: string[];
  matched: number;
  online: number;
  skipped: Record<string, number>;
  errors: string[];
}

export interface DiscoverySummary {
  places: PlaceSummary[];
  matched: number;
  skipped: number;
  errors: number;
}

function placeFor(places: Map<string, PlaceSummary>, answer: DiscoveryAnswer): PlaceSummary {
  const body = answer.body as AnswerBody | undefined;
  const accountId = body?.accountId ?? answer.query.accountId;
  const key = `${accountId || answer.query.credential}/${answer.query.region}`;
  let place = places.get(key);
  if (!place) {
    place = {
      accountId,
      region: answer.query.region,
      credentials: [],
      matched: 0,
      online: 0,
      skipped: {},
      errors: [],
    };
    places.set(key, place);
  }
  if (!place.credentials.includes(answer.query.credential))
    place.credentials.push(answer.query.credential);
  return place;
}

function addAnswer(place: PlaceSummary, answer: DiscoveryAnswer): void {
  if (answer.status !== 200) {
    place.errors.push(`${answer.query.credential}: ${answerMessage(answer)}`);
    return;
  }
  const body = answer.body as AnswerBody;
  place.matched += body.instances?.length ?? 0;
  place.online += (body.instances ?? []).filter((instance) => instance.online).length;
  for (const skipped of body.skipped ?? [])
    place.skipped[skipped.reason] = (place.skipped[skipped.reason] ?? 0) + 1;
}

/** Folds the answers into counts per account and region, sorted by account then region. */
export function summarize(answers: readonly DiscoveryAnswer[]): DiscoverySummary {
  const places = new Map<string, PlaceSummary>();
  for (const answer of answers) addAnswer(placeFor(places, answer), answer);
  const sorted = [...places.values()].sort(
    (a, b) => a.accountId.localeCompare(b.accountId) || a.region.localeCompare(b.region),
  );
  const sum = (count: (place: PlaceSummary) => number): number =>
    sorted.reduce((total, place) => total + count(place), 0);
  return {
    places: sorted,
    matched: sum((place) => place.matched),
    skipped: sum((place) => Object.values(place.skipped).reduce((a, b) => a + b, 0)),
    errors: sum((place) => place.errors.length),
  };
}

export interface InstanceRow extends DiscoveredInstance {
  accountId: string;
  region: string;
  credential: string;
}

/** Every instance found, one row each, sorted by account, region and id. */
export function instanceRows(answers: readonly DiscoveryAnswer[]): InstanceRow[] {
  const rows = answers.flatMap((answer) => {
    if (answer.status !== 200) return [];
    const body = answer.body as AnswerBody;
    const accountId = body.accountId ?? answer.query.accountId;
    return (body.instances ?? []).map((instance) => ({
      ...instance,
      accountId,
      region: answer.query.region,
      credential: answer.query.credential,
    }));
  });
  return rows.sort(
    (a, b) =>
      a.accountId.localeCompare(b.accountId) ||
      a.region.localeCompare(b.region) ||
      a.instanceId.localeCompare(b.instanceId),
  );
}
