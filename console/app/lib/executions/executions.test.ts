import type { CloudCredential } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import { targetRows, withProviders, withRowProviders } from './executions.js';
import { batch } from './fixtures/detail-fixtures.js';

const credential = (name: string, provider: 'aws' | 'ssh'): CloudCredential =>
  ({ metadata: { name }, spec: { provider } }) as CloudCredential;

describe('withProviders', () => {
  const batches = [
    batch(0, { credential: 'prod' }, [{ instanceId: 'i-00000001' }]),
    batch(1, { credential: 'lab-ops', accountId: 'lab', region: '' }, [{ instanceId: 'web-01' }]),
    batch(2, { credential: 'gone' }, [{ instanceId: 'i-00000002' }]),
    batch(3, { credential: 'lab-ops', provider: 'aws' }, [{ instanceId: 'i-00000003' }]),
  ];

  it('gives each row the provider its batch records, else its credential names, else aws', () => {
    const known = [credential('prod', 'aws'), credential('lab-ops', 'ssh')];
    const rows = targetRows(withProviders(batches, known));
    expect(rows.map((row) => [row.instanceId, row.provider, row.accountId, row.region])).toEqual([
      ['i-00000001', 'aws', '111111111111', 'eu-west-1'],
      ['web-01', 'ssh', 'lab', ''],
      ['i-00000002', 'aws', '111111111111', 'eu-west-1'],
      ['i-00000003', 'aws', '111111111111', 'eu-west-1'],
    ]);
  });
});

describe('withRowProviders', () => {
  it('gives each place row its provider: recorded, else its credential’s', () => {
    const status = {
      accounts: [
        { credential: 'prod', accountId: '111111111111', region: 'eu-west-1', total: 1 },
        { credential: 'lab-ops', accountId: 'lab', region: '', total: 2 },
        { credential: 'gone', accountId: '222222222222', region: 'eu-west-1', total: 1 },
      ],
    };
    const rows = withRowProviders(status, [credential('lab-ops', 'ssh')]).accounts ?? [];
    expect(rows.map((row) => row.provider)).toEqual([undefined, 'ssh', undefined]);
  });
});
