/** Why a credential cannot be used, in words that say what to fix. */
export interface CredentialFailure {
  reason: string;
  message: string;
  /** Retry with backoff (throttling, network); otherwise wait for a change. */
  transient: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; failure: CredentialFailure };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string, message: string, transient = false): Result<T> {
  return { ok: false, failure: { reason, message, transient } };
}
