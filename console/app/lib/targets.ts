// What the console knows of the CloudCredentials in a namespace, and the pure helpers shared by
// the instances page and the new-execution form: credential choices, regions, tag filters.
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

/** `eu-west-1, us-east-1` or one a line → the list, without blanks or repeats. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `Key=v1,v2` lines (or repeated query values) → tag selector; the bad line is named. */
export function parseTags(lines: readonly string[]): Parsed<Record<string, string[]>> {
  const tags: Record<string, string[]> = {};
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    const values = splitValues(line.slice(at + 1));
    if (at < 1 || values.length === 0) {
      return {
        ok: false,
        message: `tag ${index + 1} "${line}" must read Key=value or Key=value1,value2`,
      };
    }
    tags[line.slice(0, at).trim()] = values;
  }
  return { ok: true, value: tags };
}

function splitValues(text: string): string[] {
  return text
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
}

export function tagLines(tags: Record<string, string[]> | undefined): string[] {
  return Object.entries(tags ?? {}).map(([key, values]) => `${key}=${values.join(',')}`);
}
