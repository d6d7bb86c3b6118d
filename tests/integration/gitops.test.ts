// GitOps: the Argo CD health checks in docs/gitops/argocd judge real objects the operator wrote,
// run on gopher-lua as Argo CD runs them; Flux's kstatus reads the same objects from their
// standard conditions and observedGeneration, as docs/gitops/README.md says.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGitopsHealth } from '../infra/tools.js';
import { execution, useOperator } from '../support/harness.js';
import type { PcmObject } from '../support/objects.js';

const repoRoot = path.join(import.meta.dirname, '..', '..');
const argocdDir = path.join(repoRoot, 'docs', 'gitops', 'argocd');
const ACCOUNT = '410987654321';
const REGION = 'us-west-2';

const h = useOperator('gitops');
let judge: string;
const objects: Record<string, PcmObject> = {};

interface Health {
  status: string;
  message: string;
}

function healthOf(args: string[], input: PcmObject[]): Promise<Health[]> {
  return new Promise((resolve, reject) => {
    execFile(judge, args, (error, stdout, stderr) => {
      if (error) reject(new Error(`${args.join(' ')}: ${stderr}`));
      else resolve(JSON.parse(stdout) as Health[]);
    }).stdin?.end(JSON.stringify(input));
  });
}

function argocd(kind: string, ...input: PcmObject[]): Promise<Health[]> {
  return healthOf(['argocd', path.join(argocdDir, `${kind}-health.lua`)], input);
}

const finished = (o: PcmObject): boolean => Boolean(o.status?.completionTime);

beforeAll(async () => {
  judge = await ensureGitopsHealth();
  await h.fleet({ accounts: [ACCOUNT], regions: [REGION], perRegion: 2, windowsShare: 0 });
  await h.emulator.scriptOutcome({ commandContains: 'exit 3', status: 'Failed', stderr: 'no' });
  await h.emulator.scriptOutcome({ commandContains: 'sleep 600', runningSeconds: 600 });
  const run = (name: string, spec: Record<string, unknown> = {}): Promise<PcmObject> =>
    h.objects.create(execution(name, [ACCOUNT], [REGION], spec));
  await run('succeeds');
  await run('fails', { script: { interpreter: 'bash', body: 'exit 3' } });
  await run('held', { suspend: true });
  await run('running', { script: { interpreter: 'bash', body: 'sleep 600' } });
  await h.objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'no-secret' },
    spec: { aws: { source: { secretRef: { name: 'missing' } } } },
  });
  objects.succeeds = await h.objects.waitFor('scriptexecutions', 'succeeds', finished);
  objects.fails = await h.objects.waitFor('scriptexecutions', 'fails', finished);
  objects.held = await h.objects.waitFor(
    'scriptexecutions',
    'held',
    (o) => o.status?.phase === 'Suspended',
  );
  objects.running = await h.objects.waitFor(
    'scriptexecutions',
    'running',
    (o) => o.status?.phase === 'Running',
  );
  objects.ready = await h.objects.get('cloudcredentials', `acct-${ACCOUNT}`);
  objects.noSecret = await h.objects.waitForCondition('cloudcredentials', 'no-secret', {
    type: 'Ready',
    status: 'False',
    reason: 'SecretNotFound',
  });
  await h.objects.patch('scriptexecutions', 'running', { spec: { cancel: true } });
});

/** The object as it is before the operator has written any status. */
function fresh(o: PcmObject): PcmObject {
  return { ...o, metadata: { ...o.metadata, generation: 1 }, status: undefined } as PcmObject;
}

/** The object right after an edit the operator has not observed yet. */
function edited(o: PcmObject): PcmObject {
  const generation = ((o.metadata as { generation?: number }).generation ?? 1) + 1;
  return { ...o, metadata: { ...o.metadata, generation } } as PcmObject;
}

describe('the Argo CD health check of ScriptExecution', () => {
  it('reads every state of a run', async () => {
    const got = await argocd(
      'scriptexecution',
      fresh(objects.succeeds!),
      objects.running!,
      objects.succeeds!,
      objects.fails!,
      objects.held!,
      edited(objects.held!),
      edited(objects.succeeds!),
    );
    expect(got.map((x) => x.status)).toEqual([
      'Progressing', // no status yet
      'Progressing', // commands in flight
      'Healthy',
      'Degraded',
      'Suspended',
      'Progressing', // released, not yet observed
      'Healthy', // a finished run stays what it was, whatever is edited (TTL)
    ]);
    expect(objects.fails!.status?.phase).toBe('Failed');
    expect(got[1]!.message).toMatch(/^Running/);
    expect(got[2]!.message).toBe('Succeeded: 2/2 targets finished: 2 succeeded, 0 failed');
    expect(got[3]!.message).toBe('Failed: 2/2 targets finished: 0 succeeded, 2 failed');
    expect(got[4]!.message).toContain('set spec.suspend to false');
  });
});

describe('the Argo CD health check of CloudCredential', () => {
  it('is Healthy when validated, Degraded when a person must act, Progressing before', async () => {
    const got = await argocd(
      'cloudcredential',
      objects.ready!,
      objects.noSecret!,
      fresh(objects.ready!),
    );
    expect(got.map((x) => x.status)).toEqual(['Healthy', 'Degraded', 'Progressing']);
    expect(got[0]!.message).toContain(`arn:aws:sts::${ACCOUNT}:assumed-role/`);
    expect(got[1]!.message).toMatch(/^SecretNotFound: .*missing/);
  });

  it('ships in docs/gitops/argocd/argocd-cm.yaml exactly as in the .lua files', () => {
    const cm = parse(readFileSync(path.join(argocdDir, 'argocd-cm.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    for (const kind of ['ScriptExecution', 'CloudCredential']) {
      const lua = readFileSync(path.join(argocdDir, `${kind.toLowerCase()}-health.lua`), 'utf8');
      expect(cm.data[`resource.customizations.health.pcm-ops.io_${kind}`]).toBe(lua);
    }
  });
});

describe('Flux (kstatus)', () => {
  it('reads the same objects from Ready, Reconciling, Stalled and observedGeneration', async () => {
    const got = await healthOf(
      ['kstatus'],
      [
        objects.succeeds!,
        objects.running!,
        objects.held!,
        objects.fails!,
        objects.ready!,
        objects.noSecret!,
        edited(objects.ready!),
      ],
    );
    expect(got.map((x) => x.status)).toEqual([
      'Current',
      'InProgress',
      'InProgress', // suspended: not Ready, so a Flux health check waits on it
      'Failed',
      'Current',
      'Failed',
      'InProgress',
    ]);
  });
});
