// The per-target grid's view state: which rows show (filters by status, account and region) and
// in what order, read from and written to the query string so every view has a URL.
import type { TargetRow } from './executions.js';

export const SORT_KEYS = ['plan', 'instance', 'account', 'region', 'status', 'exit'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface GridView {
  status: string;
  account: string;
  region: string;
  sort: SortKey;
  descending: boolean;
}

export const DEFAULT_VIEW: GridView = {
  status: '',
  account: '',
  region: '',
  sort: 'plan',
  descending: false,
};

const isSortKey = (value: string): value is SortKey =>
  (SORT_KEYS as readonly string[]).includes(value);

/** The grid view a query string asks for; unknown sort keys fall back to plan order. */
export function gridView(search: URLSearchParams): GridView {
  const sort = search.get('sort') ?? '';
  return {
    status: search.get('status') ?? '',
    account: search.get('account') ?? '',
    region: search.get('region') ?? '',
    sort: isSortKey(sort) ? sort : DEFAULT_VIEW.sort,
    descending: search.get('order') === 'desc',
  };
}

/** The query string for `view`, keeping unrelated parameters (target, view, ...) of `search`. */
export function gridSearch(search: URLSearchParams, view: GridView): string {
  const next = new URLSearchParams(search);
  for (const key of ['status', 'account', 'region'] as const) {
    if (view[key]) next.set(key, view[key]);
    else next.delete(key);
  }
  if (view.sort === DEFAULT_VIEW.sort) next.delete('sort');
  else next.set('sort', view.sort);
  if (view.descending) next.set('order', 'desc');
  else next.delete('order');
  const text = next.toString();
  return text ? `?${text}` : '?';
}

const COMPARE: Record<SortKey, (a: TargetRow, b: TargetRow) => number> = {
  plan: () => 0,
  instance: (a, b) => a.instanceId.localeCompare(b.instanceId),
  account: (a, b) => a.accountId.localeCompare(b.accountId),
  region: (a, b) => a.region.localeCompare(b.region),
  status: (a, b) => a.status.localeCompare(b.status),
  exit: (a, b) => (a.exitCode ?? Number.MIN_SAFE_INTEGER) - (b.exitCode ?? Number.MIN_SAFE_INTEGER),
};

/** Rows that pass the filters, sorted stably: ties keep plan order. */
export function visibleRows(rows: readonly TargetRow[], view: GridView): TargetRow[] {
  const kept = rows.filter(
    (row) =>
      (!view.status || row.status === view.status) &&
      (!view.account || row.accountId === view.account) &&
      (!view.region || row.region === view.region),
  );
  const compare = COMPARE[view.sort];
  const sign = view.descending ? -1 : 1;
  return kept.sort((a, b) => sign * compare(a, b));
}

export interface Facets {
  statuses: string[];
  accounts: string[];
  regions: string[];
}

/** The distinct values each filter can take, sorted, from all rows (not only the visible ones). */
export function facets(rows: readonly TargetRow[]): Facets {
  const distinct = (pick: (row: TargetRow) => string): string[] =>
    [...new Set(rows.map(pick))].sort();
  return {
    statuses: distinct((row) => row.status),
    accounts: distinct((row) => row.accountId),
    regions: distinct((row) => row.region),
  };
}

/** Rows `[start, end)` to render for a scroll position: the visible ones plus `overscan` around. */
export function rowWindow(
  scrollTop: number,
  viewport: { height: number; rowHeight: number; overscan: number },
  count: number,
): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / viewport.rowHeight);
  const visible = Math.ceil(viewport.height / viewport.rowHeight);
  const start = Math.max(0, first - viewport.overscan);
  const end = Math.min(count, first + visible + viewport.overscan);
  return { start: Math.min(start, end), end };
}
