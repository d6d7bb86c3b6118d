// New execution on Linux hosts over SSH: a script from the library (or inline), its parameters,
// hosts by label or by name through the chosen SSH credentials, a live preview of the hosts they
// match, rate control and timeouts; run now or submit suspended. The same form as the AWS
// section's with the SSH section's targets; the run opens on the one execution page.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import type { ReactElement } from 'react';
import { newExecutionAction, newExecutionLoader } from '../lib/server/new-execution.server.js';
import { SshTargets } from '../lib/ssh/execution-targets-view.js';
import type { NewData } from '../lib/views/new-execution-view.js';
import { NewExecutionPage } from '../lib/views/new-execution-view.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'New execution on SSH hosts · PCM-Ops' }];

export const loader = (args: LoaderFunctionArgs): Promise<NewData> =>
  newExecutionLoader(args, 'ssh');

export const action = (args: ActionFunctionArgs): Promise<Response> =>
  newExecutionAction(args, 'ssh');

export default function NewSshExecution(): ReactElement {
  return <NewExecutionPage Targets={SshTargets} />;
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
