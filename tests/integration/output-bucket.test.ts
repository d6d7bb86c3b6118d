// Full output beyond what SSM keeps inline: with an output bucket configured, every SendCommand
// names it, the emulator's agent writes each invocation's whole stdout and stderr into moto's S3
// under SSM's own key layout, and the operator's full-output route reads back what SSM cut.
// Without one, the route answers SSM's 24,000 characters, marked truncated.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { GetCommandInvocationCommand } from '@aws-sdk/client-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { HUB_ACCOUNT, useOperator, type Harness } from '../support/harness.js';
import { assumeAccount, s3Client, ssmClient, type FleetGroup } from '../support/aws.js';
import { executionReaderToken } from '../support/tokens.js';

const BUCKET = 'pcm-ops-output';
const REGION = 'eu-west-1';
const WITH_BUCKET = '840000000001';
const WITHOUT_BUCKET = '840000000002';

const withBucket = useOperator('out-bucket', {
  PCM_OPS_OUTPUT_BUCKET: BUCKET,
  PCM_OPS_OUTPUT_PREFIX: 'runs/',
});
const withoutBucket = useOperator('out-inline');

// What the scripts print: 3,000 numbered lines on stdout (33,000 characters, past SSM's 24,000),
// 1,500 warnings on stderr (13,893 characters, past its 8,000). The emulator runs nothing, so the
// same text is scripted as the invocations' outcome.
const LINES = 3000;
const numbered = (eol: string): string =>
  Array.from({ length: LINES }, (_, i) => `line ${String(i + 1).padStart(5, '0')}${eol}`).join('');
const STDOUT = numbered('\n');
const STDOUT_WINDOWS = numbered('\r\n');
const STDERR = Array.from({ length: 1500 }, (_, i) => `warn ${i + 1}\n`).join('');
const BASH = `for i in $(seq 1 ${LINES}); do printf 'line %05d\\n' "$i"; done; seq 1 1500 | sed 's/^/warn /' >&2 # big-log`;
const POWERSHELL = `1..${LINES} | ForEach-Object { 'line {0:d5}' -f $_ } # big-log`;

interface OutputBody {
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  stdoutSource: string;
  stderrSource: string;
  sourceNote?: string;
  status: string;
  commandId: string;
}

let s3: S3Client;

beforeAll(async () => {
  // After both operators' set-up, which resets the emulator (moto's S3 with it).
  const hub = await assumeAccount(withBucket.endpoint, HUB_ACCOUNT, 'pcm-ops-operator');
  s3 = s3Client(withBucket.endpoint, { credentials: hub });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});

/** Runs a script on one instance of a fleet group and waits for the execution to finish. */
async function runOn(
  h: Harness,
  name: string,
  on: { group: FleetGroup; instanceId: string },
  script: { interpreter: 'bash' | 'powershell'; body: string },
): Promise<void> {
  const { group, instanceId } = on;
  await h.objects.create({
    kind: 'ScriptExecution',
    metadata: { name },
    spec: {
      script,
      targets: [
        {
          credentialRef: { name: `acct-${group.accountId}` },
          regions: [group.region],
          instanceIds: [instanceId],
        },
      ],
    },
  });
  const done = await h.objects.waitFor(
    'scriptexecutions',
    name,
    (o) => Boolean(o.status?.completionTime),
    120_000,
  );
  expect(done.status?.phase).toBe('Succeeded');
}

