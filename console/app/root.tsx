// The document shell: navigation (a part per provider section), the signed-in user, and the error view every route falls back to.
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/server-runtime';
import {
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteLoaderData,
} from '@remix-run/react';
import { Fragment, useContext, type ReactElement, type ReactNode } from 'react';
import { SECTIONS } from './lib/sections.js';
import { consoleContext } from './lib/server/kube.server.js';
import { LogoutButton } from './lib/views/logout.js';
import { RouteError } from './lib/views/route-error.js';
import { NonceContext } from './nonce.js';
import stylesUrl from './styles.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: stylesUrl }];

export interface RootData {
  user: { username: string } | null;
  csrfToken: string | null;
}

export function loader({ context }: LoaderFunctionArgs): RootData {
  const { user, csrfToken } = consoleContext(context);
  return { user: user ? { username: user.username } : null, csrfToken: csrfToken ?? null };
}

export function Layout({ children }: { children: ReactNode }): ReactElement {
  const nonce = useContext(NonceContext);
  const root = useRouteLoaderData<RootData>('root');
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <Meta />
        <Links />
      </head>
      <body>
        <header className="top">
          <span className="brand">PCM-Ops</span>
          <nav>
            <NavLink to="/" end>
              Dashboard
            </NavLink>
            {SECTIONS.map((section) => (
              <Fragment key={section.name}>
                <span className="nav-section" aria-hidden="true">
                  {section.label}
                </span>
                {section.links.map((link) => (
                  <NavLink key={link.to} to={link.to} end={link.end}>
                    {link.label}
                  </NavLink>
                ))}
              </Fragment>
            ))}
          </nav>
          <span className="who">
            {root?.user ? (
              <>
                <span className="user">{root.user.username}</span>
                <LogoutButton csrfToken={root.csrfToken ?? ''} />
              </>
            ) : null}
          </span>
        </header>
        <main>{children}</main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

export default function App(): ReactElement {
  return <Outlet />;
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
