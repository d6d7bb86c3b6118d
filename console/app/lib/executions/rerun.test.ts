import { describe, expect, it } from 'vitest';
import { batch, execution } from './fixtures/detail-fixtures.js';
import { RERUN_OF, rerunExecution, rerunFailedExecution } from './rerun.js';

describe('rerunExecution', () => {
  it('copies the spec under a generated name and sends at once', () => {
    const source = execution({ suspend: true, cancel: true, parameters: { day: 'mon' } });
    const again = rerunExecution(source);
    expect(again.metadata).toEqual({
      generateName: 'run-rerun-',
      namespace: 'ops',
      labels: { team: 'web' },
      annotations: { [RERUN_OF]: 'run' },
    });
    expect(again.spec).toEqual({ ...source.spec, suspend: false, cancel: false });
    expect(again).not.toHaveProperty('status');
  });

  it('keeps a long name within the 63 characters an execution name holds', () => {
    const source = execution();
    source.metadata.name = `${'a'.repeat(60)}.b`;
    // the API server appends 5 random characters to generateName
    expect(rerunExecution(source).metadata.generateName.length).toBeLessThanOrEqual(58);
  });
});

describe('rerunFailedExecution', () => {
  const source = execution({
    targets: [
      {
        name: 'web',
        credentialRef: { name: 'acct-a' },
        regions: ['eu-west-1', 'us-east-1'],
        tags: { Role: ['web'] },
        onlineOnly: false,
      },
      {
        credentialRef: { name: 'org' },
        organizationAccounts: {},
        filters: { states: ['running'] },
        onlineOnly: true,
      },
    ],
  });

  it('targets exactly the failed and timed-out instances, per credential, account and region', () => {
    const batches = [
      batch(0, { target: 'web', region: 'eu-west-1' }, [
        { instanceId: 'i-00000001', status: 'Success' },
        { instanceId: 'i-00000002', status: 'Failed' },
        { instanceId: 'i-00000003', status: 'ExecutionTimedOut' },
        { instanceId: 'i-00000004', status: 'Cancelled' },
      ]),
      batch(1, { target: 'web', region: 'us-east-1' }, [
        { instanceId: 'i-00000005', status: 'Undeliverable' },
      ]),
      batch(2, { target: 'web', region: 'eu-west-1' }, [
        { instanceId: 'i-00000006', status: 'DeliveryTimedOut' },
      ]),
      batch(3, { target: '1', credential: 'org', accountId: '333333333333' }, [
        { instanceId: 'i-00000007', status: 'Terminated' },
      ]),
    ];
    const again = rerunFailedExecution(source, batches);
    expect(again?.metadata.generateName).toBe('run-failed-');
    expect(again?.spec.targets).toEqual([
      {
        name: 'web',
        credentialRef: { name: 'acct-a' },
        regions: ['eu-west-1'],
        instanceIds: ['i-00000002', 'i-00000003', 'i-00000006'],
        onlineOnly: false,
      },
      {
        name: 'web',
        credentialRef: { name: 'acct-a' },
        regions: ['us-east-1'],
        instanceIds: ['i-00000005'],
        onlineOnly: false,
      },
      {
        credentialRef: { name: 'org' },
        organizationAccounts: { accountIds: ['333333333333'] },
        regions: ['eu-west-1'],
        instanceIds: ['i-00000007'],
        onlineOnly: true,
      },
    ]);
    expect(again?.spec.script).toEqual(source.spec.script);
  });

  it('splits more than 5,000 failed instances of one place into several targets', () => {
    const ids = Array.from({ length: 5001 }, (_, i) => `i-${String(i).padStart(8, '0')}`);
    const batches = ids.map((instanceId, index) =>
      batch(index, { target: 'web' }, [{ instanceId, status: 'Failed' }]),
    );
    const targets = rerunFailedExecution(source, batches)?.spec.targets ?? [];
    expect(targets.map((t) => t.instanceIds?.length)).toEqual([5000, 1]);
  });

  it('sends again what was never sent, not what may have run (its outcome Unknown)', () => {
    const batches = [
      batch(0, { target: 'web', region: 'eu-west-1' }, [
        { instanceId: 'i-00000010', status: 'SendFailed' },
        { instanceId: 'i-00000011', status: 'Unknown' },
      ]),
    ];
    const targets = rerunFailedExecution(source, batches)?.spec.targets ?? [];
    expect(targets.flatMap((t) => t.instanceIds)).toEqual(['i-00000010']);
  });

  it('is nothing when no target failed', () => {
    expect(
      rerunFailedExecution(source, [batch(0, {}, [{ instanceId: 'i-00000001' }])]),
    ).toBeUndefined();
  });

  it('names failed SSH hosts in ids, without a region they do not have', () => {
    const hosts = execution({
      targets: [{ credentialRef: { name: 'lab-ops' }, tags: { role: ['web'] }, onlineOnly: true }],
    });
    const batches = [
      batch(0, { credential: 'lab-ops', provider: 'ssh', accountId: 'lab', region: '' }, [
        { instanceId: 'web-01', status: 'Success' },
        { instanceId: 'web-02', status: 'Undeliverable' },
      ]),
    ];
    expect(rerunFailedExecution(hosts, batches)?.spec.targets).toEqual([
      { credentialRef: { name: 'lab-ops' }, ids: ['web-02'], onlineOnly: true },
    ]);
  });
});
