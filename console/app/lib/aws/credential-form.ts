// The credential form as pure functions: form values → the CloudCredential (and, for access keys,
// the Secret) the console creates, validated by the API's own zod schema before anything is sent.
import {
  API_VERSION,
  CloudCredentialSchema,
  OBJECT_NAME_PATTERN,
  type CloudCredential,
  type CloudCredentialInput,
} from '@pcm-ops/crds';
import {
  MANAGED_BY,
  type CredentialFields,
  type CredentialPlan,
  type SecretManifest,
} from '../forms/credential-plan.js';
import { checkedOf, choiceOf, textOf } from '../forms/form-data.js';
import { hasErrors, zodFormErrors, type FormErrors } from '../forms/form-errors.js';

export const SOURCE_KINDS = ['keys', 'role', 'ambient'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const SOURCE_LABELS: Record<SourceKind, string> = {
  keys: 'Access keys',
  role: 'Assume a role',
  ambient: 'Operator identity',
};

export interface CredentialForm {
  name: string;
  namespace: string;
  source: SourceKind;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  roleArn: string;
  externalId: string;
  sessionName: string;
  durationSeconds: string;
  sourceCredential: string;
  partition: string;
  defaultRegion: string;
  regions: string;
  expectedAccountId: string;
  organization: boolean;
  organizationRoleName: string;
}

export const EMPTY_CREDENTIAL_FORM: CredentialForm = {
  name: '',
  namespace: '',
  source: 'keys',
  accessKeyId: '',
  secretAccessKey: '',
  sessionToken: '',
  roleArn: '',
  externalId: '',
  sessionName: '',
  durationSeconds: '',
  sourceCredential: '',
  partition: 'aws',
  defaultRegion: 'us-east-1',
  regions: '',
  expectedAccountId: '',
  organization: false,
  organizationRoleName: '',
};

/** The form fields whose values are secret: never echoed, cleared after every submit. */
export const SECRET_FIELDS = ['accessKeyId', 'secretAccessKey', 'sessionToken'] as const;
const ACCESS_KEY_ID = /^[A-Z0-9]{16,128}$/;
const SECRET_SUFFIX = '-aws-keys';

const TEXT_FIELDS = (Object.keys(EMPTY_CREDENTIAL_FORM) as Array<keyof CredentialForm>).filter(
  (field): field is Exclude<keyof CredentialForm, 'organization' | 'source'> =>
    field !== 'organization' && field !== 'source',
);

/**
 * The form as posted, by the page's script or by the browser alone: every field by its name, the
 * organization checkbox by its presence. `fixed` holds what the page does not let the user change
 * (an edited credential's name and namespace), which the post cannot override.
 */
export function credentialFormFromData(
  data: FormData,
  fixed: Partial<CredentialForm> = {},
): CredentialForm {
  const form: CredentialForm = { ...EMPTY_CREDENTIAL_FORM };
  for (const field of TEXT_FIELDS) form[field] = textOf(data, field);
  form.source = choiceOf(data, 'source', SOURCE_KINDS, 'keys');
  form.organization = checkedOf(data, 'organization');
  return { ...form, ...fixed };
}

/** The form without the values that must never be shown back (what a refusal echoes). */
export function withoutSecrets(form: CredentialForm): CredentialForm {
  return { ...form, ...Object.fromEntries(SECRET_FIELDS.map((field) => [field, ''])) };
}

/** Which form field shows an error about an API path of a CloudCredential. */
export function credentialFieldOf(apiPath: string): string {
  const last = /([A-Za-z]+)(\[\d+\])?$/.exec(apiPath)?.[1] ?? '';
  if (apiPath.startsWith('metadata.')) return 'name';
  if (apiPath.includes('secretRef')) return 'accessKeyId';
  if (apiPath.includes('sourceCredentialRef')) return 'sourceCredential';
  if (apiPath.startsWith('spec.organization')) return 'organizationRoleName';
  if (apiPath.endsWith('source')) return 'source';
  const known: readonly string[] = [
    'roleArn',
    'externalId',
    'sessionName',
    'durationSeconds',
    'partition',
    'defaultRegion',
    'regions',
    'expectedAccountId',
  ];
  return known.includes(last) ? last : 'form';
}

/** Where the API server's refusals of an AWS credential and its key Secret are shown. */
const AWS_FIELDS: CredentialFields = {
  fieldOf: credentialFieldOf,
  secretField: 'accessKeyId',
  secretWords: 'The Secret for the keys',
};

const trimmed = (value: string): string | undefined => value.trim() || undefined;

/** A whole number typed into a text field; anything else passes through for zod to name. */
function numberOrText(value: string): number | string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  return /^-?[0-9]+$/.test(text) ? Number(text) : text;
}

