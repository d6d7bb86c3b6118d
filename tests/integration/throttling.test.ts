// Throttling slows a run but never fails it: 30% of SSM calls are refused with
// ThrottlingException, and every execution still completes with the right counts.
import { describe, expect, it } from 'vitest';
import { execution, useOperator } from '../support/harness.js';

const h = useOperator('throttle');
const ACCOUNTS = ['810000000001', '810000000002'];
const REGIONS = ['eu-west-1', 'us-east-1'];

describe('30% of SSM calls throttled', () => {
  it('still completes every execution correctly', async () => {
    await h.fleet({ accounts: ACCOUNTS, regions: REGIONS, perRegion: 75, windowsShare: 0 });
    await h.emulator.resetCallCounts();
    await h.emulator.throttle({ service: 'ssm', rate: 0.3, seed: 7 });
    for (const name of ['throttled-a', 'throttled-b']) {
      await h.objects.create(execution(name, ACCOUNTS, REGIONS));
    }
    for (const name of ['throttled-a', 'throttled-b']) {
      const done = await h.objects.waitFor(
        'scriptexecutions',
        name,
        (o) => Boolean(o.status?.completionTime),
        240_000,
      );
      expect(done.status?.phase).toBe('Succeeded');
      expect(done.status?.counts).toMatchObject({ total: 300, succeeded: 300, failed: 0 });
    }
    const calls = await h.emulator.callCounts({ service: 'ssm' });
    const throttled = calls.reduce((n, c) => n + c.faulted, 0);
    const total = calls.reduce((n, c) => n + c.count, 0);
    expect(throttled).toBeGreaterThan(0.2 * total);
    // Each batch went out once: a throttled SendCommand never reached SSM, and its retry is the send.
    const sends = (await h.emulator.sentCommands()).length;
    expect(sends).toBe(2 * ACCOUNTS.length * REGIONS.length * 2);
    await h.emulator.clearFaults();
  });
});
