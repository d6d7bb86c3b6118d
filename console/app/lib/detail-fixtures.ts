// Fixtures for the detail page's unit tests: batches and executions shaped as the API returns them.
import type { BatchInvocation, ExecutionBatch, ScriptExecution } from '@pcm-ops/crds';

export function batch(
  index: number,
  where: { target?: string; credential?: string; accountId?: string; region?: string },
  invocations: Array<Partial<BatchInvocation> & { instanceId: string }>,
): ExecutionBatch {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ExecutionBatch',
    metadata: { name: `run-${index}`, namespace: 'ops' },
    spec: {
      executionName: 'run',
      index,
      target: where.target ?? '0',
      credential: where.credential ?? 'acct-a',
      accountId: where.accountId ?? '111111111111',
      region: where.region ?? 'eu-west-1',
      instanceIds: invocations.map((i) => i.instanceId),
    },
    status: {
      phase: 'Finished',
      invocations: invocations.map((i) => ({ status: 'Success', ...i })),
    },
  } as ExecutionBatch;
}

export function execution(spec: Partial<ScriptExecution['spec']> = {}): ScriptExecution {
  return {
    apiVersion: 'pcm-ops.io/v1alpha1',
    kind: 'ScriptExecution',
    metadata: { name: 'run', namespace: 'ops', labels: { team: 'web' } },
    spec: {
      script: { interpreter: 'bash', body: 'uptime' },
      targets: [{ credentialRef: { name: 'acct-a' }, tags: { Role: ['web'] }, onlineOnly: true }],
      suspend: false,
      cancel: false,
      ...spec,
    },
    status: { phase: 'PartiallySucceeded' },
  } as ScriptExecution;
}