async function fullOutput(
  h: Harness,
  token: string,
  name: string,
  instanceId: string,
): Promise<OutputBody> {
  const res = await fetch(
    `${h.operator.apiUrl}/api/v1/namespaces/${h.namespace}/scriptexecutions/${name}/output?instanceId=${instanceId}`,
    { headers: { authorization: `Bearer ${token}` } },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as OutputBody;
}

async function objectText(key: string): Promise<string | undefined> {
  try {
    const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return await got.Body?.transformToString('utf8');
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

const agentKey = (commandId: string, instanceId: string, plugin: string, stream: string) =>
  `runs/aws/${commandId}/${instanceId}/${plugin}/0.${plugin}/${stream}`;

describe('with an output bucket', () => {
  const h = withBucket;
  let group: FleetGroup;
  let linux: string;
  let token: string;

  beforeAll(async () => {
    const fleet = await h.fleet({
      accounts: [WITH_BUCKET],
      regions: [REGION],
      perRegion: 2,
      windowsShare: 0.5,
    });
    group = fleet.group(WITH_BUCKET, REGION);
    linux = group.linuxInstanceIds[0]!;
    token = await executionReaderToken(h);
    await h.emulator.scriptOutcome({
      instanceId: linux,
      commandContains: 'big-log',
      stdout: STDOUT,
      stderr: STDERR,
    });
    await h.emulator.scriptOutcome({
      instanceId: group.windowsInstanceIds[0]!,
      commandContains: 'big-log',
      stdout: STDOUT_WINDOWS,
    });
    await h.emulator.scriptOutcome({
      instanceId: linux,
      commandContains: 'short-run',
      stdout: 'ok\n',
    });
  });

  it('sends the command with the bucket, and serves the whole output SSM cut, read back from it', async () => {
    await runOn(h, 'big-linux', { group, instanceId: linux }, { interpreter: 'bash', body: BASH });
    const [sent] = await h.emulator.sentCommands({ account: WITH_BUCKET });
    expect(sent?.request).toMatchObject({
      OutputS3BucketName: BUCKET,
      OutputS3KeyPrefix: 'runs/aws',
    });
    const commandId = sent!.commandId;

    const body = await fullOutput(h, token, 'big-linux', linux);
    expect(body.commandId).toBe(commandId);
    expect(body.stdout).toHaveLength(33_000);
    expect(body.stdout).toBe(STDOUT);
    expect(body.stdout.endsWith('line 02999\nline 03000\n')).toBe(true);
    expect(body.stderr).toHaveLength(13_893);
    expect(body.stderr.endsWith('warn 1500\n')).toBe(true);
    expect(body).toMatchObject({
      stdoutTruncated: false,
      stderrTruncated: false,
      stdoutSource: 'bucket',
      stderrSource: 'bucket',
      status: 'Success',
    });
    expect(body.sourceNote).toBeUndefined();

    // The agent's copies sit at SSM's own key layout; GetCommandInvocation still keeps 24,000.
    expect(await objectText(agentKey(commandId, linux, 'awsrunShellScript', 'stdout'))).toBe(
      STDOUT,
    );
    expect(await objectText(agentKey(commandId, linux, 'awsrunShellScript', 'stderr'))).toBe(
      STDERR,
    );
    const ssm = ssmClient(h.endpoint, { region: REGION, credentials: group.credentials });
    const inline = await ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: linux }),
    );
    expect(inline.StandardOutputContent).toHaveLength(24_000);
    expect(inline.StandardErrorContent).toHaveLength(8_000);
    expect(inline.StandardOutputUrl).toBe(
      `https://s3.${REGION}.amazonaws.com/${BUCKET}/${agentKey(commandId, linux, 'awsrunShellScript', 'stdout')}`,
    );
  });

  it('reads a PowerShell run from the key layout of AWS-RunPowerShellScript', async () => {
    const windows = group.windowsInstanceIds[0]!;
    await runOn(
      h,
      'big-windows',
      { group, instanceId: windows },
      { interpreter: 'powershell', body: POWERSHELL },
    );
    const body = await fullOutput(h, token, 'big-windows', windows);
    expect(body.stdout).toBe(STDOUT_WINDOWS);
    expect(body.stdout).toHaveLength(36_000);
    expect(body).toMatchObject({ stdoutTruncated: false, stdoutSource: 'bucket', stderr: '' });
    expect(
      await objectText(agentKey(body.commandId, windows, 'awsrunPowerShellScript', 'stdout')),
    ).toBe(STDOUT_WINDOWS);
  });

  it('shows the inline part of a stream the bucket has lost, saying so', async () => {
    const before = await fullOutput(h, token, 'big-linux', linux);
    const key = agentKey(before.commandId, linux, 'awsrunShellScript', 'stdout');
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    const body = await fullOutput(h, token, 'big-linux', linux);
    expect(body.stdout).toBe(STDOUT.slice(0, 24_000));
    expect(body).toMatchObject({ stdoutTruncated: true, stdoutSource: 'inline' });
    expect(body.sourceNote).toContain(`the bucket holds no s3://${BUCKET}/${key}`);
    expect(body.stderr).toBe(STDERR);
    expect(body.stderrSource).toBe('bucket');
  });

  it('asks the bucket nothing for output SSM kept whole', async () => {
    await runOn(
      h,
      'short',
      { group, instanceId: linux },
      { interpreter: 'bash', body: 'echo ok # short-run' },
    );
    const reads = () =>
      h.operator.metric('pcm_ops_aws_calls_total', { service: 's3', operation: 'GetObject' });
    const before = await reads();
    expect(before).toBeGreaterThan(0);
    const body = await fullOutput(h, token, 'short', linux);
    expect(body).toMatchObject({ stdout: 'ok\n', stdoutTruncated: false, stdoutSource: 'inline' });
    expect(body.sourceNote).toBeUndefined();
    expect(await reads()).toBe(before);
  });
});

describe('without an output bucket', () => {
  const h = withoutBucket;

  it('serves the 24,000 characters SSM keeps, marked truncated, and names the setting', async () => {
    const fleet = await h.fleet({
      accounts: [WITHOUT_BUCKET],
      regions: [REGION],
      perRegion: 1,
      windowsShare: 0,
    });
    const group = fleet.group(WITHOUT_BUCKET, REGION);
    const linux = group.linuxInstanceIds[0]!;
    await h.emulator.scriptOutcome({
      instanceId: linux,
      commandContains: 'big-log',
      stdout: STDOUT,
      stderr: STDERR,
    });
    await runOn(h, 'big-inline', { group, instanceId: linux }, { interpreter: 'bash', body: BASH });

    const body = await fullOutput(h, await executionReaderToken(h), 'big-inline', linux);
    expect(body.stdout).toHaveLength(24_000);
    expect(body.stdout).toBe(STDOUT.slice(0, 24_000));
    expect(body.stderr).toBe(STDERR.slice(0, 8_000));
    expect(body).toMatchObject({
      stdoutTruncated: true,
      stderrTruncated: true,
      stdoutSource: 'inline',
      stderrSource: 'inline',
    });
    expect(body.sourceNote).toContain('no output bucket is configured (PCM_OPS_OUTPUT_BUCKET)');

    const [sent] = await h.emulator.sentCommands({ account: WITHOUT_BUCKET });
    expect(sent?.request.OutputS3BucketName).toBeUndefined();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    expect((listed.Contents ?? []).filter((o) => o.Key?.includes(sent!.commandId))).toEqual([]);
  });
});
