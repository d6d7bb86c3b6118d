// The report downloads: every target's result as CSV or JSON, read as the user.
import type { AppLoadContext } from '@remix-run/server-runtime';
import { readExecution } from './execution-detail.server.js';
import { reportRows, toCsv, type JsonReport } from '../executions/report.js';

export type ReportFormat = 'csv' | 'json';

const TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  json: 'application/json; charset=utf-8',
};

export async function reportResponse(
  context: AppLoadContext,
  params: { namespace?: string; name?: string },
  format: ReportFormat,
): Promise<Response> {
  const { namespace, name, execution, batches } = await readExecution(context, params);
  const rows = reportRows(batches);
  const report: JsonReport = {
    namespace,
    name,
    phase: execution.status?.phase ?? 'Pending',
    generatedAt: new Date().toISOString(),
    targets: rows,
  };
  const body = format === 'csv' ? toCsv(rows) : `${JSON.stringify(report, null, 2)}\n`;
  return new Response(body, {
    headers: {
      'content-type': TYPES[format],
      'content-disposition': `attachment; filename="${name}-report.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}