function listOf(value: string): string[] | undefined {
  const items = value
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length > 0 ? items : undefined;
}

function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function secretNameFor(credentialName: string): string {
  return `${credentialName}${SECRET_SUFFIX}`;
}

function assumeRole(form: CredentialForm): Record<string, unknown> {
  return defined({
    roleArn: form.roleArn.trim(),
    externalId: trimmed(form.externalId),
    sessionName: trimmed(form.sessionName),
    durationSeconds: numberOrText(form.durationSeconds),
    sourceCredentialRef: form.sourceCredential ? { name: form.sourceCredential } : undefined,
  });
}

function sourceOf(form: CredentialForm, secretName: string): Record<string, unknown> {
  if (form.source === 'keys') return { secretRef: { name: secretName } };
  if (form.source === 'role') return { assumeRole: assumeRole(form) };
  return { ambient: {} };
}

/**
 * The CloudCredential the form describes. `secretName` is the Secret holding the access keys:
 * a new one on creation, the existing one when an edit leaves the keys alone.
 */
export function credentialManifest(form: CredentialForm, secretName: string): CloudCredentialInput {
  const organization = form.organization
    ? defined({ roleName: trimmed(form.organizationRoleName) })
    : undefined;
  return {
    apiVersion: API_VERSION,
    kind: 'CloudCredential',
    metadata: { name: form.name.trim(), namespace: form.namespace },
    spec: defined({
      provider: 'aws' as const,
      aws: defined({
        partition: form.partition as 'aws',
        defaultRegion: form.defaultRegion.trim(),
        regions: listOf(form.regions),
        source: sourceOf(form, secretName),
      }),
      expectedAccountId: trimmed(form.expectedAccountId),
      organization,
    }) as CloudCredentialInput['spec'],
  };
}

function nameErrors(form: CredentialForm): FormErrors {
  const name = form.name.trim();
  if (name === '') return { name: 'metadata.name: required' };
  if (!OBJECT_NAME_PATTERN.test(name) || secretNameFor(name).length > 253) {
    return {
      name: 'metadata.name: must be lowercase letters, digits, - and . (a DNS name of at most 244 characters)',
    };
  }
  return {};
}

/** Access keys are required on creation; on an edit they replace the old ones only when typed. */
function keyErrors(form: CredentialForm, keysRequired: boolean): FormErrors {
  if (form.source !== 'keys') return {};
  const given = form.accessKeyId.trim() !== '' || form.secretAccessKey !== '';
  if (!given && !keysRequired) return {};
  const errors: FormErrors = {};
  if (!ACCESS_KEY_ID.test(form.accessKeyId.trim())) {
    errors.accessKeyId =
      'Access key id: required, 16 to 128 capital letters and digits (for example AKIA…)';
  }
  if (form.secretAccessKey === '') errors.secretAccessKey = 'Secret access key: required';
  return errors;
}

function secretManifest(form: CredentialForm, name: string): SecretManifest {
  const stringData: Record<string, string> = {
    accessKeyId: form.accessKeyId.trim(),
    secretAccessKey: form.secretAccessKey,
  };
  if (form.sessionToken !== '') stringData.sessionToken = form.sessionToken;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: form.namespace, labels: { ...MANAGED_BY } },
    type: 'Opaque',
    stringData,
  };
}

/** A Secret name for replacement keys, so an edit never needs to change an existing Secret. */
export function replacementSecretName(credentialName: string, now: number): string {
  return `${secretNameFor(credentialName)}-${now.toString(36)}`;
}

export interface PlanOptions {
  /** The Secret an existing credential reads; absent on creation. */
  existingSecret?: string;
  /** Clock for the name of a replacement Secret. */
  now?: number;
}

function chosenSecretName(form: CredentialForm, options: PlanOptions): string {
  if (!options.existingSecret) return secretNameFor(form.name.trim());
  if (form.accessKeyId.trim() === '') return options.existingSecret;
  return replacementSecretName(form.name.trim(), options.now ?? Date.now());
}

