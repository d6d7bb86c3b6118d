import { describe, expect, it } from 'vitest';
import type { ScriptExecution } from '@pcm-ops/crds';
import { execution } from './fixtures/detail-fixtures.js';
import {
  applyFilters,
  filterChoices,
  historyFilters,
  INLINE_SCRIPT,
  shortTime,
  type HistoryFilters,
} from './history.js';

const NOW = Date.parse('2026-05-01T12:00:00Z');
const NONE: HistoryFilters = { phase: '', script: '', credential: '', selector: '', range: '' };

function run(
  name: string,
  when: string,
  phase: string,
  spec: Partial<ScriptExecution['spec']> = {},
): ScriptExecution {
  const se = execution(spec);
  se.metadata.name = name;
  se.metadata.creationTimestamp = when;
  se.status = { phase: phase as never, startTime: when };
  return se;
}

const RUNS = [
  run('patch', '2026-05-01T11:30:00Z', 'Succeeded', {
    script: undefined,
    scriptRef: { name: 'patch-check' },
  }),
  run('disk', '2026-04-30T20:00:00Z', 'Failed', {
    targets: [{ credentialRef: { name: 'acct-b' }, tags: { Role: ['db'] }, onlineOnly: true }],
  }),
  run('old', '2026-03-01T00:00:00Z', 'Succeeded'),
];
const names = (list: ScriptExecution[]): string[] => list.map((se) => se.metadata.name ?? '');

describe('applyFilters', () => {
  it.each([
    [{}, ['patch', 'disk', 'old']],
    [{ phase: 'Succeeded' }, ['patch', 'old']],
    [{ script: 'patch-check' }, ['patch']],
    [{ script: INLINE_SCRIPT }, ['disk', 'old']],
    [{ credential: 'acct-b' }, ['disk']],
    [{ range: '1h' }, ['patch']],
    [{ range: '24h' }, ['patch', 'disk']],
    [{ range: '30d', phase: 'Succeeded' }, ['patch']],
  ] as const)('with %j keeps %j', (filters, expected) => {
    expect(names(applyFilters(RUNS, { ...NONE, ...filters }, NOW))).toEqual(expected);
  });
});

describe('historyFilters', () => {
  it('reads every filter from the query string', () => {
    const parsed = historyFilters(
      new URLSearchParams(
        'phase=Failed&script=patch-check&credential=acct-b&selector=team%3Dweb&range=7d',
      ),
    );
    expect(parsed).toEqual({
      filters: {
        phase: 'Failed',
        script: 'patch-check',
        credential: 'acct-b',
        selector: 'team=web',
        range: '7d',
      },
      problems: [],
    });
  });

  it('drops bad values with a message naming the filter', () => {
    const parsed = historyFilters(new URLSearchParams('phase=Done&range=1y&selector=a%3B%20b'));
    expect(parsed.filters).toEqual(NONE);
    expect(parsed.problems).toEqual([
      'phase "Done" is not a phase',
      'time range "1y" is not one of 1h, 24h, 7d, 30d',
      'label selector holds characters a selector cannot',
    ]);
  });
});

describe('filterChoices', () => {
  it('offers each script and credential in use once', () => {
    expect(filterChoices(RUNS)).toEqual({
      scripts: [INLINE_SCRIPT, 'patch-check'],
      credentials: ['acct-a', 'acct-b'],
    });
  });
});

describe('shortTime', () => {
  it.each([
    ['2026-11-25T21:17:14.930Z', '2026-11-25 21:17:14Z'],
    ['2026-11-25T21:17:14Z', '2026-11-25 21:17:14Z'],
    ['', ''],
  ])('shows %j as %j', (time, expected) => {
    expect(shortTime(time)).toBe(expected);
  });
});
