// What the console knows of the CloudCredentials in a namespace, and the pure helpers shared by
// the instances page and the new-execution form: credential choices and regions. Tag selectors
// and lists are read by the API package's `parseTags` and `splitList`, as the operator reads them.
import type { CloudCredential } from '@pcm-ops/crds';

export interface CredentialChoice {
  name: string;
  accountId: string;
  ready: boolean;
  /** Why the credential cannot be used now; empty when Ready. */
  reason: string;
  defaultRegion: string;
  regions: string[];
}

const FALLBACK_REGION = 'us-east-1';

function readiness(credential: CloudCredential): { ready: boolean; reason: string } {
  const ready = credential.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { ready: true, reason: '' };
  const why = ready ? `${ready.reason}${ready.message ? ` (${ready.message})` : ''}` : '';
  return { ready: false, reason: `not Ready: ${why || 'not validated yet'}` };
}

export function credentialChoice(credential: CloudCredential): CredentialChoice {
  const aws = credential.spec.aws;
  const named = aws?.regions ?? [];
  const defaultRegion = aws?.defaultRegion ?? named[0] ?? FALLBACK_REGION;
  return {
    name: credential.metadata.name ?? '',
    accountId: credential.status?.accountId ?? '',
    ...readiness(credential),
    defaultRegion,
    regions: [...new Set([defaultRegion, ...named])],
  };
}

/** Every region any credential names, sorted: the choices offered before free text. */
export function knownRegions(credentials: readonly CredentialChoice[]): string[] {
  return [...new Set(credentials.flatMap((c) => c.regions))].sort();
}
