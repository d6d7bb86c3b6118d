// `npm run demo`: the whole product on this machine. A local control plane and AWS emulator, a
// seeded fleet in two accounts and two regions, the operator, and example credentials, scripts and
// a first execution. Ctrl-C stops everything it started.
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { assumeAccount, seedFleet } from '../support/aws.js';
import { Objects } from '../support/objects.js';
import { operatorKubeconfig, startOperator } from '../support/operator.js';
import { startControlPlane } from './control-plane.js';
import { startEmulator } from './emulator.js';
import { crdFiles } from './global-setup.js';

const NAMESPACE = 'pcm-ops-demo';
const ACCOUNTS = { prod: '111111111111', staging: '222222222222' };
const REGIONS = ['eu-west-1', 'us-east-1'];

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function seed(objects: Objects, core: CoreV1Api, endpoint: string): Promise<void> {
  for (const [name, account] of Object.entries(ACCOUNTS)) {
    await seedFleet(endpoint, {
      accounts: [account],
      regions: REGIONS,
      perRegion: 12,
      windowsShare: 0.25,
      tags: { Environment: name, Role: 'web' },
    });
  }
  await core.createNamespacedSecret({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'hub-keys' },
      stringData: {
        accessKeyId: 'AKIADEMOHUB000000001',
        secretAccessKey: 'demo-only-not-a-secret',
      },
    },
  });
  await objects.create({
    kind: 'CloudCredential',
    metadata: { name: 'hub' },
    spec: { aws: { source: { secretRef: { name: 'hub-keys' } } } },
  });
  for (const [name, account] of Object.entries(ACCOUNTS)) {
    await objects.create({
      kind: 'CloudCredential',
      metadata: { name },
      spec: {
        expectedAccountId: account,
        aws: {
          defaultRegion: REGIONS[0],
          regions: REGIONS,
          source: {
            assumeRole: {
              roleArn: `arn:aws:iam::${account}:role/pcm-ops-runner`,
              sourceCredentialRef: { name: 'hub' },
            },
          },
        },
      },
    });
  }
  await objects.create({
    kind: 'Script',
    metadata: { name: 'uptime' },
    spec: {
      interpreter: 'sh',
      description: 'Print uptime and kernel.',
      platforms: ['Linux'],
      body: 'uptime\nuname -r\n',
    },
  });
  for (const name of Object.keys(ACCOUNTS)) {
    await objects.waitForCondition(
      'cloudcredentials',
      name,
      { type: 'Ready', status: 'True' },
      60_000,
    );
  }
  await objects.create({
    kind: 'ScriptExecution',
    metadata: { name: 'uptime-everywhere' },
    spec: {
      scriptRef: { name: 'uptime' },
      changeRef: 'CHG0000001',
      targets: Object.keys(ACCOUNTS).map((name) => ({
        name,
        credentialRef: { name },
        regions: REGIONS,
        tags: { Role: ['web'] },
      })),
      rateControl: { maxConcurrency: '50%', maxErrors: '10%' },
    },
  });
}

async function main(): Promise<void> {
  say(
    'PCM-Ops demo: starting a local control plane and the AWS emulator (the first run builds them)…',
  );
  const [plane, emulator] = await Promise.all([
    startControlPlane({ crdFiles: crdFiles() }),
    startEmulator(),
  ]);
  const admin = new KubeConfig();
  admin.loadFromFile(plane.kubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  const operator = await startOperator({
    kubeconfigPath: await operatorKubeconfig(plane.kubeconfigPath, NAMESPACE),
    namespace: NAMESPACE,
    emulatorEndpoint: emulator.endpoint,
    ambient: await assumeAccount(emulator.endpoint, '123456789012', 'pcm-ops-operator'),
    env: { PCM_OPS_LOG_LEVEL: 'info' },
  });
  const objects = new Objects(NAMESPACE, admin);
  await seed(objects, core, emulator.endpoint);
  const kubectl = path.join(plane.binDir, 'kubectl');
  say();
  say('Ready. In another terminal:');
  say(`  export KUBECONFIG=${plane.kubeconfigPath}`);
  say(`  ${kubectl} get pcm-ops -n ${NAMESPACE}`);
  say(`  ${kubectl} get se -n ${NAMESPACE} -w`);
  say(`  ${kubectl} apply -n ${NAMESPACE} -f docs/examples/02-scripts.yaml`);
  say();
  say(`Operator metrics: ${operator.metricsUrl}   logs: ${operator.logPath}`);
  say(`AWS emulator: ${emulator.endpoint}`);
  say('The web console is not part of the demo yet. Ctrl-C stops everything.');
  const stop = async (): Promise<void> => {
    say('\nstopping…');
    await operator.stop();
    await emulator.stop();
    await plane.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
