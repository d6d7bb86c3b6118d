// An execution over 10,000 instances in 20 accounts × 3 regions completes, and no object the
// operator writes comes near the 256 KiB bar (etcd refuses objects over about 1.5 MiB).
import { describe, expect, it } from 'vitest';
import { execution, useOperator } from '../support/harness.js';

const h = useOperator('scale', { PCM_OPS_AWS_PARALLELISM: '16', PCM_OPS_POLL_MAX_MS: '2000' });
const ACCOUNTS = Array.from({ length: 20 }, (_, i) => `9000000000${String(i).padStart(2, '0')}`);
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const PER_REGION = 167; // 20 × 3 × 167 = 10,020 instances
const LIMIT = 256 * 1024;

describe('10,000 instances across 20 accounts × 3 regions', () => {
  it('completes, and every object written stays under 256 KiB', async () => {
    await h.fleet({ accounts: ACCOUNTS, regions: REGIONS, perRegion: PER_REGION, windowsShare: 0 });
    await h.emulator.resetCallCounts();
    await h.objects.create(
      execution('fleet-wide', ACCOUNTS, REGIONS, { script: { body: 'uptime' } }),
    );
    const done = await h.objects.waitFor(
      'scriptexecutions',
      'fleet-wide',
      (o) => Boolean(o.status?.completionTime),
      600_000,
    );
    const total = ACCOUNTS.length * REGIONS.length * PER_REGION;
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({ total, succeeded: total });
    expect(done.status?.accounts).toHaveLength(60);
    const batches = (await h.objects.list('executionbatches')).filter(
      (b) => b.spec.executionName === 'fleet-wide',
    );
    expect(batches).toHaveLength(60 * Math.ceil(PER_REGION / 50));
    const sizes = [done, ...batches].map((o) => Buffer.byteLength(JSON.stringify(o)));
    const largest = Math.max(...sizes);
    const rss = await h.operator.metric('pcm_ops_process_resident_memory_bytes');
    console.log(
      `largest object: ${largest} bytes (execution ${sizes[0]} bytes, ${batches.length} batches); operator RSS ${Math.round(rss / 2 ** 20)} MiB`,
    );
    expect(largest).toBeLessThan(LIMIT);
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(
      batches.length,
    );
  }, 900_000);
});
