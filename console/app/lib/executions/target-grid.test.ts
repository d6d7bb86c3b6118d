import { describe, expect, it } from 'vitest';
import type { TargetRow } from './executions.js';
import {
  DEFAULT_VIEW,
  facets,
  gridSearch,
  gridView,
  rowWindow,
  visibleRows,
} from './target-grid.js';

const row = (instanceId: string, status: string, where: string, exitCode?: number): TargetRow => {
  const [accountId = '', region = ''] = where.split('/');
  return { instanceId, provider: 'aws', status, accountId, region, exitCode, hasOutput: false };
};

const ROWS: TargetRow[] = [
  row('i-0000000c', 'Success', '111111111111/eu-west-1', 0),
  row('i-0000000a', 'Failed', '222222222222/us-east-1', 2),
  row('i-0000000b', 'Success', '111111111111/us-east-1', 0),
  row('i-0000000d', 'ExecutionTimedOut', '222222222222/eu-west-1'),
];
const ids = (rows: TargetRow[]): string[] => rows.map((r) => r.instanceId);

describe('visibleRows', () => {
  it.each([
    [{}, ['i-0000000c', 'i-0000000a', 'i-0000000b', 'i-0000000d']],
    [{ status: 'Success' }, ['i-0000000c', 'i-0000000b']],
    [{ account: '222222222222' }, ['i-0000000a', 'i-0000000d']],
    [{ region: 'us-east-1', status: 'Failed' }, ['i-0000000a']],
    [{ sort: 'instance' }, ['i-0000000a', 'i-0000000b', 'i-0000000c', 'i-0000000d']],
    [{ sort: 'exit', descending: true }, ['i-0000000a', 'i-0000000c', 'i-0000000b', 'i-0000000d']],
    [{ sort: 'status' }, ['i-0000000d', 'i-0000000a', 'i-0000000c', 'i-0000000b']],
    [{ sort: 'region', status: 'Success' }, ['i-0000000c', 'i-0000000b']],
  ] as const)('with %j shows %j', (view, expected) => {
    expect(ids(visibleRows(ROWS, { ...DEFAULT_VIEW, ...view }))).toEqual(expected);
  });

  it('leaves the rows it was given in their order', () => {
    visibleRows(ROWS, { ...DEFAULT_VIEW, sort: 'instance' });
    expect(ROWS[0]?.instanceId).toBe('i-0000000c');
  });
});

describe('grid view in the query string', () => {
  it('round-trips filters and sort and keeps other parameters', () => {
    const view = {
      ...DEFAULT_VIEW,
      status: 'Failed',
      region: 'us-east-1',
      sort: 'exit' as const,
      descending: true,
    };
    const search = gridSearch(new URLSearchParams('target=i-0000000a'), view);
    expect(search).toBe('?target=i-0000000a&status=Failed&region=us-east-1&sort=exit&order=desc');
    expect(gridView(new URLSearchParams(search))).toEqual(view);
  });

  it('falls back to plan order for an unknown sort key', () => {
    expect(gridView(new URLSearchParams('sort=<script>')).sort).toBe('plan');
  });

  it('drops parameters that are back at their defaults', () => {
    expect(gridSearch(new URLSearchParams('status=Failed&sort=exit'), DEFAULT_VIEW)).toBe('?');
  });
});

describe('facets', () => {
  it('lists each distinct status, account and region once, sorted', () => {
    expect(facets(ROWS)).toEqual({
      statuses: ['ExecutionTimedOut', 'Failed', 'Success'],
      accounts: ['111111111111', '222222222222'],
      regions: ['eu-west-1', 'us-east-1'],
    });
  });
});

describe('rowWindow', () => {
  const viewport = { height: 320, rowHeight: 32, overscan: 5 };
  it.each([
    [0, 10_000, { start: 0, end: 15 }],
    [3200, 10_000, { start: 95, end: 115 }],
    [319_968, 10_000, { start: 9994, end: 10_000 }],
    [0, 3, { start: 0, end: 3 }],
    [-50, 100, { start: 0, end: 15 }],
    [9_999_999, 100, { start: 100, end: 100 }],
  ])('at scrollTop %d of %d rows renders %j', (scrollTop, count, expected) => {
    expect(rowWindow(scrollTop, viewport, count)).toEqual(expected);
  });
});
