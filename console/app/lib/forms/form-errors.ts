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

/** A form field's name in words, for the messages; without one they name the API path. */
export type LabelOf = (field: string) => string | undefined;

/** One message per field, each naming the field it concerns (as admission would, or in words). */
export function zodFormErrors(error: z.ZodError, fieldOf: FieldOf, labelOf?: LabelOf): FormErrors {
  const errors: FormErrors = {};
  for (const issue of error.issues) {
    const apiPath = formatPath(issue.path);
    const field = fieldOf(apiPath);
    add(errors, field, `${labelOf?.(field) ?? apiPath}: ${issue.message}`);
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

function addCause(
  errors: FormErrors,
  cause: StatusCause,
  fieldOf: FieldOf,
  labelOf?: LabelOf,
): void {
  if (!cause.field) return;
  const field = fieldOf(cause.field);
  add(errors, field, `${labelOf?.(field) ?? cause.field}: ${cause.message ?? 'invalid'}`);
}

/** The API server's refusal, spread over the fields its causes name (`form` for the rest). */
export function statusFormErrors(
  body: unknown,
  status: number,
  fieldOf: FieldOf,
  labelOf?: LabelOf,
): FormErrors {
  const answer = (body ?? {}) as KubeStatus;
  const errors: FormErrors = {};
  for (const cause of answer.details?.causes ?? []) addCause(errors, cause, fieldOf, labelOf);
  const message = answer.message ?? `the API server answered ${status}`;
  add(errors, 'form', status === 403 ? `Not allowed: ${message}` : message);
  return errors;
}
