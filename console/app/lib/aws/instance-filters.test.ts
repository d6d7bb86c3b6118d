import { describe, expect, it } from 'vitest';
import { discoveryPlan, filtersFrom } from './instance-filters.js';
import type { CredentialChoice } from '../executions/targets.js';

const choice = (name: string, ready = true, defaultRegion = 'eu-west-1'): CredentialChoice => ({
  name,
  accountId: ready ? '111100000000' : '',
  ready,
  reason: ready ? '' : 'not Ready: SecretNotFound',
  defaultRegion,
  regions: [defaultRegion],
});
const credentials = [choice('a'), choice('b', true, 'us-east-1'), choice('broken', false)];
const plan = (query: string): ReturnType<typeof discoveryPlan> =>
  discoveryPlan('ops', filtersFrom(new URLSearchParams(query)), credentials);
const where = (p: ReturnType<typeof discoveryPlan>): string[] =>
  p.queries.map((q) => `${q.credential}/${q.region}`);

describe('discoveryPlan', () => {
  it('asks every Ready credential in its default region when nothing is chosen, and says why the others are not asked', () => {
    const p = plan('');
    expect(where(p)).toEqual(['a/eu-west-1', 'b/us-east-1']);
    expect(p.unasked).toEqual([
      { credential: 'broken', accountId: '', message: 'not Ready: SecretNotFound' },
    ]);
  });

  it('asks the chosen credentials in every chosen region, with the filters', () => {
    const p = plan(
      'credential=b&credential=gone&region=eu-west-1,ap-south-1&tag=Role=web&platform=Linux&platform=Mac&onlineOnly=true',
    );
    expect(where(p)).toEqual(['b/eu-west-1', 'b/ap-south-1']);
    expect(p.queries[0]!.path).toContain('tag=Role%3Dweb&platform=Linux&onlineOnly=true');
    expect(p.unasked).toEqual([
      { credential: 'gone', accountId: '', message: 'no such CloudCredential' },
    ]);
  });

  it('asks nothing and names the tag filter when it is malformed', () => {
    expect(plan('tag=Role')).toEqual({
      queries: [],
      unasked: [],
      problems: [
        { field: 'tag', message: 'tag 1 "Role" must read Key=value or Key=value1,value2' },
      ],
    });
  });
});
