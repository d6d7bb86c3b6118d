/**
 * What a failed AWS call means for the user. `transient` failures are retried with backoff and
 * shown as such; the others wait for a change of the spec, the Secret or IAM.
 */
export interface AwsFailure {
  reason: string;
  transient: boolean;
  /**
   * No definite answer came back (a timeout, a dropped connection, a 5xx): AWS may have acted on
   * the request. Matters for calls that are not idempotent.
   */
  outcomeUnknown: boolean;
  /** AWS's error code, for the message; never the request or the credentials. */
  code: string;
  message: string;
}

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'EC2ThrottledException',
]);

const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'TimeoutError',
]);

const REASONS: Record<string, string> = {
  AccessDenied: 'AccessDenied',
  AccessDeniedException: 'AccessDenied',
  UnauthorizedOperation: 'AccessDenied',
  AuthorizationError: 'AccessDenied',
  InvalidClientTokenId: 'InvalidCredentials',
  SignatureDoesNotMatch: 'InvalidCredentials',
  UnrecognizedClientException: 'InvalidCredentials',
  AuthFailure: 'InvalidCredentials',
  IncompleteSignature: 'InvalidCredentials',
  ExpiredToken: 'ExpiredToken',
  ExpiredTokenException: 'ExpiredToken',
  RequestExpired: 'ExpiredToken',
  RegionDisabledException: 'RegionDisabled',
  AWSOrganizationsNotInUseException: 'NotInOrganization',
  CredentialsProviderError: 'NoAmbientCredentials',
  NotLeader: 'NotLeader',
};

/** Errors raised before a request left this process: it certainly did not reach AWS. */
const NEVER_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'NotLeader',
  'CredentialsProviderError',
]);

interface ErrorLike {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

function codeOf(error: ErrorLike): string {
  return error.name && error.name !== 'Error' ? error.name : (error.code ?? 'UnknownError');
}

function isTransient(code: string, error: ErrorLike): boolean {
  if (THROTTLING.has(code) || error.$retryable?.throttling) return true;
  if (NETWORK.has(code) || NETWORK.has(error.code ?? '')) return true;
  return (error.$metadata?.httpStatusCode ?? 0) >= 500;
}

export function isThrottling(error: unknown): boolean {
  const e = (error ?? {}) as ErrorLike;
  return THROTTLING.has(codeOf(e)) || e.$retryable?.throttling === true;
}

/** Maps an error thrown by an AWS SDK v3 call (or the network under it) to a reason. */
export function classifyAwsError(error: unknown): AwsFailure {
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as ErrorLike;
  const code = codeOf(e);
  const message = (e.message ?? code).slice(0, 512);
  const outcomeUnknown = isOutcomeUnknown(code, e);
  if (code === 'NotLeader')
    return { reason: 'NotLeader', transient: true, outcomeUnknown, code, message };
  if (isTransient(code, e)) {
    const reason = isThrottling(e) ? 'Throttled' : 'AwsUnavailable';
    return { reason, transient: true, outcomeUnknown, code, message };
  }
  return { reason: REASONS[code] ?? 'AwsError', transient: false, outcomeUnknown, code, message };
}

/** An answer below 500 is AWS's own refusal; anything else may hide a request it carried out. */
function isOutcomeUnknown(code: string, error: ErrorLike): boolean {
  if (NEVER_SENT.has(code) || NEVER_SENT.has(error.code ?? '')) return false;
  const status = error.$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}
