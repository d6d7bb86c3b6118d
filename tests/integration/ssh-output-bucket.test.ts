// Full output of runs on Linux hosts, in the output bucket (moto's S3): a run whose streams pass
// the head the host reports has its whole stdout and stderr copied from the host to the bucket
// before it is reported ended; while the bucket refuses (here: it does not exist yet) the host
// shows SavingOutput and the copy is tried again; the operator's full-output route then serves
// the streams from the bucket. Real sshd hosts, the real operator and API server.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshFleet, type SshFleet } from '../infra/sshd.js';
import { assumeAccount, s3Client } from '../support/aws.js';
import { HUB_ACCOUNT, useOperator } from '../support/harness.js';
import { executionReaderToken } from '../support/tokens.js';

const BUCKET = 'pcm-ops-ssh-output';
const h = useOperator('ssh-out', {
  PCM_OPS_OUTPUT_BUCKET: BUCKET,
  PCM_OPS_OUTPUT_PREFIX: 'runs',
});
let fleet: SshFleet;
let s3: S3Client;
let token: string;

// 5,000 numbered lines on stdout (55,000 characters, past the 24,000 a host reports), 3,000
// warnings on stderr (29,893 characters)
const LINES = 5000;
const STDOUT = Array.from(
  { length: LINES },
  (_, i) => `line ${String(i + 1).padStart(5, '0')}\n`,
).join('');
const STDERR = Array.from({ length: 3000 }, (_, i) => `warn ${i + 1}\n`).join('');
const BODY = `for i in $(seq 1 ${LINES}); do printf 'line %05d\\n' "$i"; done; seq 1 3000 | sed 's/^/warn /' >&2`;

beforeAll(async () => {
  fleet = await startSshFleet({ hosts: 2 });
  s3 = s3Client(h.endpoint, {
    credentials: await assumeAccount(h.endpoint, HUB_ACCOUNT, 'pcm-ops-operator'),
  });
  token = await executionReaderToken(h);
  await h.core.createNamespacedSecret({
    namespace: h.namespace,
    body: { metadata: { name: 'ops-key' }, stringData: { privateKey: fleet.userKey.privateKey } },
  });
  await h.objects.create({
    kind: 'HostInventory',
    metadata: { name: 'lab' },
    spec: {
      hosts: fleet.hosts.map((host) => ({
        name: host.name,
        address: host.address,
        port: host.port,
        labels: { role: 'web' },
      })),
    },
  });
  await h.objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'lab-ops' },
    spec: {
      provider: 'ssh',
      ssh: {
        user: fleet.users.sudo,
        privateKeySecretRef: { name: 'ops-key' },
        inventoryRef: { name: 'lab' },
      },
    },
  });
  await h.objects.waitForCondition('cloudcredentials', 'lab-ops', {
    type: 'Ready',
    status: 'True',
  });
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
});

async function objectText(key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await got.Body?.transformToString('utf8')) ?? '';
}

interface Invocation {
  instanceId: string;
  status: string;
  statusDetails?: string;
}

async function invocation(name: string, host: string): Promise<Invocation | undefined> {
  const batches = await h.objects.list('executionbatches');
  return batches
    .filter((b) => (b.spec as { executionName?: string }).executionName === name)
    .flatMap((b) => (b.status?.invocations as Invocation[] | undefined) ?? [])
    .find((i) => i.instanceId === host);
}

describe('full output of SSH runs in the output bucket', () => {
  it('copies what the head cut to the bucket, waits for the bucket, and serves it back', async () => {
    const host = fleet.hosts[0]!;
    await h.objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'big-log' },
      spec: {
        script: { interpreter: 'bash', body: BODY },
        targets: [{ credentialRef: { name: 'lab-ops' }, ids: [host.name] }],
      },
    });
    // the bucket does not exist yet: the run has ended on the host, its copy is held up
    await expect
      .poll(async () => (await invocation('big-log', host.name))?.statusDetails ?? '', {
        timeout: 60_000,
      })
      .toMatch(/^SavingOutput: /);
    const held = await h.objects.get('scriptexecutions', 'big-log');
    expect(held.status?.phase).toBe('Running');

    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const done = await h.objects.waitFor(
      'scriptexecutions',
      'big-log',
      (o) => Boolean(o.status?.completionTime),
      90_000,
    );
    expect(done.status?.phase).toBe('Succeeded');

    const uid = done.metadata.uid!;
    expect(await objectText(`runs/ssh/${uid}/0/${host.name}/stdout`)).toBe(STDOUT);
    expect(await objectText(`runs/ssh/${uid}/0/${host.name}/stderr`)).toBe(STDERR);

    const res = await fetch(
      `${h.operator.apiUrl}/api/v1/namespaces/${h.namespace}/scriptexecutions/big-log/output?instanceId=${host.name}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      stdoutSource: 'bucket',
      stderrSource: 'bucket',
      stdoutTruncated: false,
      stderrTruncated: false,
      status: 'Success',
    });
    expect(body.stdout).toBe(STDOUT);
    expect(body.stderr).toBe(STDERR);
    expect(body.sourceNote).toBeUndefined();
    expect(body.stdoutTail).toBeUndefined();

    // the copy gone from the bucket: the host's head and tail, the gap between them said
    await s3.send(
      new DeleteObjectCommand({ Bucket: BUCKET, Key: `runs/ssh/${uid}/0/${host.name}/stdout` }),
    );
    const fallback = (await (
      await fetch(
        `${h.operator.apiUrl}/api/v1/namespaces/${h.namespace}/scriptexecutions/big-log/output?instanceId=${host.name}`,
        { headers: { authorization: `Bearer ${token}` } },
      )
    ).json()) as Record<string, unknown>;
    expect(fallback).toMatchObject({
      stdoutSource: 'inline',
      stdoutTruncated: true,
      stdoutBytes: STDOUT.length,
      stderrSource: 'bucket',
    });
    expect(fallback.stdout).toBe(STDOUT.slice(0, 24_000));
    expect(fallback.stdoutTail).toBe(STDOUT.slice(-8_000));
    expect(String(fallback.sourceNote)).toMatch(/stdout: not in the output bucket/);
  });

  it('leaves output the head holds whole on the host, and the bucket untouched', async () => {
    const host = fleet.hosts[1]!;
    await h.objects.create({
      kind: 'ScriptExecution',
      metadata: { name: 'short' },
      spec: {
        script: { interpreter: 'bash', body: 'echo short and sweet' },
        targets: [{ credentialRef: { name: 'lab-ops' }, ids: [host.name] }],
      },
    });
    const done = await h.objects.waitFor(
      'scriptexecutions',
      'short',
      (o) => Boolean(o.status?.completionTime),
      90_000,
    );
    expect(done.status?.phase).toBe('Succeeded');
    const key = `runs/ssh/${done.metadata.uid}/0/${host.name}/stdout`;
    await expect(objectText(key)).rejects.toMatchObject({ name: 'NoSuchKey' });
    const res = await fetch(
      `${h.operator.apiUrl}/api/v1/namespaces/${h.namespace}/scriptexecutions/short/output?instanceId=${host.name}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(await res.json()).toMatchObject({
      stdout: 'short and sweet\n',
      stdoutSource: 'inline',
      stdoutTruncated: false,
    });
  });
});
