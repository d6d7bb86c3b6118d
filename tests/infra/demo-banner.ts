// What `npm run demo` prints once everything runs, and the parser the demo's own test reads it with,
// so the two cannot drift apart.
import type { DemoLinuxHost } from './demo-hosts.js';

export interface DemoEndpoints {
  consoleUrl: string;
  token: string;
  tokenPath: string;
  kubeconfigPath: string;
  namespace: string;
  kubectl: string;
  operatorUrl: string;
  emulatorUrl: string;
  logDir: string;
  /** the Linux hosts over SSH, or why the demo runs without them */
  linux: { inventory: string; credential: string; hosts: DemoLinuxHost[] } | { skipped: string };
}

const LABELS = {
  consoleUrl: 'Console',
  token: 'Login token',
  tokenPath: 'Token file',
  kubeconfigPath: 'Kubeconfig',
  namespace: 'Namespace',
  operatorUrl: 'Operator API',
  emulatorUrl: 'AWS emulator',
  logDir: 'Logs',
} as const satisfies Partial<Record<keyof DemoEndpoints, string>>;

const WIDTH = 14;
const row = (label: string, value: string): string => `  ${label.padEnd(WIDTH)}${value}`;

export const READY_LINE = 'PCM-Ops demo is running.';
export const STOPPED_LINE = 'stopped: every process the demo started has exited.';

const LINUX_HEADING = 'Linux hosts over SSH';

function hostRow(host: DemoLinuxHost): string {
  const labels = Object.entries(host.labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
  const via = host.bastion ? `via ${host.bastion}` : '';
  return row(
    host.name,
    `${`${host.address}:${host.port}`.padEnd(18)} ${labels.padEnd(20)} ${via}`,
  ).trimEnd();
}

function linuxSection(linux: DemoEndpoints['linux']): string[] {
  if ('skipped' in linux) return [`${LINUX_HEADING}: none (${linux.skipped})`];
  return [
    `${LINUX_HEADING} (HostInventory ${linux.inventory}, CloudCredential ${linux.credential}):`,
    ...linux.hosts.map(hostRow),
  ];
}

export function formatBanner(e: DemoEndpoints): string {
  const kubectl = `${e.kubectl} -n ${e.namespace}`;
  return [
    READY_LINE,
    '',
    row(LABELS.consoleUrl, e.consoleUrl),
    row(LABELS.token, e.token),
    row(LABELS.tokenPath, e.tokenPath),
    row(LABELS.kubeconfigPath, e.kubeconfigPath),
    row(LABELS.namespace, e.namespace),
    '',
    ...linuxSection(e.linux),
    '',
    'Open the console and paste the login token (a ServiceAccount bound to the chart role',
    'pcm-ops-admin in the demo namespace). From another terminal:',
    `  export KUBECONFIG=${e.kubeconfigPath}`,
    `  ${kubectl} get pcm-ops`,
    `  ${kubectl} get se -w`,
    `  ${kubectl} patch se restart-iis-approval --type merge -p '{"spec":{"suspend":false}}'`,
    'Work on the console pages with hot reload against this cluster:',
    `  KUBECONFIG=${e.kubeconfigPath} PCM_OPS_OPERATOR_URL=${e.operatorUrl} npm run console:dev`,
    '',
    row(LABELS.operatorUrl, e.operatorUrl),
    row(LABELS.emulatorUrl, e.emulatorUrl),
    row(LABELS.logDir, e.logDir),
    '',
    'Ctrl-C stops everything.',
    '',
  ].join('\n');
}

/** Reads the endpoints back from the demo's output; undefined until the banner is complete. */
export function parseBanner(output: string): Omit<DemoEndpoints, 'kubectl' | 'linux'> | undefined {
  const start = output.indexOf(READY_LINE);
  if (start === -1) return undefined;
  const found: Partial<Record<keyof typeof LABELS, string>> = {};
  for (const line of output.slice(start).split('\n')) {
    for (const [key, label] of Object.entries(LABELS) as [keyof typeof LABELS, string][]) {
      if (line.startsWith(`  ${label.padEnd(WIDTH)}`)) found[key] = line.slice(2 + WIDTH).trim();
    }
  }
  const keys = Object.keys(LABELS) as (keyof typeof LABELS)[];
  return keys.every((key) => found[key])
    ? (found as Omit<DemoEndpoints, 'kubectl' | 'linux'>)
    : undefined;
}

/** The Linux hosts the banner lists: name and address:port, in the order shown. */
export function parseBannerHosts(output: string): { name: string; endpoint: string }[] {
  const lines = output.slice(Math.max(0, output.indexOf(READY_LINE))).split('\n');
  const heading = lines.findIndex((line) => line.startsWith(`${LINUX_HEADING} (`));
  if (heading === -1) return [];
  const rows = lines.slice(heading + 1);
  const end = rows.findIndex((line) => !line.startsWith('  '));
  return rows.slice(0, end === -1 ? rows.length : end).map((line) => {
    const [name, endpoint] = line.trim().split(/\s+/);
    return { name: name!, endpoint: endpoint! };
  });
}
