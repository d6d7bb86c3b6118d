import type { z } from 'zod';

/**
 * A validation rule written once and enforced twice: as a CEL rule in the CRD (so the API server
 * rejects it at admission) and as a zod refinement (so the console rejects the same input with the
 * same message before anything is sent).
 */
export interface Rule<T> {
  /** CEL expression over `self` (and `oldSelf` for transition rules). */
  cel: string;
  /** Shown to the user by the API server and by the console. Names the field. */
  message: string;
  /** JSONPath-like field the error is reported on, relative to the schema the rule sits on. */
  fieldPath?: string;
  /**
   * The same rule in TypeScript. Transition rules (those reading `oldSelf`) have none: they need
   * the stored object, which only the API server has.
   */
  check?: (value: T) => boolean;
}

interface CelValidation {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** `.spec.aws.source` → `['spec', 'aws', 'source']`; `.items[0]` is not used by our rules. */
function pathOf(fieldPath: string | undefined): string[] {
  return fieldPath ? fieldPath.split('.').filter((part) => part.length > 0) : [];
}

function toCel<T>(rule: Rule<T>): CelValidation {
  return rule.fieldPath
    ? { rule: rule.cel, message: rule.message, fieldPath: rule.fieldPath }
    : { rule: rule.cel, message: rule.message };
}

/** Attaches `rules` to `schema` both as `x-kubernetes-validations` and as zod refinements. */
export function withRules<S extends z.ZodType>(schema: S, rules: Rule<z.output<S>>[]): S {
  const checked = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (rule.check && !rule.check(value)) {
        ctx.addIssue({ code: 'custom', message: rule.message, path: pathOf(rule.fieldPath) });
      }
    }
  }) as unknown as S;
  const previous = (schema.meta() ?? {}) as Record<string, unknown>;
  return checked.meta({
    ...previous,
    'x-kubernetes-validations': rules.map(toCel),
  }) as S;
}

/** Counts the fields of `value` among `keys` that are set. */
export function countSet(value: object, keys: readonly string[]): number {
  const record = value as Record<string, unknown>;
  return keys.filter((key) => record[key] !== undefined).length;
}

/** CEL for "exactly one of these optional fields is set". */
export function exactlyOneCel(keys: readonly string[]): string {
  return `[${keys.map((key) => `has(self.${key})`).join(', ')}].filter(x, x).size() == 1`;
}

/**
 * Refinement for lists keyed by name. The API server enforces the same through
 * `x-kubernetes-list-type: map`, with its own "Duplicate value" message.
 */
export function rejectDuplicateNames(items: { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    if (seen.has(item.name)) {
      ctx.addIssue({ code: 'custom', message: `duplicate name ${item.name}`, path: [index] });
    }
    seen.add(item.name);
  });
}
