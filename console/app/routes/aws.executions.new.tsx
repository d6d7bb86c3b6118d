// New execution: a script from the library (or inline), its parameters, targets by tags, by
// instance ids or by a change ticket's CSV, a live preview of what they match, rate control and
// timeouts; run now or submit suspended for review. `?from={namespace}/{name}` clones an
// execution, `?script={name}` preselects a script. Nothing is created until every check passes:
// the page checks as the user types, and the action checks again on the console server before it
// creates the execution as the user. Without JavaScript the form is sent by the browser itself:
// every target mode's fields are shown, and "Show parameters" reloads the chosen script's.
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/server-runtime';
import type { MetaFunction } from '@remix-run/react';
import type { ReactElement } from 'react';
import { AwsTargets } from '../lib/aws/execution-targets-view.js';
import { newExecutionAction, newExecutionLoader } from '../lib/server/new-execution.server.js';
import type { NewData } from '../lib/views/new-execution-view.js';
import { NewExecutionPage } from '../lib/views/new-execution-view.js';
import { RouteError } from '../lib/views/route-error.js';

export const meta: MetaFunction = () => [{ title: 'New execution · PCM-Ops' }];

export const loader = (args: LoaderFunctionArgs): Promise<NewData> =>
  newExecutionLoader(args, 'aws');

export const action = (args: ActionFunctionArgs): Promise<Response> =>
  newExecutionAction(args, 'aws');

export default function NewExecution(): ReactElement {
  return <NewExecutionPage Targets={AwsTargets} />;
}

export function ErrorBoundary(): ReactElement {
  return <RouteError />;
}
