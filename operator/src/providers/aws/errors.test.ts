import { describe, expect, it } from 'vitest';
import { classifyAwsError } from './errors.js';

function awsError(name: string, status = 400, extra: object = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}

describe('classifyAwsError', () => {
  it.each([
    ['ThrottlingException', 400, 'Throttled', true],
    ['Throttling', 400, 'Throttled', true],
    ['RequestLimitExceeded', 503, 'Throttled', true],
    ['InternalError', 500, 'AwsUnavailable', true],
    ['ServiceUnavailable', 503, 'AwsUnavailable', true],
    ['AccessDenied', 403, 'AccessDenied', false],
    ['AccessDeniedException', 400, 'AccessDenied', false],
    ['InvalidClientTokenId', 403, 'InvalidCredentials', false],
    ['SignatureDoesNotMatch', 403, 'InvalidCredentials', false],
    ['ExpiredToken', 400, 'ExpiredToken', false],
    ['ValidationError', 400, 'AwsError', false],
  ])('%s (HTTP %i) → %s, transient %s', (name, status, reason, transient) => {
    expect(classifyAwsError(awsError(name, status))).toMatchObject({
      reason,
      transient,
      code: name,
    });
  });

  it('treats a refused connection as transient', () => {
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    expect(classifyAwsError(error)).toMatchObject({ reason: 'AwsUnavailable', transient: true });
  });

  it('trusts the SDK’s own throttling flag', () => {
    const error = awsError('SomethingNew', 400, { $retryable: { throttling: true } });
    expect(classifyAwsError(error)).toMatchObject({ reason: 'Throttled', transient: true });
  });
});
