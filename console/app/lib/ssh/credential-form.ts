// The SSH credential form as pure functions: form values → the CloudCredential with
// `spec.provider: ssh` (and, for a pasted key, the Secret holding it), checked by the API's own
// zod schema before anything is sent. Errors name each field in words. The private key and its
// passphrase are typed once and never shown back.
import {
  API_VERSION,
  CloudCredentialSchema,
  OBJECT_NAME_PATTERN,
  type CloudCredential,
  type CloudCredentialInput,
  type HOST_KEY_POLICIES,
} from '@pcm-ops/crds';
import {
  MANAGED_BY,
  type CredentialFields,
  type CredentialPlan,
  type SecretManifest,
} from '../forms/credential-plan.js';
import { checkedOf, choiceOf, textOf } from '../forms/form-data.js';
import { hasErrors, zodFormErrors, type FormErrors } from '../forms/form-errors.js';

export const KEY_SOURCES = ['paste', 'secret'] as const;
export type KeySource = (typeof KEY_SOURCES)[number];

export interface SshCredentialForm {
  name: string;
  namespace: string;
  inventory: string;
  user: string;
  keySource: KeySource;
  privateKey: string;
  passphrase: string;
  secretName: string;
  privateKeyKey: string;
  sudo: boolean;
  hostKeyPolicy: string;
  connectTimeoutSeconds: string;
  maxConcurrentHosts: string;
}

export const EMPTY_SSH_FORM: SshCredentialForm = {
  name: '',
  namespace: '',
  inventory: '',
  user: '',
  keySource: 'paste',
  privateKey: '',
  passphrase: '',
  secretName: '',
  privateKeyKey: '',
  sudo: false,
  hostKeyPolicy: 'AcceptNew',
  connectTimeoutSeconds: '',
  maxConcurrentHosts: '',
};

/** The fields whose values are secret: never echoed, cleared after every submit. */
export const SSH_SECRET_FIELDS = ['privateKey', 'passphrase'] as const;
const SECRET_SUFFIX = '-ssh-key';
const PRIVATE_KEY =
  /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END [A-Z0-9 ]*PRIVATE KEY-----\s*$/;

/** Each field in words, as the messages name it. */
export const SSH_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  namespace: 'Namespace',
  inventory: 'Inventory',
  user: 'Login user',
  privateKey: 'Private key',
  passphrase: 'Passphrase',
  secretName: 'Key Secret',
  privateKeyKey: 'Key in the Secret',
  sudo: 'Run with sudo',
  hostKeyPolicy: 'Host keys',
  connectTimeoutSeconds: 'Connect timeout',
  maxConcurrentHosts: 'Hosts at once',
};

const labelOf = (field: string): string | undefined => SSH_FIELD_LABELS[field];

/** Which form field shows an error about an API path of an SSH CloudCredential. */
const PATH_FIELDS: ReadonlyArray<[RegExp, string]> = [
  [/^metadata\.namespace/, 'namespace'],
  [/^metadata\./, 'name'],
  [/^spec\.ssh\.inventoryRef/, 'inventory'],
  [/^spec\.ssh\.privateKeySecretRef\.privateKeyKey/, 'privateKeyKey'],
];

export function sshFieldOf(apiPath: string, keySource: KeySource = 'secret'): string {
  const known = PATH_FIELDS.find(([pattern]) => pattern.test(apiPath));
  if (known) return known[1];
  if (apiPath.startsWith('spec.ssh.privateKeySecretRef'))
    return keySource === 'paste' ? 'privateKey' : 'secretName';
  const field = /^spec\.ssh\.(\w+)/.exec(apiPath)?.[1] ?? '';
  return field in SSH_FIELD_LABELS ? field : 'form';
}

const TEXT_FIELDS = (Object.keys(EMPTY_SSH_FORM) as Array<keyof SshCredentialForm>).filter(
  (field): field is Exclude<keyof SshCredentialForm, 'sudo' | 'keySource'> =>
    field !== 'sudo' && field !== 'keySource',
);

/** The form as posted, by the page's script or by the browser alone. */
export function sshCredentialFormFromData(data: FormData): SshCredentialForm {
  const form: SshCredentialForm = { ...EMPTY_SSH_FORM };
  for (const field of TEXT_FIELDS) form[field] = textOf(data, field);
  form.keySource = choiceOf(data, 'keySource', KEY_SOURCES, 'paste');
  form.sudo = checkedOf(data, 'sudo');
  return form;
}

/** The form without the values that must never be shown back (what a refusal echoes). */
export function withoutSshSecrets(form: SshCredentialForm): SshCredentialForm {
  return { ...form, privateKey: '', passphrase: '' };
}

export const sshSecretNameFor = (credentialName: string): string =>
  `${credentialName}${SECRET_SUFFIX}`;

const trimmed = (value: string): string | undefined => value.trim() || undefined;

/** A whole number typed into a text field; anything else passes through for zod to name. */
function numberOrText(value: string): number | string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  return /^[0-9]+$/.test(text) ? Number(text) : text;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function keyReference(form: SshCredentialForm): { name: string; privateKeyKey?: string } {
  if (form.keySource === 'paste') return { name: sshSecretNameFor(form.name.trim()) };
  return defined({ name: form.secretName.trim(), privateKeyKey: trimmed(form.privateKeyKey) });
}

