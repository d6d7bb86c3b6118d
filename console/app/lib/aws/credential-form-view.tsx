// The credential form, for creation and for edits: source first (access keys, a role, or the
// operator's own identity), then where and what it may reach. Secret values are typed, sent once,
// and cleared: they are never shown back. The form posts to the route's action, which acts on the
// console server: with JavaScript the page checks the fields first and sends the same post.
// Without it, every source's fields are shown and the browser sends the form itself.
import { Form, useNavigation } from '@remix-run/react';
import { useEffect, useState, type FormEvent, type ReactElement, type ReactNode } from 'react';
import { PARTITIONS } from '@pcm-ops/crds';
import {
  SOURCE_KINDS,
  SOURCE_LABELS,
  planCredential,
  withoutSecrets,
  type CredentialForm,
  type SourceKind,
} from './credential-form.js';
import { CsrfField } from '../views/csrf-field.js';
import type { FormErrors } from '../forms/form-errors.js';
import {
  CheckField,
  FormProblem,
  SelectField,
  SubmitBar,
  TextField,
} from '../views/form-fields.js';

/** What the route's action answered when it changed nothing. */
export interface CredentialAnswer {
  errors: FormErrors;
  values: CredentialForm;
}

interface Props {
  initial: CredentialForm;
  /** The Secret an edited credential reads; absent on creation. */
  existingSecret?: string;
  /** Other credentials in the namespace, for role chains. */
  sources: string[];
  /** Why the form cannot be sent, or '' when it can. */
  blocker: string;
  /** Why access keys cannot be stored (no right to create Secrets), or ''. */
  keysBlocker?: string;
  submitLabel: string;
  /** The action's last answer (useActionData), if it refused. */
  answer?: CredentialAnswer | undefined;
  /** Hidden fields the action needs, such as the resourceVersion the form was loaded at. */
  children?: ReactNode;
}

type Update = <K extends keyof CredentialForm>(key: K, value: CredentialForm[K]) => void;

function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  return hydrated;
}

function KeyFields(props: {
  form: CredentialForm;
  errors: FormErrors;
  update: Update;
  existingSecret?: string;
}): ReactElement {
  const { form, errors, update } = props;
  const hint = props.existingSecret
    ? `Leave empty to keep the keys in Secret ${props.existingSecret}; typed keys go into a new Secret.`
    : 'Stored in a new Secret owned by this credential. The console never reads it back.';
  return (
    <fieldset>
      <legend>Access keys</legend>
      <TextField
        field="accessKeyId"
        label="Access key id"
        value={form.accessKeyId}
        errors={errors}
        onChange={(v) => update('accessKeyId', v)}
        type="password"
        hint={hint}
      />
      <TextField
        field="secretAccessKey"
        label="Secret access key"
        value={form.secretAccessKey}
        errors={errors}
        onChange={(v) => update('secretAccessKey', v)}
        type="password"
      />
      <TextField
        field="sessionToken"
        label="Session token (optional)"
        value={form.sessionToken}
        errors={errors}
        onChange={(v) => update('sessionToken', v)}
        type="password"
      />
    </fieldset>
  );
}

function RoleFields(props: {
  form: CredentialForm;
  errors: FormErrors;
  update: Update;
  sources: string[];
}): ReactElement {
  const { form, errors, update } = props;
  const sources: Array<[string, string]> = [
    ['', 'The operator’s own identity'],
    ...props.sources.map((name): [string, string] => [name, `Credential ${name} (role chain)`]),
  ];
  return (
    <fieldset>
      <legend>Role</legend>
      <TextField
        field="roleArn"
        label="Role ARN"
        value={form.roleArn}
        errors={errors}
        placeholder="arn:aws:iam::123456789012:role/pcm-ops"
        onChange={(v) => update('roleArn', v)}
      />
      <SelectField
        field="sourceCredential"
        label="Assumed by"
        value={form.sourceCredential}
        options={sources}
        errors={errors}
        onChange={(v) => update('sourceCredential', v)}
      />
      <TextField
        field="externalId"
        label="External id (optional)"
        value={form.externalId}
        errors={errors}
        onChange={(v) => update('externalId', v)}
      />
      <TextField
        field="sessionName"
        label="Session name (optional)"
        value={form.sessionName}
        errors={errors}
        onChange={(v) => update('sessionName', v)}
      />
      <TextField
        field="durationSeconds"
        label="Session seconds"
        value={form.durationSeconds}
        errors={errors}
        placeholder="3600"
        onChange={(v) => update('durationSeconds', v)}
      />
    </fieldset>
  );
}

