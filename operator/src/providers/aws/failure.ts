import type { Failure, Result } from '../types.js';

export type { Result };
/** Why a credential or a call cannot be used, in words that say what to fix. */
export type CredentialFailure = Failure;

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T>(reason: string, message: string, transient = false): Result<T> {
  return { ok: false, failure: { reason, message, transient } };
}
