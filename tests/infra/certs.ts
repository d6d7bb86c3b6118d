// Certificates for the local control plane, made with the openssl CLI: one CA that signs the
// apiserver's serving certificate and the client certificates the API server trusts, plus the
// key pair that signs ServiceAccount tokens.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CertPair {
  certPath: string;
  keyPath: string;
}

export interface ServiceAccountKeys {
  publicKeyPath: string;
  privateKeyPath: string;
}

export interface ClusterCerts {
  ca: CertPair;
  apiServer: CertPair;
  admin: CertPair;
  controllerManager: CertPair;
  serviceAccount: ServiceAccountKeys;
}

export interface CertSpec {
  /** file name stem: `<name>.crt`, `<name>.key` */
  name: string;
  commonName: string;
  organizations?: string[];
  usage: 'ca' | 'server' | 'client';
  /** subjectAltName entries such as `IP:127.0.0.1` or `DNS:localhost` */
  altNames?: string[];
}

export const ADMIN_USER = 'pcm-ops-admin';
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';

const API_SERVER_ALT_NAMES = [
  'IP:127.0.0.1',
  'DNS:localhost',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

export const CLUSTER_CERT_SPECS = {
  ca: { name: 'ca', commonName: 'pcm-ops-local-ca', usage: 'ca' },
  apiServer: {
    name: 'apiserver',
    commonName: 'kube-apiserver',
    usage: 'server',
    altNames: API_SERVER_ALT_NAMES,
  },
  admin: {
    name: 'admin',
    commonName: ADMIN_USER,
    organizations: ['system:masters'],
    usage: 'client',
  },
  controllerManager: {
    name: 'kube-controller-manager',
    commonName: CONTROLLER_MANAGER_USER,
    usage: 'client',
  },
} as const satisfies Record<string, CertSpec>;

export function subjectOf(spec: CertSpec): string {
  const orgs = (spec.organizations ?? []).map((o) => `/O=${o}`).join('');
  return `/CN=${spec.commonName}${orgs}`;
}

const USAGE_EXTENSIONS: Record<CertSpec['usage'], string[]> = {
  ca: [
    'basicConstraints = critical,CA:TRUE',
    'keyUsage = critical,keyCertSign,cRLSign,digitalSignature',
  ],
  server: [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = serverAuth',
  ],
  client: [
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage = clientAuth',
  ],
};

/** A self-contained openssl config, so the host's openssl.cnf defaults never leak in. */
export function opensslConfigFor(spec: CertSpec): string {
  const altNames = spec.altNames?.length ? [`subjectAltName = ${spec.altNames.join(',')}`] : [];
  return [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    '[ext]',
    ...USAGE_EXTENSIONS[spec.usage],
    ...altNames,
    'subjectKeyIdentifier = hash',
    '',
  ].join('\n');
}

export function pairIn(dir: string, name: string): CertPair {
  return { certPath: path.join(dir, `${name}.crt`), keyPath: path.join(dir, `${name}.key`) };
}

/** openssl arguments that make a P-256 key and a certificate, signed by `issuer` when given. */
export function opensslArgsFor(
  spec: CertSpec,
  paths: { out: CertPair; configPath: string; issuer?: CertPair },
): string[] {
  const signer = paths.issuer ? ['-CA', paths.issuer.certPath, '-CAkey', paths.issuer.keyPath] : [];
  return [
    'req',
    '-x509',
    '-nodes',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-keyout',
    paths.out.keyPath,
    '-out',
    paths.out.certPath,
    '-days',
    '365',
    '-subj',
    subjectOf(spec),
    '-config',
    paths.configPath,
    '-extensions',
    'ext',
    ...signer,
  ];
}

export async function issueCert(dir: string, spec: CertSpec, issuer?: CertPair): Promise<CertPair> {
  const out = pairIn(dir, spec.name);
  const configPath = path.join(dir, `${spec.name}.cnf`);
  await writeFile(configPath, opensslConfigFor(spec));
  await run('openssl', opensslArgsFor(spec, { out, configPath, issuer }));
  return out;
}

/** RSA key pair whose private half signs ServiceAccount tokens and public half verifies them. */
export async function writeServiceAccountKeys(dir: string): Promise<ServiceAccountKeys> {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const keys = {
    publicKeyPath: path.join(dir, 'service-account.pub'),
    privateKeyPath: path.join(dir, 'service-account.key'),
  };
  await writeFile(keys.publicKeyPath, publicKey);
  await writeFile(keys.privateKeyPath, privateKey, { mode: 0o600 });
  return keys;
}

export async function generateClusterCerts(dir: string): Promise<ClusterCerts> {
  const ca = await issueCert(dir, CLUSTER_CERT_SPECS.ca);
  const [apiServer, admin, controllerManager, serviceAccount] = await Promise.all([
    issueCert(dir, CLUSTER_CERT_SPECS.apiServer, ca),
    issueCert(dir, CLUSTER_CERT_SPECS.admin, ca),
    issueCert(dir, CLUSTER_CERT_SPECS.controllerManager, ca),
    writeServiceAccountKeys(dir),
  ]);
  return { ca, apiServer, admin, controllerManager, serviceAccount };
}
