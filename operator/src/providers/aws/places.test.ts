// AWS places through the engine's location list: every target × account × region.
import type { CloudCredential, ExecutionTarget } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import { earlierSameSpot, locationsOf } from '../../domain/locations.js';
import { awsPlaces } from './places.js';

function credential(
  name: string,
  accountId: string,
  extra: Partial<CloudCredential['status']> = {},
): CloudCredential {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'CloudCredential',
    metadata: { name },
    spec: {
      provider: 'aws',
      aws: { partition: 'aws', defaultRegion: 'eu-west-1', source: { ambient: {} } },
    },
    status: { accountId, ...extra },
  };
}

function target(name: string, extra: Partial<ExecutionTarget> = {}): ExecutionTarget {
  return { credentialRef: { name }, tags: { Role: ['web'] }, onlineOnly: true, ...extra };
}

describe('locationsOf', () => {
  const credentials: Record<string, CloudCredential> = {
    prod: credential('prod', '222222222222'),
    org: credential('org', '123456789012', {
      organizationAccounts: [{ id: '333333333333' }, { id: '444444444444' }],
    }),
  };
  const placesOf = (t: ExecutionTarget) => awsPlaces(t, credentials[t.credentialRef.name]!);

  it('lists every target × account × region in spec order, with the default region when none is given', () => {
    const rows = locationsOf(
      [
        target('prod', { name: 'web', regions: ['us-east-1', 'eu-west-1'] }),
        target('org', { organizationAccounts: {} }),
        target('prod'),
      ],
      placesOf,
    );
    expect(rows.map((r) => [r.targetIndex, r.target, r.accountId, r.region])).toEqual([
      [0, 'web', '222222222222', 'us-east-1'],
      [0, 'web', '222222222222', 'eu-west-1'],
      [1, '1', '333333333333', 'eu-west-1'],
      [1, '1', '444444444444', 'eu-west-1'],
      [2, '2', '222222222222', 'eu-west-1'],
    ]);
    expect(earlierSameSpot(rows, 4)).toEqual([1]);
    expect(earlierSameSpot(rows, 1)).toEqual([]);
  });

  it('keeps only the member accounts the organization lists', () => {
    const rows = locationsOf(
      [target('org', { organizationAccounts: { accountIds: ['444444444444', '999999999999'] } })],
      placesOf,
    );
    expect(rows.map((r) => r.accountId)).toEqual(['444444444444']);
  });
});
