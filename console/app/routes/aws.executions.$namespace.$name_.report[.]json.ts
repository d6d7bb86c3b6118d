// GET /aws/executions/{namespace}/{name}/report.json: the execution's phase and every target.
import type { LoaderFunctionArgs } from '@remix-run/server-runtime';
import { reportResponse } from '../lib/server/report.server.js';

export function loader({ context, params }: LoaderFunctionArgs): Promise<Response> {
  return reportResponse(context, params, 'json');
}
