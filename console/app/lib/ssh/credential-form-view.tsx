// The SSH credential form: the inventory to reach, the login user, the private key (pasted into a
// new Secret owned by the credential, or an existing Secret named), sudo and the host-key policy.
// The fields are the browser's own (uncontrolled): the page reads the same post the action does,
// checks it first, and a pasted key never lives in the page's state or comes back in an answer.
import { Form, useNavigation } from '@remix-run/react';
import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { HOST_KEY_POLICIES } from '@pcm-ops/crds';
import type { FormErrors } from '../forms/form-errors.js';
import { CsrfField } from '../views/csrf-field.js';
import { FieldError, FormProblem, SubmitBar } from '../views/form-fields.js';
import {
  HOST_KEY_POLICY_LABELS,
  planSshCredential,
  SSH_FIELD_LABELS,
  sshCredentialFormFromData,
  type KeySource,
  type SshCredentialForm,
} from './credential-form.js';

export interface SshCredentialAnswer {
  errors: FormErrors;
  values: SshCredentialForm;
}

interface Props {
  initial: SshCredentialForm;
  inventories: string[];
  blocker: string;
  /** Why a pasted key cannot be stored (no right to create Secrets), or ''. */
  keysBlocker: string;
  answer: SshCredentialAnswer | undefined;
}

function Text(props: {
  field: keyof SshCredentialForm & string;
  values: SshCredentialForm;
  errors: FormErrors;
  hint?: string;
  placeholder?: string;
  secret?: boolean;
  readOnly?: boolean;
}): ReactElement {
  const invalid = Boolean(props.errors[props.field]);
  return (
    <label className="field">
      <span className="field-label">{SSH_FIELD_LABELS[props.field]}</span>
      <input
        name={props.field}
        type={props.secret ? 'password' : 'text'}
        defaultValue={props.secret ? '' : String(props.values[props.field])}
        placeholder={props.placeholder}
        readOnly={props.readOnly}
        autoComplete={props.secret ? 'new-password' : 'off'}
        spellCheck={false}
        aria-invalid={invalid}
      />
      {props.hint ? <span className="hint">{props.hint}</span> : null}
      <FieldError field={props.field} errors={props.errors} />
    </label>
  );
}

function KeyFields(props: {
  values: SshCredentialForm;
  errors: FormErrors;
  source: KeySource;
  hydrated: boolean;
}): ReactElement {
  const { values, errors } = props;
  const shown = (source: KeySource): boolean => !props.hydrated || props.source === source;
  return (
    <>
      {shown('paste') ? (
        <>
          <label className="field">
            <span className="field-label">{SSH_FIELD_LABELS.privateKey}</span>
            <textarea
              name="privateKey"
              className="code"
              rows={6}
              defaultValue=""
              spellCheck={false}
              autoComplete="off"
              aria-invalid={Boolean(errors.privateKey)}
            />
            <span className="hint">
              OpenSSH or PEM. Stored in a new Secret owned by this credential; the console never
              reads it back.
            </span>
            <FieldError field="privateKey" errors={errors} />
          </label>
          <Text
            field="passphrase"
            values={values}
            errors={errors}
            secret
            hint="Only if the key has one."
          />
        </>
      ) : null}
      {shown('secret') ? (
        <>
          <Text
            field="secretName"
            values={values}
            errors={errors}
            hint="A Secret in the same namespace."
          />
          <Text field="privateKeyKey" values={values} errors={errors} placeholder="privateKey" />
        </>
      ) : null}
    </>
  );
}

export function SshCredentialFormView(props: Props): ReactElement {
  const { answer } = props;
  const values = answer?.values ?? props.initial;
  const [errors, setErrors] = useState<FormErrors>(answer?.errors ?? {});
  const [source, setSource] = useState<KeySource>(values.keySource);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  useEffect(() => setErrors(answer?.errors ?? {}), [answer]);
  const busy = useNavigation().state === 'submitting';
  // The page's own check of the very post the browser would send; it goes only when it passes.
  const check = (event: FormEvent<HTMLFormElement>): void => {
    const form = sshCredentialFormFromData(new FormData(event.currentTarget));
    const planned = planSshCredential(form, props.inventories);
    setErrors(planned.plan ? {} : planned.errors);
    if (!planned.plan) event.preventDefault();
  };
  const blocker = props.blocker || (source === 'paste' ? props.keysBlocker : '');
  return (
    <Form method="post" className="form" onSubmit={check} noValidate data-form="ssh-credential">
      <CsrfField />
      <FormProblem errors={errors} />
      <fieldset key={JSON.stringify(answer?.values ?? null)}>
        <legend>Credential</legend>
        <Text field="name" values={values} errors={errors} />
        <Text
          field="namespace"
          values={values}
          errors={errors}
          readOnly
          hint="The inventory’s namespace: open this form with ?namespace= for another."
        />
        <label className="field">
          <span className="field-label">{SSH_FIELD_LABELS.inventory}</span>
          <select name="inventory" defaultValue={values.inventory}>
            <option value="">Choose an inventory…</option>
            {props.inventories.map((name) => (
              <option key={name}>{name}</option>
            ))}
          </select>
          <FieldError field="inventory" errors={errors} />
        </label>
        <Text field="user" values={values} errors={errors} placeholder="ops" />
        <label className="field">
          <span className="field-label">Private key from</span>
          <select
            name="keySource"
            defaultValue={values.keySource}
            onChange={(event) => setSource(event.target.value as KeySource)}
          >
            <option value="paste">Pasted here</option>
            <option value="secret">An existing Secret</option>
          </select>
        </label>
        <KeyFields values={values} errors={errors} source={source} hydrated={hydrated} />
        <label className="check">
          <input type="checkbox" name="sudo" defaultChecked={values.sudo} /> Run scripts as root
          with sudo -n
        </label>
        <label className="field">
          <span className="field-label">{SSH_FIELD_LABELS.hostKeyPolicy}</span>
          <select name="hostKeyPolicy" defaultValue={values.hostKeyPolicy}>
            {HOST_KEY_POLICIES.map((policy) => (
              <option key={policy} value={policy}>
                {HOST_KEY_POLICY_LABELS[policy]}
              </option>
            ))}
          </select>
          <FieldError field="hostKeyPolicy" errors={errors} />
        </label>
        <Text
          field="connectTimeoutSeconds"
          values={values}
          errors={errors}
          placeholder="15"
          hint="Seconds to reach a host and log in."
        />
        <Text
          field="maxConcurrentHosts"
          values={values}
          errors={errors}
          placeholder="50"
          hint="Hosts this credential runs scripts on at once."
        />
      </fieldset>
      <SubmitBar
        label="Create credential"
        busy={busy}
        blocker={blocker}
        errors={errors}
        hydrated={hydrated}
      />
    </Form>
  );
}
