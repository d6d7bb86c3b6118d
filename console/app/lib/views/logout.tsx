// Log out: a plain form post with the session's CSRF token, which the console answers by ending
// the session and sending the browser to the login page (with or without JavaScript).
import type { ReactElement } from 'react';
import { CSRF_FIELD } from './csrf-field.js';

export function LogoutButton({ csrfToken }: { csrfToken: string }): ReactElement {
  return (
    <form method="post" action="/auth/logout" className="inline logout">
      <input type="hidden" name={CSRF_FIELD} value={csrfToken} />
      <button type="submit" className="link">
        Log out
      </button>
    </form>
  );
}
