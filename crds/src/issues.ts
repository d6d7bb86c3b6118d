import type { z } from 'zod';

/** `['spec', 'targets', 0, 'regions', 1]` → `spec.targets[0].regions[1]`, as Kubernetes writes paths. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out ? `${out}.${String(part)}` : String(part);
  }, '');
}

export interface FieldError {
  field: string;
  message: string;
}

/** Flattens zod issues (unions included) into field errors a person can act on. */
export function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message }));
}
