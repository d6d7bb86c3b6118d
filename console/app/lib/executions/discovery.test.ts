import { describe, expect, it } from 'vitest';
import { discoveryQueries, instanceRows, summarize, type DiscoveryAnswer } from './discovery.js';

const credential = { name: 'acct-a', accountId: '111122223333' };

describe('discoveryQueries', () => {
  it('asks once per region with the selector in the query string', () => {
    const queries = discoveryQueries('ops', credential, ['eu-west-1', 'us-east-1'], {
      tags: { Role: ['web', 'db'] },
      platforms: ['Linux'],
      onlineOnly: true,
    });
    expect(queries.map((q) => q.path)).toEqual([
      '/api/v1/namespaces/ops/cloudcredentials/acct-a/instances?region=eu-west-1&tag=Role%3Dweb%2Cdb&platform=Linux&onlineOnly=true',
      '/api/v1/namespaces/ops/cloudcredentials/acct-a/instances?region=us-east-1&tag=Role%3Dweb%2Cdb&platform=Linux&onlineOnly=true',
    ]);
  });

  it('splits long id lists into requests of 200 ids and values of at most 256 characters', () => {
    const ids = Array.from({ length: 450 }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
    const queries = discoveryQueries('ops', credential, ['eu-west-1'], {
      instanceIds: ids,
      onlineOnly: false,
    });
    expect(queries).toHaveLength(3);
    const params = queries.map((q) => new URLSearchParams(q.path.split('?')[1]));
    const asked = params.flatMap((p) => p.getAll('instanceId').flatMap((v) => v.split(',')));
    expect(asked).toEqual(ids);
    expect(params.flatMap((p) => p.getAll('instanceId')).every((v) => v.length <= 256)).toBe(true);
    expect(params[0]!.getAll('instanceId').join(',').split(',')).toHaveLength(200);
  });
});

const answer = (
  accountId: string,
  region: string,
  body: unknown,
  status = 200,
): DiscoveryAnswer => ({
  query: { credential: `acct-${accountId}`, accountId, region, path: '' },
  status,
  body,
});

describe('summarize and instanceRows', () => {
  const answers = [
    answer('222200000000', 'us-east-1', {
      accountId: '222200000000',
      instances: [{ instanceId: 'i-b', platform: 'Linux', state: 'running', online: true }],
      skipped: [{ instanceId: 'i-x', reason: 'NotFound' }],
    }),
    answer('111100000000', 'eu-west-1', {
      accountId: '111100000000',
      instances: [
        { instanceId: 'i-2', platform: 'Windows', state: 'running', online: false },
        { instanceId: 'i-1', platform: 'Linux', state: 'running', online: true },
      ],
      skipped: [],
    }),
    answer('111100000000', 'eu-west-1', {
      accountId: '111100000000',
      instances: [{ instanceId: 'i-3', platform: 'Linux', state: 'running', online: true }],
      skipped: [
        { instanceId: 'i-y', reason: 'Offline' },
        { instanceId: 'i-z', reason: 'Offline' },
      ],
    }),
    answer(
      '333300000000',
      'eu-west-1',
      { error: 'CloudCredential "acct-333300000000" is not Ready' },
      409,
    ),
  ];

  it('counts matched, online and skipped instances per account and region, errors by credential', () => {
    const summary = summarize(answers);
    expect(
      summary.places.map((p) => [p.accountId, p.region, p.matched, p.online, p.skipped, p.errors]),
    ).toEqual([
      ['111100000000', 'eu-west-1', 3, 2, { Offline: 2 }, []],
      ['222200000000', 'us-east-1', 1, 1, { NotFound: 1 }, []],
      [
        '333300000000',
        'eu-west-1',
        0,
        0,
        {},
        ['acct-333300000000: CloudCredential "acct-333300000000" is not Ready'],
      ],
    ]);
    expect([summary.matched, summary.skipped, summary.errors]).toEqual([4, 3, 1]);
  });

  it('lists every instance found, sorted by account, region and id', () => {
    expect(
      instanceRows(answers).map((r) => `${r.accountId}/${r.region}/${r.instanceId}/${r.online}`),
    ).toEqual([
      '111100000000/eu-west-1/i-1/true',
      '111100000000/eu-west-1/i-2/false',
      '111100000000/eu-west-1/i-3/true',
      '222200000000/us-east-1/i-b/true',
    ]);
  });
});
