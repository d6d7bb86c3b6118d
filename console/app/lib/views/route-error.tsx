// The error view of every route: a refusal by Kubernetes RBAC reads as such, never a blank page.
import { isRouteErrorResponse, Link, useRouteError } from '@remix-run/react';
import type { ReactElement } from 'react';

function describe(error: unknown): { title: string; message: string } {
  if (!isRouteErrorResponse(error)) {
    return { title: 'Something went wrong', message: (error as Error)?.message ?? String(error) };
  }
  const message = (error.data as { message?: string } | undefined)?.message ?? error.statusText;
  if (error.status === 403) return { title: 'Not allowed', message };
  if (error.status === 404) return { title: 'Not found', message };
  return { title: `Error ${error.status}`, message };
}

export function RouteError(): ReactElement {
  const { title, message } = describe(useRouteError());
  return (
    <section className="error" role="alert">
      <h1>{title}</h1>
      <p>{message}</p>
      <Link to="/">Back to the dashboard</Link>
    </section>
  );
}
