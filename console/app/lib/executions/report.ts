// The per-target report a user downloads: one row per target with its status, exit code and the
// output the batch keeps. Output is untrusted text, so the CSV quotes every field and neutralises
// cells a spreadsheet would read as a formula (OWASP's CSV injection advice).
import type { BatchInvocation, ExecutionBatch } from '@pcm-ops/crds';

export interface ReportRow {
  instanceId: string;
  accountId: string;
  region: string;
  credential: string;
  target: string;
  status: string;
  statusDetails: string;
  exitCode: number | null;
  startedAt: string;
  finishedAt: string;
  output: string;
  outputTruncated: boolean;
}

export const REPORT_COLUMNS: readonly (keyof ReportRow)[] = [
  'instanceId',
  'accountId',
  'region',
  'credential',
  'target',
  'status',
  'statusDetails',
  'exitCode',
  'startedAt',
  'finishedAt',
  'output',
  'outputTruncated',
];

const NOT_OBSERVED = {
  statusDetails: '',
  exitCode: null,
  startedAt: '',
  finishedAt: '',
  output: '',
  outputTruncated: false,
};

function reportRow(
  batch: ExecutionBatch,
  instanceId: string,
  invocation?: BatchInvocation,
): ReportRow {
  const { accountId, region, credential, target = '' } = batch.spec;
  const observed = Object.fromEntries(
    Object.entries(invocation ?? {}).filter(
      ([key, value]) => key in NOT_OBSERVED && value !== undefined,
    ),
  );
  return {
    instanceId,
    accountId,
    region,
    credential,
    target,
    status: invocation?.status ?? batch.status?.phase ?? 'Planned',
    ...NOT_OBSERVED,
    ...observed,
  };
}

/** One row per target, in plan order; a target not observed yet carries its batch's phase. */
export function reportRows(batches: readonly ExecutionBatch[]): ReportRow[] {
  return [...batches]
    .sort((a, b) => a.spec.index - b.spec.index)
    .flatMap((batch) => {
      const byId = new Map((batch.status?.invocations ?? []).map((i) => [i.instanceId, i]));
      return batch.spec.instanceIds.map((id) => reportRow(batch, id, byId.get(id)));
    });
}

/** Characters that make a spreadsheet evaluate a cell (and tab/CR, which some strip first). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: formula-like text gets a leading ', and every field is double-quoted. */
export function csvField(value: string | number | boolean | null): string {
  let text = value === null ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** RFC 4180 CSV with a header line and CRLF line ends. */
export function toCsv(rows: readonly ReportRow[]): string {
  const lines = [REPORT_COLUMNS.map(csvField).join(',')];
  for (const row of rows)
    lines.push(REPORT_COLUMNS.map((column) => csvField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export interface JsonReport {
  namespace: string;
  name: string;
  phase: string;
  generatedAt: string;
  targets: ReportRow[];
}
