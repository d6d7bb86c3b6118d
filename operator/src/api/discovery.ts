// Instance discovery for the console: what one credential reaches in one place, filtered as a
// target selector would be, each machine with whether it answers (its SSM agent, its SSH port).
import {
  HOST_NAME_PATTERN,
  INSTANCE_ID_PATTERN,
  INSTANCE_STATES,
  parseTags,
  PLATFORMS,
  splitList,
  type Parsed,
  type ProviderName,
  type TagSelector,
} from '@pcm-ops/crds';
import type {
  Instance,
  Place,
  Platform,
  Provider,
  ResolvedLocation,
  Result,
  TargetSelector,
} from '../domain/provider.js';

/** Ids one request may ask about: enough for a preview page, small enough for a URL. */
export const MAX_INSTANCE_IDS = 200;

function tagsFrom(params: URLSearchParams): Parsed<TagSelector | undefined> {
  const tags = parseTags(params.getAll('tag'));
  if (!tags.ok) return tags;
  return { ok: true, value: Object.keys(tags.value).length ? tags.value : undefined };
}

function listFrom<T extends string>(
  params: URLSearchParams,
  key: string,
  allowed: readonly T[],
): Parsed<T[] | undefined> {
  const values = splitList(params.getAll(key).join(','));
  const wrong = values.find((value) => !(allowed as readonly string[]).includes(value));
  if (wrong) return { ok: false, message: `${key} must be one of ${allowed.join(', ')}` };
  return { ok: true, value: values.length ? (values as T[]) : undefined };
}

/** How each provider names its machines: what `instanceId` values must look like. */
const MACHINE_IDS: Record<ProviderName, { pattern: RegExp; noun: string }> = {
  aws: { pattern: INSTANCE_ID_PATTERN, noun: 'an instance id' },
  ssh: { pattern: HOST_NAME_PATTERN, noun: 'a host name' },
};

function idsFrom(params: URLSearchParams, provider: ProviderName): Parsed<string[] | undefined> {
  const ids = splitList(params.getAll('instanceId').join(','));
  const { pattern, noun } = MACHINE_IDS[provider];
  const wrong = ids.find((id) => !pattern.test(id));
  if (wrong) return { ok: false, message: `instanceId "${wrong}" is not ${noun}` };
  if (ids.length > MAX_INSTANCE_IDS)
    return { ok: false, message: `at most ${MAX_INSTANCE_IDS} instanceId values per request` };
  return { ok: true, value: ids.length ? ids : undefined };
}

/**
 * The query string of the instances route as a target selector, or why it is not one. Machines
 * are named as the credential's provider names them: EC2 instance ids, or host names.
 */
export function selectorFrom(
  params: URLSearchParams,
  provider: ProviderName = 'aws',
): Parsed<TargetSelector> {
  const parts = {
    tags: tagsFrom(params),
    platforms: listFrom<Platform>(params, 'platform', PLATFORMS),
    states: listFrom(params, 'state', INSTANCE_STATES),
    instanceIds: idsFrom(params, provider),
  };
  const selector: Record<string, unknown> = { onlineOnly: params.get('onlineOnly') === 'true' };
  for (const [key, part] of Object.entries(parts)) {
    if (!part.ok) return part;
    if (part.value) selector[key] = part.value;
  }
  return { ok: true, value: selector as unknown as TargetSelector };
}

export interface DiscoveredInstance extends Instance {
  online: boolean;
}

export interface Discovered {
  instances: DiscoveredInstance[];
  skipped: ResolvedLocation['skipped'];
}

/**
 * Resolves the selector, then learns which of the instances found are online: with onlineOnly the
 * provider keeps only those, so the answer already says; otherwise one more resolve by their ids
 * with onlineOnly tells them apart without dropping the offline ones.
 */
export async function discover(
  provider: Provider,
  place: Place,
  selector: TargetSelector,
): Promise<Result<Discovered>> {
  const found = await provider.resolve(place, selector);
  if (!found.ok) return found;
  const { instances, skipped } = found.value;
  if (selector.onlineOnly || instances.length === 0) {
    return {
      ok: true,
      value: { instances: instances.map((i) => ({ ...i, online: true })), skipped },
    };
  }
  const ids = instances.map((instance) => instance.instanceId);
  const states = [...new Set(instances.map((instance) => instance.state))];
  const online = await provider.resolve(place, { instanceIds: ids, states, onlineOnly: true });
  if (!online.ok) return online;
  const onlineIds = new Set(online.value.instances.map((instance) => instance.instanceId));
  const marked = instances.map((i) => ({ ...i, online: onlineIds.has(i.instanceId) }));
  return { ok: true, value: { instances: marked, skipped } };
}
