// The hidden field that carries the session's CSRF token in every console form, so a form sent by
// the browser itself (no JavaScript) is admitted like one sent by the page's script.
import { useRouteLoaderData, useSubmit } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { RootData } from '../../root.js';

/** Must equal console/server/csrf.ts CSRF_FIELD (the server module cannot be bundled here). */
export const CSRF_FIELD = '_csrf';

function useCsrfToken(): string {
  return useRouteLoaderData<RootData>('root')?.csrfToken ?? '';
}

export function CsrfField(): ReactElement {
  return <input type="hidden" name={CSRF_FIELD} value={useCsrfToken()} />;
}

/**
 * The hidden fields that say which version of an object a form showed: its resourceVersion, and
 * the generation of its spec, which the operator's status writes leave alone.
 */
export function seenFields(metadata: {
  resourceVersion?: string;
  generation?: number;
}): Record<string, string> {
  return {
    resourceVersion: metadata.resourceVersion ?? '',
    generation: String(metadata.generation ?? ''),
  };
}

/** Hidden fields a form's action needs besides the user's input (the version it showed). */
export function HiddenFields({ fields }: { fields: Record<string, string> }): ReactElement {
  return (
    <>
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
    </>
  );
}

/**
 * Posts `data` to the current route's action as the browser would post the form itself, with the
 * CSRF token and `hidden` fields added: the page's script sends what its state holds (a code
 * editor's text, say) under the names the form's inputs carry.
 */
export function useFormPost(): (data: FormData, hidden?: Record<string, string>) => void {
  const submit = useSubmit();
  const token = useCsrfToken();
  return (data, hidden = {}) => {
    for (const [name, value] of Object.entries(hidden)) data.set(name, value);
    data.set(CSRF_FIELD, token);
    submit(data, { method: 'post' });
  };
}
