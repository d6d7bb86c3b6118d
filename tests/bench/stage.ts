// One scenario's stage: a fresh namespace, one operator process watching it under its shipped
// RBAC, and a Ready CloudCredential acct-<id> per account, reached by role from a hub key Secret
// (as the integration tests set them up).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assumeAccount } from '../support/aws.js';
import { assumedCredential, keysSecret, secretCredential } from '../support/credentials.js';
import type { ManagedProcess } from '../infra/processes.js';
import {
  operatorKubeconfig,
  startOperator,
  type OperatorOptions,
  type OtherRbac,
} from '../support/operator.js';
import { onCleanup, type BenchEnv } from './env.js';
import { BenchObjects, countOwnRequest, type PcmObject } from './kube.js';

export const HUB_ACCOUNT = '123456789012';

/** The operator's settings in every scenario unless it says otherwise. */
export const BENCH_OPERATOR_ENV: Readonly<Record<string, string>> = {
  PCM_OPS_POLL_MIN_MS: '200',
  PCM_OPS_POLL_MAX_MS: '1000',
  PCM_OPS_LOG_LEVEL: 'info',
};

/** What the benchmark needs of an operator process (startOperator's RunningOperator has it). */
export interface BenchOperator {
  readonly process: ManagedProcess;
  readonly logPath: string;
  metrics(): Promise<string>;
  metric(name: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts an operator process: through tsx by default, as the integration tests do. */
export type OperatorLauncher = (options: OperatorOptions) => Promise<BenchOperator>;

/** How the benchmark runs the operator unless a scenario says otherwise. */
let runtime: { launch: OperatorLauncher; env: Record<string, string> } = {
  launch: startOperator,
  env: {},
};

/**
 * Runs every later stage's operator with `launch` and `env` (for example compiled, with the heap
 * limit the chart sets), unless the stage names its own.
 */
export function useOperatorRuntime(launch: OperatorLauncher, env: Record<string, string>): void {
  runtime = { launch, env };
}

export interface StageOptions {
  name: string;
  accounts: string[];
  defaultRegion: string;
  operatorEnv?: Record<string, string>;
  launch?: OperatorLauncher;
  /** the RBAC of another version of the operator, for running that version */
  rbac?: OtherRbac;
}

export interface Stage {
  namespace: string;
  objects: BenchObjects;
  operator: BenchOperator;
  /** Throws when the operator process has died, so a scenario fails at once rather than waits. */
  assertOperatorAlive(): void;
  stop(): Promise<void>;
}

async function createCredentials(
  env: BenchEnv,
  objects: BenchObjects,
  options: StageOptions,
): Promise<void> {
  countOwnRequest();
  await env.core.createNamespacedSecret({
    namespace: objects.namespace,
    body: keysSecret('hub-keys', 'AKIAHUBKEYS000000001', 'bench-not-a-secret'),
  });
  await objects.create(secretCredential('hub', 'hub-keys'));
  for (const account of options.accounts) {
    await objects.create(assumedCredential(`acct-${account}`, account, options.defaultRegion));
  }
}

function isReady(credential: PcmObject): boolean {
  return (
    credential.status?.conditions?.some(
      (c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === 1,
    ) ?? false
  );
}

async function waitCredentialsReady(stage: Stage, expected: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    stage.assertOperatorAlive();
    const ready = (await stage.objects.list('cloudcredentials')).filter(isReady).length;
    if (ready >= expected) return;
    await sleep(200);
  }
  throw new Error(`${stage.namespace}: credentials not Ready after 120 s`);
}

async function startStageOperator(
  env: BenchEnv,
  namespace: string,
  options: StageOptions,
): Promise<BenchOperator> {
  const kubeconfigPath = await operatorKubeconfig(
    env.plane.kubeconfigPath,
    namespace,
    options.rbac,
  );
  // the kubeconfig holds a ServiceAccount token: it goes once the operator has read it
  const removeKubeconfig = (): Promise<void> =>
    rm(path.dirname(kubeconfigPath), { recursive: true, force: true });
  try {
    const launch = options.launch ?? runtime.launch;
    return await launch({
      kubeconfigPath,
      namespace,
      emulatorEndpoint: env.emulator.endpoint,
      ambient: await assumeAccount(env.emulator.endpoint, HUB_ACCOUNT, 'pcm-ops-operator'),
      identity: `bench-${options.name}`,
      env: { ...BENCH_OPERATOR_ENV, ...runtime.env, ...options.operatorEnv },
    });
  } finally {
    await removeKubeconfig();
  }
}

/** Creates the namespace, starts the operator and waits until every credential is Ready. */
export async function openStage(env: BenchEnv, options: StageOptions): Promise<Stage> {
  const namespace = `bench-${options.name}-${randomBytes(2).toString('hex')}`;
  countOwnRequest();
  await env.core.createNamespace({ body: { metadata: { name: namespace } } });
  const operator = await startStageOperator(env, namespace, options);
  const logDir = path.dirname(operator.logPath);
  // After a failure the operator's log stays, to be read; after a normal stop it goes.
  const forget = onCleanup(`operator ${namespace}`, async () => {
    await operator.stop();
    process.stderr.write(`operator log of ${namespace} kept in ${logDir}\n`);
  });
  const stage: Stage = {
    namespace,
    objects: new BenchObjects(namespace, env.admin),
    operator,
    assertOperatorAlive: () => {
      if (!operator.process.isRunning())
        throw new Error(`the operator of ${namespace} exited; see ${operator.logPath}`);
    },
    stop: async () => {
      forget();
      const crashed = !operator.process.isRunning();
      await operator.stop();
      if (crashed) process.stderr.write(`operator log of ${namespace} kept in ${logDir}\n`);
      else if (process.env.PCM_OPS_KEEP_DATA !== '1')
        await rm(logDir, { recursive: true, force: true });
    },
  };
  await createCredentials(env, stage.objects, options);
  await waitCredentialsReady(stage, options.accounts.length + 1);
  return stage;
}