/** Validates the whole form, then returns what to create, or the errors by field. */
export function planCredential(
  form: CredentialForm,
  options: PlanOptions = {},
): { plan: CredentialPlan; errors: FormErrors } | { plan?: undefined; errors: FormErrors } {
  const errors = { ...nameErrors(form), ...keyErrors(form, !options.existingSecret) };
  const secretName = chosenSecretName(form, options);
  const credential = credentialManifest(form, secretName);
  const parsed = CloudCredentialSchema.safeParse(credential);
  const all = parsed.success
    ? errors
    : { ...zodFormErrors(parsed.error, credentialFieldOf), ...errors };
  if (hasErrors(all)) return { errors: all };
  const newKeys = form.source === 'keys' && form.accessKeyId.trim() !== '';
  const plan: CredentialPlan = newKeys
    ? { credential, secret: secretManifest(form, secretName), fields: AWS_FIELDS }
    : { credential, fields: AWS_FIELDS };
  return { plan, errors: {} };
}

type AwsSpec = NonNullable<CloudCredential['spec']['aws']>;
type RoleSpec = NonNullable<AwsSpec['source']['assumeRole']>;

const text = (value: string | number | undefined): string =>
  value === undefined ? '' : String(value);

function roleFields(role: RoleSpec | undefined): Partial<CredentialForm> {
  if (!role) return {};
  return {
    roleArn: role.roleArn,
    externalId: text(role.externalId),
    sessionName: text(role.sessionName),
    durationSeconds: text(role.durationSeconds),
    sourceCredential: text(role.sourceCredentialRef?.name),
  };
}

function awsFields(aws: AwsSpec | undefined): Partial<CredentialForm> {
  if (!aws) return { source: 'ambient' };
  const source: SourceKind = aws.source.secretRef
    ? 'keys'
    : aws.source.assumeRole
      ? 'role'
      : 'ambient';
  return {
    source,
    partition: aws.partition,
    defaultRegion: aws.defaultRegion,
    regions: (aws.regions ?? []).join(', '),
    ...roleFields(aws.source.assumeRole),
  };
}

/** The form prefilled from a stored credential, for an edit. Secret values are never known. */
export function credentialToForm(credential: CloudCredential): CredentialForm {
  const { metadata, spec } = credential;
  return {
    ...EMPTY_CREDENTIAL_FORM,
    name: text(metadata.name),
    namespace: text(metadata.namespace),
    ...awsFields(spec.aws),
    expectedAccountId: text(spec.expectedAccountId),
    organization: spec.organization !== undefined,
    organizationRoleName: text(spec.organization?.roleName),
  };
}

/** A credential of the AWS section (spec.provider aws, the default). */
export const isAws = (credential: CloudCredential): boolean =>
  (credential.spec.provider ?? 'aws') === 'aws';

/** What kind of credential it is, in words, for the list. */
export function credentialKind(credential: CloudCredential): string {
  const source = credential.spec.aws?.source;
  const base = source?.secretRef
    ? 'Access keys'
    : source?.assumeRole?.sourceCredentialRef
      ? `Role chain via ${source.assumeRole.sourceCredentialRef.name}`
      : source?.assumeRole
        ? 'Role'
        : 'Operator identity';
  return credential.spec.organization ? `${base} · organization` : base;
}

export interface CredentialRow {
  namespace: string;
  name: string;
  kind: string;
  ready: string;
  reason: string;
  message: string;
  accountId: string;
  arn: string;
  lastValidatedAt: string;
}

const NOT_VALIDATED = {
  status: 'Unknown',
  reason: 'NotValidatedYet',
  message: 'The operator has not validated this credential yet.',
};

/** One line of the credentials list: the Ready condition and what STS said. */
export function credentialRow(credential: CloudCredential): CredentialRow {
  const status = credential.status ?? {};
  const ready = status.conditions?.find((c) => c.type === 'Ready') ?? NOT_VALIDATED;
  return {
    namespace: text(credential.metadata.namespace),
    name: text(credential.metadata.name),
    kind: credentialKind(credential),
    ready: ready.status,
    reason: ready.reason,
    message: ready.message,
    accountId: text(status.accountId),
    arn: text(status.arn),
    lastValidatedAt: text(status.lastValidatedAt),
  };
}
