import { describe, expect, it } from 'vitest';
import { previewPlan } from './preview.js';
import type { CredentialChoice } from './targets.js';

const choice = (name: string, ready = true): CredentialChoice => ({
  name,
  accountId: name === 'a' ? '111100000000' : '222200000000',
  ready,
  reason: ready ? '' : 'not Ready: ExpiredToken',
  defaultRegion: 'eu-west-1',
  regions: ['eu-west-1'],
});

const query = (path: string): URLSearchParams => new URLSearchParams(path.split('?')[1]);

describe('previewPlan', () => {
  it('asks each target credential in its regions, or its default region, with the selector', () => {
    const plan = previewPlan(
      'ops',
      [
        { credentialRef: { name: 'a' }, tags: { Role: ['web'] }, onlineOnly: true },
        {
          credentialRef: { name: 'b' },
          regions: ['us-east-1', 'us-west-2'],
          instanceIds: ['i-0123456789abcdef0'],
          onlineOnly: false,
        },
      ],
      [choice('a'), choice('b')],
    );
    expect(plan.problems).toEqual([]);
    expect(plan.queries.map((q) => [q.credential, q.region, q.path.split('?')[1]])).toEqual([
      ['a', 'eu-west-1', 'region=eu-west-1&tag=Role%3Dweb&onlineOnly=true'],
      ['b', 'us-east-1', 'region=us-east-1&instanceId=i-0123456789abcdef0'],
      ['b', 'us-west-2', 'region=us-west-2&instanceId=i-0123456789abcdef0'],
    ]);
  });

  it("narrows platforms to the script's, as the operator skips the others", () => {
    const plan = previewPlan(
      'ops',
      [
        {
          credentialRef: { name: 'a' },
          filters: { platforms: ['Linux', 'Windows'] },
          onlineOnly: true,
        },
      ],
      [choice('a')],
      ['Linux'],
    );
    expect(query(plan.queries[0]!.path).getAll('platform')).toEqual(['Linux']);
  });

  it('names the credentials it cannot ask and why', () => {
    const plan = previewPlan(
      'ops',
      [
        { credentialRef: { name: 'b' }, tags: { Role: ['web'] }, onlineOnly: true },
        { credentialRef: { name: 'gone' }, tags: { Role: ['web'] }, onlineOnly: true },
      ],
      [choice('b', false)],
    );
    expect(plan.queries).toEqual([]);
    expect(plan.problems).toEqual([
      'b: not Ready: ExpiredToken',
      'CloudCredential gone not found in ops',
    ]);
  });
});
