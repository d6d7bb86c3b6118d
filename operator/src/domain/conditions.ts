import type { Condition } from '@pcm-ops/crds';

export type ConditionStatus = Condition['status'];

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

export function isConditionTrue(
  conditions: readonly Condition[] | undefined,
  type: string,
): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

/**
 * Sets one condition as metav1 conditions are meant to be set: lastTransitionTime moves only when
 * the status changes, and observedGeneration records which spec the condition speaks of.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  at: { generation: number; now: Date },
): Condition[] {
  const previous = findCondition(conditions, update.type);
  const next: Condition = {
    ...update,
    observedGeneration: at.generation,
    lastTransitionTime:
      previous && previous.status === update.status
        ? previous.lastTransitionTime
        : at.now.toISOString(),
  };
  const others = (conditions ?? []).filter((condition) => condition.type !== update.type);
  return [...others, next].sort((a, b) => a.type.localeCompare(b.type));
}

export function setConditions(
  conditions: readonly Condition[] | undefined,
  updates: readonly ConditionUpdate[],
  at: { generation: number; now: Date },
): Condition[] {
  return updates.reduce<Condition[]>(
    (acc, update) => setCondition(acc, update, at),
    [...(conditions ?? [])],
  );
}

/** True when the conditions say the same thing, ignoring timestamps. */
export function sameConditions(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const strip = (list: readonly Condition[] | undefined): string =>
    JSON.stringify(
      (list ?? [])
        .map(({ type, status, reason, message, observedGeneration }) => ({
          type,
          status,
          reason,
          message,
          observedGeneration,
        }))
        .sort((x, y) => x.type.localeCompare(y.type)),
    );
  return strip(a) === strip(b);
}