function ReachFields(props: {
  form: CredentialForm;
  errors: FormErrors;
  update: Update;
  hydrated: boolean;
}): ReactElement {
  const { form, errors, update } = props;
  return (
    <fieldset>
      <legend>Reach</legend>
      <SelectField
        field="partition"
        label="Partition"
        value={form.partition}
        errors={errors}
        options={PARTITIONS.map((p) => [p, p] as const)}
        onChange={(v) => update('partition', v)}
      />
      <TextField
        field="defaultRegion"
        label="Default region"
        value={form.defaultRegion}
        errors={errors}
        onChange={(v) => update('defaultRegion', v)}
      />
      <TextField
        field="regions"
        label="Allowed regions (optional)"
        value={form.regions}
        errors={errors}
        placeholder="eu-west-1, us-east-1"
        hint="Empty means any region."
        onChange={(v) => update('regions', v)}
      />
      <TextField
        field="expectedAccountId"
        label="Expected account id (optional)"
        value={form.expectedAccountId}
        errors={errors}
        hint="A different account reported by STS is a hard failure."
        onChange={(v) => update('expectedAccountId', v)}
      />
      <CheckField
        field="organization"
        label="List the AWS Organization’s accounts"
        checked={form.organization}
        onChange={(v) => update('organization', v)}
      />
      {form.organization || !props.hydrated ? (
        <TextField
          field="organizationRoleName"
          label="Role in each member account"
          value={form.organizationRoleName}
          errors={errors}
          placeholder="OrganizationAccountAccessRole"
          onChange={(v) => update('organizationRoleName', v)}
        />
      ) : null}
    </fieldset>
  );
}

/** The form's state: what was typed, the errors shown, and how many answers have come back. */
interface CredentialFormState {
  form: CredentialForm;
  errors: FormErrors;
  sent: number;
  update: Update;
  check: (event: FormEvent) => void;
}

function useCredentialForm(props: Props): CredentialFormState {
  const { answer } = props;
  const [form, setForm] = useState(answer?.values ?? props.initial);
  const [errors, setErrors] = useState<FormErrors>(answer?.errors ?? {});
  const [sent, setSent] = useState(0);
  // Each answer: its errors are shown, and the typed keys leave the page.
  useEffect(() => {
    if (!answer) return;
    setErrors(answer.errors);
    setForm((current) => ({ ...withoutSecrets(current), ...withoutSecrets(answer.values) }));
    setSent((count) => count + 1);
  }, [answer]);
  // Leaving the access keys source drops what was typed there: its fields are gone from view.
  const update: Update = (key, value) =>
    setForm((current) => {
      const next = { ...current, [key]: value };
      return key === 'source' ? withoutSecrets(next) : next;
    });
  // The page's own check first; the post goes only when it passes.
  const check = (event: FormEvent): void => {
    const planned = planCredential(form, { existingSecret: props.existingSecret });
    setErrors(planned.plan ? {} : planned.errors);
    if (!planned.plan) event.preventDefault();
  };
  return { form, errors, sent, update, check };
}

export function CredentialFormView(props: Props): ReactElement {
  const { form, errors, sent, update, check } = useCredentialForm(props);
  const hydrated = useHydrated();
  const busy = useNavigation().state === 'submitting';
  const newSecret = form.source === 'keys' && (!props.existingSecret || form.accessKeyId !== '');
  const blocker = props.blocker || (newSecret ? (props.keysBlocker ?? '') : '');
  const editing = props.existingSecret !== undefined || props.initial.name !== '';
  const shown = (source: SourceKind): boolean => !hydrated || form.source === source;
  return (
    <Form method="post" className="form" onSubmit={check} noValidate data-form="credential">
      <CsrfField />
      {props.children}
      <FormProblem errors={errors} />
      <fieldset>
        <legend>Credential</legend>
        <TextField
          field="name"
          label="Name"
          value={form.name}
          errors={errors}
          disabled={editing}
          onChange={(v) => update('name', v)}
        />
        <TextField
          field="namespace"
          label="Namespace"
          value={form.namespace}
          errors={errors}
          disabled={editing}
          onChange={(v) => update('namespace', v)}
        />
        <SelectField
          field="source"
          label="Source"
          value={form.source}
          errors={errors}
          options={SOURCE_KINDS.map((kind) => [kind, SOURCE_LABELS[kind]] as const)}
          onChange={(v) => update('source', v as SourceKind)}
        />
      </fieldset>
      {shown('keys') ? (
        <KeyFields
          key={sent}
          form={form}
          errors={errors}
          update={update}
          existingSecret={props.existingSecret}
        />
      ) : null}
      {shown('role') ? (
        <RoleFields form={form} errors={errors} update={update} sources={props.sources} />
      ) : null}
      <ReachFields form={form} errors={errors} update={update} hydrated={hydrated} />
      <SubmitBar
        label={props.submitLabel}
        busy={busy}
        blocker={blocker}
        errors={errors}
        hydrated={hydrated}
      />
    </Form>
  );
}
