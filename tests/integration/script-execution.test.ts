// ScriptExecution end to end: the operator fans a script out over accounts and regions through
// the AWS emulator's SSM, and the status tells the truth about every target.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { execution, useOperator } from '../support/harness.js';
import { kubectl, kubectlOk } from '../support/kube.js';
import { condition } from '../support/objects.js';

const SE = 'scriptexecutions';
const h = useOperator('exec');
const ACCOUNTS = ['111111111111', '222222222222', '333333333333'];
const REGIONS = ['eu-west-1', 'us-east-1'];

const finished = (name: string, timeoutMs = 120_000) =>
  h.objects.waitFor(SE, name, (o) => Boolean(o.status?.completionTime), timeoutMs);

describe('a run over 3 accounts × 2 regions × 60 instances', () => {
  it('ends Succeeded with every target counted, in batches of 50 and one poll page per batch', async () => {
    await h.fleet({ accounts: ACCOUNTS, regions: REGIONS, perRegion: 60, windowsShare: 0 });
    await h.emulator.resetCallCounts();
    const pollsBefore = await h.operator.metric('pcm_ops_command_polls_total');
    await h.objects.create(execution('wide', ACCOUNTS, REGIONS, { changeRef: 'CHG:0042' }));
    const done = await finished('wide');
    expect(done.status?.phase).toBe('Succeeded');
    expect(done.status?.counts).toMatchObject({
      total: 360,
      succeeded: 360,
      failed: 0,
      timedOut: 0,
      cancelled: 0,
    });
    expect(done.status?.progress).toBe('360/360');
    const rows = done.status?.accounts as {
      accountId: string;
      region: string;
      total: number;
      succeeded: number;
      commandIds: string[];
    }[];
    expect(rows).toHaveLength(6);
    for (const row of rows) {
      expect(row).toMatchObject({ total: 60, succeeded: 60 });
      expect(row.commandIds).toHaveLength(2);
    }
    expect(condition(done, 'Complete')?.status).toBe('True');
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(12);
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'GetCommandInvocation' })).toBe(
      0,
    );
    const polls = (await h.operator.metric('pcm_ops_command_polls_total')) - pollsBefore;
    expect(
      await h.emulator.callCount({ service: 'ssm', operation: 'ListCommandInvocations' }),
    ).toBe(polls);
    const batches = await h.objects.list('executionbatches');
    expect(batches.filter((b) => b.spec.executionName === 'wide')).toHaveLength(12);
  });

  it('is listed by kubectl with phase, progress and counts, and kubectl wait sees it Complete', async () => {
    const wait = await kubectl([
      'wait',
      '-n',
      h.namespace,
      '--for=condition=Complete',
      'se/wide',
      '--timeout=30s',
    ]);
    expect(wait.stdout).toContain('condition met');
    const byChange = await kubectlOk([
      'get',
      'se',
      '-n',
      h.namespace,
      '-l',
      'pcm-ops.io/change-ref=CHG-0042',
      '-o',
      'name',
    ]);
    expect(byChange.trim()).toBe('scriptexecution.pcm-ops.io/wide');
    const wide = await kubectlOk(['get', 'se', 'wide', '-n', h.namespace, '-o', 'wide']);
    expect(wide).toMatch(/wide\s+Succeeded\s+360\/360\s+360\s+0\s+Succeeded\s+CHG:0042/);
    const table = await kubectlOk(['get', 'se', 'wide', '-n', h.namespace]);
    expect(table.split('\n')[0]).toMatch(
      /NAME\s+PHASE\s+PROGRESS\s+SUCCEEDED\s+FAILED\s+REASON\s+AGE/,
    );
    expect(table).toMatch(/wide\s+Succeeded\s+360\/360\s+360\s+0\s+Succeeded\s+/);
  });

  it('records an edit after the end (its TTL) as observed, so kstatus and Flux read it Current again', async () => {
    const edited = await h.objects.patch('scriptexecutions', 'wide', {
      spec: { ttlSecondsAfterFinished: 86_400 },
    });
    const generation = edited.metadata.generation!;
    const seen = await h.objects.waitFor(
      'scriptexecutions',
      'wide',
      (o) => o.status?.observedGeneration === generation,
    );
    expect(seen.status?.phase).toBe('Succeeded');
    const conditions = seen.status?.conditions as { type: string; observedGeneration: number }[];
    expect(conditions.map((c) => c.observedGeneration)).toEqual(conditions.map(() => generation));
  });
});

