import type { CloudCredential } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_CREDENTIAL_FORM,
  credentialKind,
  credentialRow,
  credentialToForm,
  planCredential,
  type CredentialForm,
} from './credential-form.js';
import { ownedSecret } from '../forms/credential-plan.js';

const keysForm: CredentialForm = {
  ...EMPTY_CREDENTIAL_FORM,
  name: 'prod',
  namespace: 'ops',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  regions: 'eu-west-1, us-east-1',
};

describe('planCredential', () => {
  it('turns access keys into a credential that references a new Secret holding them', () => {
    const { plan, errors } = planCredential(keysForm);
    expect(errors).toEqual({});
    expect(plan?.credential).toEqual({
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'CloudCredential',
      metadata: { name: 'prod', namespace: 'ops' },
      spec: {
        provider: 'aws',
        aws: {
          partition: 'aws',
          defaultRegion: 'us-east-1',
          regions: ['eu-west-1', 'us-east-1'],
          source: { secretRef: { name: 'prod-aws-keys' } },
        },
      },
    });
    expect(plan?.secret?.metadata.name).toBe('prod-aws-keys');
    expect(plan?.secret?.stringData).toEqual({
      accessKeyId: keysForm.accessKeyId,
      secretAccessKey: keysForm.secretAccessKey,
    });
  });

  it('turns a role ARN with a source credential into a role chain, and no Secret', () => {
    const { plan } = planCredential({
      ...keysForm,
      source: 'role',
      accessKeyId: '',
      secretAccessKey: '',
      roleArn: 'arn:aws:iam::123456789012:role/pcm-ops',
      sourceCredential: 'hub',
      durationSeconds: '900',
    });
    expect(plan?.secret).toBeUndefined();
    expect(plan?.credential.spec.aws?.source).toEqual({
      assumeRole: {
        roleArn: 'arn:aws:iam::123456789012:role/pcm-ops',
        durationSeconds: 900,
        sourceCredentialRef: { name: 'hub' },
      },
    });
  });

  it.each<[string, Partial<CredentialForm>, string, RegExp]>([
    ['a missing name', { name: '' }, 'name', /metadata\.name: required/],
    ['an upper-case name', { name: 'Prod' }, 'name', /metadata\.name: must be lowercase/],
    ['a missing access key id', { accessKeyId: '' }, 'accessKeyId', /Access key id: required/],
    ['a missing secret key', { secretAccessKey: '' }, 'secretAccessKey', /required/],
    [
      'a bad role ARN',
      { source: 'role', roleArn: 'arn:aws:iam::1:user/x' },
      'roleArn',
      /spec\.aws\.source\.assumeRole\.roleArn: must be an IAM role ARN/,
    ],
    [
      'a chained session over an hour',
      {
        source: 'role',
        roleArn: 'arn:aws:iam::123456789012:role/x',
        sourceCredential: 'hub',
        durationSeconds: '7200',
      },
      'durationSeconds',
      /at most 3600 when sourceCredentialRef chains roles/,
    ],
    ['a bad region', { defaultRegion: 'Mars' }, 'defaultRegion', /spec\.aws\.defaultRegion/],
    ['a bad region in the list', { regions: 'eu-west-1 nowhere' }, 'regions', /regions\[1\]/],
    ['a short account id', { expectedAccountId: '123' }, 'expectedAccountId', /expectedAccountId/],
    [
      'a region outside the partition',
      { partition: 'aws-cn', defaultRegion: 'us-east-1' },
      'defaultRegion',
      /defaultRegion must be a region of the partition/,
    ],
  ])('refuses %s with an error on the field', (_, change, field, message) => {
    const { plan, errors } = planCredential({ ...keysForm, ...change });
    expect(plan).toBeUndefined();
    expect(errors[field]).toMatch(message);
  });

  it('keeps the existing Secret on an edit that leaves the keys empty', () => {
    const form = { ...keysForm, accessKeyId: '', secretAccessKey: '' };
    const { plan, errors } = planCredential(form, { existingSecret: 'old-keys' });
    expect(errors).toEqual({});
    expect(plan?.secret).toBeUndefined();
    expect(plan?.credential.spec.aws?.source).toEqual({ secretRef: { name: 'old-keys' } });
  });

  it('puts typed keys of an edit into a new Secret the credential then points at', () => {
    const { plan } = planCredential(keysForm, { existingSecret: 'old-keys', now: 36 ** 3 });
    expect(plan?.secret?.metadata.name).toBe('prod-aws-keys-1000');
    expect(plan?.credential.spec.aws?.source).toEqual({
      secretRef: { name: 'prod-aws-keys-1000' },
    });
  });
});

const stored: CloudCredential = {
  apiVersion: 'pcm-ops.io/v1alpha1',
  kind: 'CloudCredential',
  metadata: { name: 'acct', namespace: 'ops', uid: 'uid-1' },
  spec: {
    provider: 'aws',
    aws: {
      partition: 'aws',
      defaultRegion: 'eu-west-1',
      source: {
        assumeRole: {
          roleArn: 'arn:aws:iam::111122223333:role/pcm-ops',
          durationSeconds: 3600,
          sourceCredentialRef: { name: 'hub' },
        },
      },
    },
  },
  status: {
    accountId: '111122223333',
    arn: 'arn:aws:sts::111122223333:assumed-role/pcm-ops/s',
    conditions: [
      {
        type: 'Ready',
        status: 'False',
        reason: 'AccessDenied',
        message: 'not allowed',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
};

describe('stored credentials', () => {
  it('round-trips through the form unchanged', () => {
    const { plan } = planCredential(credentialToForm(stored));
    expect(plan?.credential.spec).toEqual({ ...stored.spec });
  });

  it('reads its kind, Ready condition and identity for the list', () => {
    expect(credentialRow(stored)).toMatchObject({
      kind: 'Role chain via hub',
      ready: 'False',
      reason: 'AccessDenied',
      accountId: '111122223333',
    });
    expect(credentialKind({ ...stored, spec: { ...stored.spec, aws: undefined } })).toBe(
      'Operator identity',
    );
  });

  it('owns the Secret it creates, so deleting the credential deletes the keys', () => {
    const { plan } = planCredential(keysForm);
    const secret = ownedSecret(plan!.secret!, stored);
    expect(secret.metadata.ownerReferences).toEqual([
      { apiVersion: 'pcm-ops.io/v1alpha1', kind: 'CloudCredential', name: 'acct', uid: 'uid-1' },
    ]);
  });
});