/** The CloudCredential the form describes. */
export function sshCredentialManifest(form: SshCredentialForm): CloudCredentialInput {
  return {
    apiVersion: API_VERSION,
    kind: 'CloudCredential',
    metadata: { name: form.name.trim(), namespace: form.namespace },
    spec: {
      provider: 'ssh',
      ssh: defined({
        user: form.user.trim(),
        privateKeySecretRef: keyReference(form),
        inventoryRef: { name: form.inventory },
        sudo: form.sudo,
        hostKeyPolicy: form.hostKeyPolicy,
        connectTimeoutSeconds: numberOrText(form.connectTimeoutSeconds),
        maxConcurrentHosts: numberOrText(form.maxConcurrentHosts),
      }),
    } as CloudCredentialInput['spec'],
  };
}

function secretManifest(form: SshCredentialForm): SecretManifest {
  const stringData: Record<string, string> = { privateKey: form.privateKey };
  if (form.passphrase !== '') stringData.passphrase = form.passphrase;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: sshSecretNameFor(form.name.trim()),
      namespace: form.namespace,
      labels: { ...MANAGED_BY },
    },
    type: 'Opaque',
    stringData,
  };
}

function nameErrors(form: SshCredentialForm): FormErrors {
  const name = form.name.trim();
  if (name === '') return { name: 'Name: required' };
  if (!OBJECT_NAME_PATTERN.test(name) || sshSecretNameFor(name).length > 253)
    return {
      name: 'Name: lowercase letters, digits, - and . (a DNS name of at most 245 characters)',
    };
  return {};
}

/** What the schema cannot say in people's words: the inventory, the key, the numbers. */
function ownErrors(form: SshCredentialForm, inventories: readonly string[]): FormErrors {
  const errors: FormErrors = { ...nameErrors(form) };
  if (form.inventory === '') errors.inventory = 'Inventory: choose the HostInventory to reach';
  else if (!inventories.includes(form.inventory))
    errors.inventory = `Inventory: no HostInventory named ${form.inventory} in namespace ${form.namespace}`;
  if (form.user.trim() === '') errors.user = 'Login user: required';
  if (form.keySource === 'paste' && !PRIVATE_KEY.test(form.privateKey.trim() + '\n'))
    errors.privateKey =
      'Private key: paste the whole key, from its -----BEGIN … PRIVATE KEY----- line to its END line';
  if (form.keySource === 'secret' && form.secretName.trim() === '')
    errors.secretName = 'Key Secret: name the Secret that holds the private key';
  const whole = (field: 'connectTimeoutSeconds' | 'maxConcurrentHosts', max: number): void => {
    const value = form[field].trim();
    if (value !== '' && !(/^[0-9]+$/.test(value) && Number(value) >= 1 && Number(value) <= max))
      errors[field] = `${SSH_FIELD_LABELS[field]}: a whole number from 1 to ${max}`;
  };
  whole('connectTimeoutSeconds', 300);
  whole('maxConcurrentHosts', 500);
  return errors;
}

/**
 * Validates the whole form (against the inventories of its namespace), then returns what to
 * create, or the errors by field. A pasted key goes into a new Secret owned by the credential.
 */
export function planSshCredential(
  form: SshCredentialForm,
  inventories: readonly string[],
): { plan: CredentialPlan; errors: FormErrors } | { plan?: undefined; errors: FormErrors } {
  const fields: CredentialFields = {
    fieldOf: (path) => sshFieldOf(path, form.keySource),
    labelOf,
    secretField: 'privateKey',
    secretWords: 'The Secret for the private key',
  };
  const own = ownErrors(form, inventories);
  const credential = sshCredentialManifest(form);
  const parsed = CloudCredentialSchema.safeParse(credential);
  const all = parsed.success
    ? own
    : { ...zodFormErrors(parsed.error, fields.fieldOf, labelOf), ...own };
  if (hasErrors(all)) return { errors: all };
  const plan: CredentialPlan =
    form.keySource === 'paste'
      ? { credential, secret: secretManifest(form), fields }
      : { credential, fields };
  return { plan, errors: {} };
}

export const HOST_KEY_POLICY_LABELS: Record<(typeof HOST_KEY_POLICIES)[number], string> = {
  AcceptNew: 'Trust on first use, refuse a changed key',
  Pinned: 'Only keys pinned in the inventory',
};

export interface SshCredentialRow {
  namespace: string;
  name: string;
  inventory: string;
  user: string;
  sudo: boolean;
  hostKeyPolicy: string;
  /** The name of the Secret holding the key (never its value). */
  secret: string;
  ready: string;
  reason: string;
  message: string;
}

/** What an SSH credential's list line shows where its spec has nothing. */
const SSH_DEFAULTS = {
  inventoryRef: { name: '' },
  user: '',
  sudo: false,
  hostKeyPolicy: 'AcceptNew',
  privateKeySecretRef: { name: '' },
};

const NOT_VALIDATED = {
  status: 'Unknown',
  reason: 'NotValidatedYet',
  message: 'The operator has not validated this credential yet.',
};

/** One line of the SSH credentials list: what it reaches, as whom, and the Ready condition. */
export function sshCredentialRow(credential: CloudCredential): SshCredentialRow {
  const ready = credential.status?.conditions?.find((c) => c.type === 'Ready') ?? NOT_VALIDATED;
  const ssh = { ...SSH_DEFAULTS, ...credential.spec.ssh };
  return {
    namespace: credential.metadata.namespace ?? '',
    name: credential.metadata.name ?? '',
    inventory: ssh.inventoryRef.name,
    user: ssh.user,
    sudo: ssh.sudo,
    hostKeyPolicy: ssh.hostKeyPolicy,
    secret: ssh.privateKeySecretRef.name,
    ready: ready.status,
    reason: ready.reason,
    message: ready.message,
  };
}
