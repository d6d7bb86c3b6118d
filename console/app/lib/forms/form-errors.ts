// Errors of a form, keyed by the form field they belong to, whether they come from the zod schema
// in the browser or from the API server's answer (a Kubernetes Status with causes).
import { formatPath } from '@pcm-ops/crds';
import type { z } from 'zod';

/** Form field → the message shown next to it; `form` holds what belongs to no single field. */
export type FormErrors = Record<string, string>;

/** Maps an API path such as `spec.aws.source.assumeRole.roleArn` to the form field showing it. */
export type FieldOf = (apiPath: string) => string;

export const hasErrors = (errors: FormErrors): boolean => Object.keys(errors).length > 0;

function add(errors: FormErrors, field: string, message: string): void {
  if (!errors[field]) errors[field] = message;
}

/** One message per field, each naming the API field it concerns, as admission would. */
export function zodFormErrors(error: z.ZodError, fieldOf: FieldOf): FormErrors {
  const errors: FormErrors = {};
  for (const issue of error.issues) {
    const apiPath = formatPath(issue.path);
    add(errors, fieldOf(apiPath), `${apiPath}: ${issue.message}`);
  }
  return errors;
}

interface StatusCause {
  field?: string;
  message?: string;
}

interface KubeStatus {
  message?: string;
  details?: { causes?: StatusCause[] };
}

/** The API server's refusal, spread over the fields its causes name (`form` for the rest). */
export function statusFormErrors(body: unknown, status: number, fieldOf: FieldOf): FormErrors {
  const answer = (body ?? {}) as KubeStatus;
  const errors: FormErrors = {};
  for (const cause of answer.details?.causes ?? []) {
    if (!cause.field) continue;
    add(errors, fieldOf(cause.field), `${cause.field}: ${cause.message ?? 'invalid'}`);
  }
  const message = answer.message ?? `the API server answered ${status}`;
  add(errors, 'form', status === 403 ? `Not allowed: ${message}` : message);
  return errors;
}
