// Sign in with a Kubernetes bearer token; the Koa server checks it and keeps it server-side.
import { redirect, type LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import { useEffect, useState, type FormEvent, type ReactElement } from 'react';
import { consoleContext } from '../lib/server/kube.server.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'Log in · PCM-Ops' }];

export function loader({ context }: LoaderFunctionArgs): null {
  if (consoleContext(context).user) throw redirect('/');
  return null;
}

async function submit(token: string): Promise<string | undefined> {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (response.ok) return undefined;
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  return body.message ?? `login failed (${response.status})`;
}

export default function Login(): ReactElement {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Marks the form as driven by script (hydrated), so the token goes as JSON and we navigate.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const onSubmit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const token = String(new FormData(event.currentTarget).get('token') ?? '');
    setBusy(true);
    void submit(token).then((problem) => {
      if (problem === undefined) return window.location.assign('/');
      setBusy(false);
      setError(problem);
    });
  };
  return (
    <section className="login">
      <h1>Log in</h1>
      <p>Paste a Kubernetes bearer token. Kubernetes RBAC decides what you can see and do.</p>
      <form
        method="post"
        action="/auth/login"
        onSubmit={onSubmit}
        data-hydrated={hydrated ? 'true' : undefined}
      >
        <label htmlFor="token">Token</label>
        <textarea id="token" name="token" rows={4} required autoComplete="off" spellCheck={false} />
        {error ? (
          <p className="problem" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
      </form>
    </section>
  );
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