describe('rate control and failures', () => {
  it('stops sending new batches once maxErrors is crossed and ends Failed', async () => {
    const fleet = await h.fleet({
      accounts: ['444444444444'],
      regions: ['eu-west-1'],
      perRegion: 100,
      windowsShare: 0,
    });
    const ids = [...fleet.instanceIds].sort();
    for (const instanceId of ids.slice(0, 5)) {
      await h.emulator.scriptOutcome({
        instanceId,
        status: 'Failed',
        responseCode: 3,
        stderr: 'disk full',
      });
    }
    await h.emulator.resetCallCounts();
    await h.objects.create(
      execution('strict', ['444444444444'], ['eu-west-1'], {
        rateControl: { maxConcurrency: 50, maxErrors: 2 },
      }),
    );
    const done = await finished('strict');
    expect(done.status?.phase).toBe('Failed');
    expect(condition(done, 'Failed')).toMatchObject({
      status: 'True',
      reason: 'MaxErrorsExceeded',
    });
    expect(done.status?.counts).toMatchObject({
      total: 100,
      succeeded: 45,
      failed: 5,
      cancelled: 50,
    });
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(1);
    const sample = done.status?.failedSample as { instanceId: string; exitCode: number }[];
    expect(sample.map((s) => s.instanceId).sort()).toEqual(ids.slice(0, 5));
    expect(sample[0]?.exitCode).toBe(3);
  });

  it('ends PartiallySucceeded when the failures stay within maxErrors', async () => {
    await h.objects.create(
      execution('lenient', ['444444444444'], ['eu-west-1'], {
        rateControl: { maxConcurrency: '50%', maxErrors: '10%' },
      }),
    );
    const done = await finished('lenient');
    expect(done.status?.phase).toBe('PartiallySucceeded');
    expect(done.status?.counts).toMatchObject({ total: 100, succeeded: 95, failed: 5 });
  });

  it('maps delivery and execution timeouts to their own statuses', async () => {
    const fleet = await h.fleet({
      accounts: ['555555555555'],
      regions: ['eu-west-1'],
      perRegion: 3,
      windowsShare: 0,
    });
    const [late, slow] = fleet.instanceIds;
    await h.emulator.scriptOutcome({
      instanceId: late!,
      status: 'TimedOut',
      statusDetails: 'Delivery Timed Out',
    });
    await h.emulator.scriptOutcome({
      instanceId: slow!,
      status: 'TimedOut',
      statusDetails: 'Execution Timed Out',
      responseCode: -1,
    });
    await h.objects.create(
      execution('timeouts', ['555555555555'], ['eu-west-1'], {
        timeouts: { deliverySeconds: 30, executionSeconds: 5 },
      }),
    );
    const done = await finished('timeouts');
    expect(done.status?.counts).toMatchObject({ succeeded: 1, timedOut: 2 });
    const [batch] = (await h.objects.list('executionbatches')).filter(
      (b) => b.spec.executionName === 'timeouts',
    );
    const byId = Object.fromEntries(
      (batch!.status!.invocations as { instanceId: string; status: string }[]).map((i) => [
        i.instanceId,
        i.status,
      ]),
    );
    expect(byId[late!]).toBe('DeliveryTimedOut');
    expect(byId[slow!]).toBe('ExecutionTimedOut');
    const sent = await h.emulator.sentCommands();
    const request = sent.find((c) => c.instanceIds.includes(late!))!.request as {
      TimeoutSeconds?: number;
      Parameters?: Record<string, string[]>;
    };
    expect(request.TimeoutSeconds).toBe(30);
    expect(request.Parameters?.executionTimeout).toEqual(['5']);
  });
});

