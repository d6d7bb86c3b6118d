// One operator, one namespace and credentials for a few accounts: what most execution tests need.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, inject } from 'vitest';
import { EmulatorControl } from '../infra/emulator.js';
import { assumeAccount, seedFleet, type Fleet, type FleetSpec } from './aws.js';
import { assumedCredential, keysSecret, secretCredential } from './credentials.js';
import { adminKubeConfig, testNamespace } from './kube.js';
import { Objects } from './objects.js';
import { operatorKubeconfig, startOperator, type RunningOperator } from './operator.js';

export const HUB_ACCOUNT = '123456789012';

export interface Harness {
  namespace: string;
  objects: Objects;
  core: CoreV1Api;
  emulator: EmulatorControl;
  endpoint: string;
  operator: RunningOperator;
  /** Seeds instances and makes a Ready CloudCredential named acct-<id> for each account. */
  fleet(spec: Omit<FleetSpec, 'roleName'>): Promise<Fleet>;
}

/**
 * Registers beforeAll/afterAll hooks that start an operator (under its shipped RBAC) watching a
 * fresh namespace, with a hub credential from a Secret. The returned object is filled in once
 * the hooks have run.
 */
export function useOperator(prefix: string, env: Record<string, string> = {}): Harness {
  const harness = {} as Harness;
  beforeAll(async () => {
    harness.namespace = await testNamespace(prefix);
    harness.objects = new Objects(harness.namespace, adminKubeConfig());
    harness.core = adminKubeConfig().makeApiClient(CoreV1Api);
    harness.endpoint = inject('emulatorEndpoint');
    harness.emulator = new EmulatorControl(harness.endpoint);
    await harness.emulator.reset();
    harness.operator = await startOperator({
      kubeconfigPath: await operatorKubeconfig(inject('kubeconfigPath'), harness.namespace),
      namespace: harness.namespace,
      emulatorEndpoint: harness.endpoint,
      ambient: await assumeAccount(harness.endpoint, HUB_ACCOUNT, 'pcm-ops-operator'),
      env: { PCM_OPS_POLL_MIN_MS: '200', PCM_OPS_POLL_MAX_MS: '1000', ...env },
    });
    await harness.core.createNamespacedSecret({
      namespace: harness.namespace,
      body: keysSecret('hub-keys', 'AKIAHUBKEYS000000001', 'hub-test-secret'),
    });
    await harness.objects.create(secretCredential('hub', 'hub-keys'));
    harness.fleet = async (spec) => {
      const fleet = await seedFleet(harness.endpoint, spec);
      for (const account of spec.accounts) {
        await harness.objects.create(
          assumedCredential(`acct-${account}`, account, spec.regions[0]!),
        );
        await harness.objects.waitForCondition('cloudcredentials', `acct-${account}`, {
          type: 'Ready',
          status: 'True',
        });
      }
      return fleet;
    };
  });
  afterAll(async () => {
    await harness.operator?.stop();
  });
  return harness;
}

/** A ScriptExecution manifest over every instance tagged Role=web in the given accounts. */
export function execution(
  name: string,
  accounts: string[],
  regions: string[],
  spec: Record<string, unknown> = {},
): Parameters<Objects['create']>[0] {
  return {
    kind: 'ScriptExecution',
    metadata: { name },
    spec: {
      script: { interpreter: 'bash', body: 'echo hello from $(hostname)' },
      targets: accounts.map((account) => ({
        credentialRef: { name: `acct-${account}` },
        regions,
        tags: { Role: ['web'] },
      })),
      ...spec,
    },
  };
}
