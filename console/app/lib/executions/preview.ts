// The preview of an execution's targets: the discovery queries that resolve them as the operator
// will (same credential, regions, selector and script platforms), before anything is created.
import type { ExecutionTarget } from '@pcm-ops/crds';
import { discoveryQueries, type DiscoveryQuery } from './discovery.js';
import type { CredentialChoice } from './targets.js';

export interface PreviewPlan {
  queries: DiscoveryQuery[];
  /** Targets whose credential cannot be asked, with the reason. */
  problems: string[];
}

function platformsOf(
  target: ExecutionTarget,
  scriptPlatforms: readonly string[] | undefined,
): string[] | undefined {
  const asked = target.filters?.platforms;
  if (!scriptPlatforms?.length) return asked;
  return (asked ?? scriptPlatforms).filter((p) => scriptPlatforms.includes(p));
}

function targetQueries(
  namespace: string,
  target: ExecutionTarget,
  credential: CredentialChoice,
  scriptPlatforms: readonly string[] | undefined,
): DiscoveryQuery[] {
  return discoveryQueries(namespace, credential, target.regions ?? [credential.defaultRegion], {
    ...(target.tags ? { tags: target.tags } : {}),
    ...(target.instanceIds ? { instanceIds: target.instanceIds } : {}),
    platforms: platformsOf(target, scriptPlatforms),
    states: target.filters?.states,
    onlineOnly: target.onlineOnly,
  });
}

export function previewPlan(
  namespace: string,
  targets: readonly ExecutionTarget[],
  credentials: readonly CredentialChoice[],
  scriptPlatforms?: readonly string[],
): PreviewPlan {
  const plan: PreviewPlan = { queries: [], problems: [] };
  for (const target of targets) {
    const name = target.credentialRef.name;
    const credential = credentials.find((c) => c.name === name);
    if (!credential) plan.problems.push(`CloudCredential ${name} not found in ${namespace}`);
    else if (target.organizationAccounts)
      plan.problems.push(`${name}: organization accounts are resolved when the execution runs`);
    else if (!credential.ready) plan.problems.push(`${name}: ${credential.reason}`);
    else plan.queries.push(...targetQueries(namespace, target, credential, scriptPlatforms));
  }
  return plan;
}