describe('cancel, delete and suspend', () => {
  it('cancel: true calls CancelCommand and ends Cancelled', async () => {
    await h.emulator.scriptOutcome({ commandContains: 'sleep-for-cancel', pendingSeconds: 120 });
    await h.emulator.resetCallCounts();
    await h.objects.create(
      execution('to-cancel', ['555555555555'], ['eu-west-1'], {
        script: { body: 'echo sleep-for-cancel' },
      }),
    );
    await h.objects.waitFor(
      SE,
      'to-cancel',
      (o) =>
        o.status?.phase === 'Running' &&
        (o.status?.accounts as unknown[] | undefined)?.length === 1,
    );
    await h.objects.patch(SE, 'to-cancel', { spec: { cancel: true } });
    const done = await finished('to-cancel');
    expect(done.status?.phase).toBe('Cancelled');
    expect(done.status?.counts).toMatchObject({ cancelled: 3 });
    expect(
      await h.emulator.callCount({ service: 'ssm', operation: 'CancelCommand' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('deleting a running execution cancels its commands first', async () => {
    await h.emulator.scriptOutcome({ commandContains: 'sleep-for-delete', pendingSeconds: 120 });
    await h.emulator.resetCallCounts();
    await h.objects.create(
      execution('to-delete', ['555555555555'], ['eu-west-1'], {
        script: { body: 'echo sleep-for-delete' },
      }),
    );
    await h.objects.waitFor(
      SE,
      'to-delete',
      (o) =>
        o.status?.phase === 'Running' &&
        (o.status?.accounts as unknown[] | undefined)?.length === 1,
    );
    await h.objects.delete(SE, 'to-delete');
    await expect
      .poll(async () => (await h.objects.list(SE)).some((o) => o.metadata.name === 'to-delete'), {
        timeout: 30_000,
      })
      .toBe(false);
    expect(
      await h.emulator.callCount({ service: 'ssm', operation: 'CancelCommand' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('a suspended run resolves its targets but sends nothing until resumed', async () => {
    await h.fleet({
      accounts: ['666666666666'],
      regions: ['eu-west-1'],
      perRegion: 3,
      windowsShare: 0,
    });
    await h.emulator.resetCallCounts();
    await h.objects.create(execution('gated', ['666666666666'], ['eu-west-1'], { suspend: true }));
    const suspended = await h.objects.waitFor(SE, 'gated', (o) => o.status?.phase === 'Suspended');
    expect(condition(suspended, 'Suspended')?.status).toBe('True');
    expect(condition(suspended, 'TargetsResolved')?.status).toBe('True');
    expect(suspended.status?.counts).toMatchObject({ total: 3 });
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(0);
    await h.objects.patch(SE, 'gated', { spec: { suspend: false } });
    expect((await finished('gated')).status?.phase).toBe('Succeeded');
    expect(await h.emulator.callCount({ service: 'ssm', operation: 'SendCommand' })).toBe(1);
  });
});

describe('parameters', () => {
  it('reach the script as data, whatever shell metacharacters they hold', async () => {
    const value = `it's "quoted" $(id) \`whoami\` ; rm -rf / \n second line \\ $HOME`;
    await h.objects.create({
      kind: 'Script',
      metadata: { name: 'echo-value' },
      spec: {
        interpreter: 'bash',
        body: 'printf "%s" "$VALUE"',
        parameters: [{ name: 'VALUE', required: true }],
      },
    });
    await h.objects.create(
      execution('injection', ['555555555555'], ['eu-west-1'], {
        script: undefined,
        scriptRef: { name: 'echo-value' },
        parameters: { VALUE: value },
      }),
    );
    await finished('injection');
    const sent = (await h.emulator.sentCommands()).filter((c) =>
      c.commandText.includes('printf "%s" "$VALUE"'),
    );
    expect(sent).toHaveLength(1);
    const run = spawnSync('bash', ['-c', sent[0]!.commandText], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(value);
  });
});
