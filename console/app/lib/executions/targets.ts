// What the console knows of the CloudCredentials in a namespace, and the pure helpers shared by
// the instances page and the new-execution forms: credential choices and regions. Tag selectors
// and lists are read by the API package's `parseTags` and `splitList`, as the operator reads them.
import type { CloudCredential, ProviderName } from '@pcm-ops/crds';

export interface CredentialChoice {
  name: string;
  /** The credential's provider (spec.provider); aws when absent. */
  provider?: ProviderName;
  /** Where it acts: the account id STS reported, or the inventory of an SSH credential. */
  accountId: string;
  ready: boolean;
  /** Why the credential cannot be used now; empty when Ready. */
  reason: string;
  /** '' for a provider without regions (SSH). */
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

function regionsOf(
  credential: CloudCredential,
): Pick<CredentialChoice, 'defaultRegion' | 'regions'> {
  if (credential.spec.provider === 'ssh') return { defaultRegion: '', regions: [] };
  const aws = credential.spec.aws;
  const named = aws?.regions ?? [];
  const defaultRegion = aws?.defaultRegion ?? named[0] ?? FALLBACK_REGION;
  return { defaultRegion, regions: [...new Set([defaultRegion, ...named])] };
}

/** Where a credential acts: what its status says, or for SSH the inventory its spec names. */
function scopeOf(credential: CloudCredential): string {
  const status = credential.status;
  return status?.accountId ?? status?.scope ?? credential.spec.ssh?.inventoryRef.name ?? '';
}

export function credentialChoice(credential: CloudCredential): CredentialChoice {
  return {
    name: credential.metadata.name ?? '',
    provider: credential.spec.provider ?? 'aws',
    accountId: scopeOf(credential),
    ...readiness(credential),
    ...regionsOf(credential),
  };
}

/** Every region any credential names, sorted: the choices offered before free text. */
export function knownRegions(credentials: readonly CredentialChoice[]): string[] {
  return [...new Set(credentials.flatMap((c) => c.regions))].sort();
}
