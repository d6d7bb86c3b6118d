import { describe, expect, it } from 'vitest';
import { credentialFieldOf } from '../aws/credential-form.js';
import { statusFormErrors } from './form-errors.js';
import { scriptFieldOf } from '../scripts/script-form.js';

describe('statusFormErrors', () => {
  it('puts each cause of a 422 beside the field it names', () => {
    const body = {
      message: 'CloudCredential.pcm-ops.io "x" is invalid',
      details: {
        causes: [
          { field: 'spec.aws.source.assumeRole.roleArn', message: 'Invalid value' },
          { field: 'spec.expectedAccountId', message: 'should match pattern' },
        ],
      },
    };
    expect(statusFormErrors(body, 422, credentialFieldOf)).toEqual({
      roleArn: 'spec.aws.source.assumeRole.roleArn: Invalid value',
      expectedAccountId: 'spec.expectedAccountId: should match pattern',
      form: 'CloudCredential.pcm-ops.io "x" is invalid',
    });
  });

  it('says plainly that a 403 is a refusal', () => {
    const body = { message: 'scripts.pcm-ops.io is forbidden: User "u" cannot create resource' };
    expect(statusFormErrors(body, 403, scriptFieldOf).form).toBe(
      'Not allowed: scripts.pcm-ops.io is forbidden: User "u" cannot create resource',
    );
  });

  it('names the status code when the answer has no message', () => {
    expect(statusFormErrors(undefined, 502, scriptFieldOf)).toEqual({
      form: 'the API server answered 502',
    });
  });
});

describe('field mapping', () => {
  it.each([
    ['spec.parameters[2].default', 'parameters.2.default'],
    ['spec.parameters[0]', 'parameters.0.name'],
    ['spec.parameters', 'parameters'],
    ['spec.timeouts.executionSeconds', 'executionSeconds'],
    ['spec.rateControl.maxErrors', 'maxErrors'],
    ['metadata.name', 'name'],
    ['spec.unknown', 'form'],
  ])('script %s → %s', (path, field) => {
    expect(scriptFieldOf(path)).toBe(field);
  });

  it.each([
    ['spec.aws.source.secretRef.name', 'accessKeyId'],
    ['spec.aws.source.assumeRole.sourceCredentialRef.name', 'sourceCredential'],
    ['spec.aws.regions[3]', 'regions'],
    ['spec.organization.roleName', 'organizationRoleName'],
    ['spec.aws.source', 'source'],
  ])('credential %s → %s', (path, field) => {
    expect(credentialFieldOf(path)).toBe(field);
  });
});
