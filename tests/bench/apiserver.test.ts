import { describe, expect, it } from 'vitest';
import { parseRequestCounts, requestDelta, totalRequests } from './apiserver.js';

// Lines as kube-apiserver v1.35 writes them in /metrics.
const METRICS = `# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="pcm-ops.io",resource="executionbatches",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 960
apiserver_request_total{code="409",component="apiserver",dry_run="",group="pcm-ops.io",resource="executionbatches",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 2
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 3
apiserver_request_total{code="200",component="",dry_run="",group="",resource="",scope="",subresource="/healthz",verb="GET",version=""} 40
apiserver_request_duration_seconds_sum{component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 0.012
`;

describe('parseRequestCounts', () => {
  it('sums resource requests by verb and resource, over response codes', () => {
    expect([...parseRequestCounts(METRICS)]).toEqual([
      ['PATCH executionbatches/status', 962],
      ['POST events', 3],
    ]);
  });

  it('reads another metric with the same labels', () => {
    expect(
      parseRequestCounts(METRICS, 'apiserver_request_duration_seconds_sum').get('POST events'),
    ).toBeCloseTo(0.012);
  });
});

describe('requestDelta', () => {
  it('keeps what moved, new keys included', () => {
    const before = new Map([
      ['POST events', 3],
      ['GET leases', 10],
    ]);
    const after = new Map([
      ['POST events', 5],
      ['GET leases', 10],
      ['PUT leases', 1],
    ]);
    const delta = requestDelta(before, after);
    expect([...delta]).toEqual([
      ['POST events', 2],
      ['PUT leases', 1],
    ]);
    expect(totalRequests(delta)).toBe(3);
  });
});
