import type { Failure } from '../../domain/provider.js';

export { fail, ok, type Result } from '../../domain/provider.js';
/** Why a credential or a call cannot be used, in words that say what to fix. */
export type CredentialFailure = Failure;
