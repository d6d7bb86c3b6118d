// Requests the kube-apiserver served, from its own apiserver_request_total counter, read with the
// admin credentials before and after a scenario.
import type { ControlPlane } from '../infra/control-plane.js';

const COUNTER = 'apiserver_request_total';
const DURATION_SUM = 'apiserver_request_duration_seconds_sum';
const DURATION_COUNT = 'apiserver_request_duration_seconds_count';

/** Request counts by "VERB resource[/subresource]" (resource requests only). */
export type RequestCounts = Map<string, number>;

function labelsOf(line: string): Record<string, string> {
  const inner = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
  const labels: Record<string, string> = {};
  for (const match of inner.matchAll(/(\w+)="([^"]*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

/** Sums a metric of the apiserver's /metrics text by verb and resource (resource requests only). */
export function parseRequestCounts(text: string, metric = COUNTER): RequestCounts {
  const counts: RequestCounts = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const labels = labelsOf(line);
    if (!labels.resource) continue;
    const resource = labels.subresource
      ? `${labels.resource}/${labels.subresource}`
      : labels.resource;
    const key = `${labels.verb} ${resource}`;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    counts.set(key, (counts.get(key) ?? 0) + value);
  }
  return counts;
}

async function apiserverMetrics(plane: ControlPlane): Promise<string> {
  const result = await plane.kubectl(['get', '--raw', '/metrics']);
  if (result.code !== 0) throw new Error(`reading the apiserver's /metrics: ${result.stderr}`);
  return result.stdout;
}

export async function requestCounts(plane: ControlPlane): Promise<RequestCounts> {
  return parseRequestCounts(await apiserverMetrics(plane));
}

/** Request counts and the seconds the apiserver spent on them, by verb and resource. */
export interface RequestTimes {
  count: RequestCounts;
  seconds: RequestCounts;
}

export async function requestTimes(plane: ControlPlane): Promise<RequestTimes> {
  const text = await apiserverMetrics(plane);
  return {
    count: parseRequestCounts(text, DURATION_COUNT),
    seconds: parseRequestCounts(text, DURATION_SUM),
  };
}

/** after − before, by key, leaving out keys that did not move. */
export function requestDelta(before: RequestCounts, after: RequestCounts): RequestCounts {
  const delta: RequestCounts = new Map();
  for (const [key, value] of after) {
    const moved = value - (before.get(key) ?? 0);
    if (moved > 0) delta.set(key, moved);
  }
  return delta;
}

export function totalRequests(counts: RequestCounts): number {
  let total = 0;
  for (const value of counts.values()) total += value;
  return total;
}
