import type { ReactElement } from 'react';

async function logout(csrfToken: string): Promise<void> {
  await fetch('/auth/logout', { method: 'POST', headers: { 'x-csrf-token': csrfToken } });
  window.location.assign('/login');
}

export function LogoutButton({ csrfToken }: { csrfToken: string }): ReactElement {
  return (
    <button type="button" className="link" onClick={() => void logout(csrfToken)}>
      Log out
    </button>
  );
}
