// A link to an action the user may or may not take: the link when RBAC allows it, otherwise a
// disabled button with the reason beside it.
import { Link } from '@remix-run/react';
import type { ReactElement } from 'react';
import type { Permission } from '../server/kube.server.js';

export function PermittedLink(props: {
  permission: Permission;
  to: string;
  children: string;
}): ReactElement {
  const { permission, to, children } = props;
  if (permission.allowed) {
    return (
      <Link className="button primary" to={to}>
        {children}
      </Link>
    );
  }
  return (
    <>
      <button type="button" disabled title={permission.reason}>
        {children}
      </button>
      <span className="reason">{permission.reason}</span>
    </>
  );
}
