// History filters: phase, script, credential, label selector and time range, all read from the
// query string so a filtered view is a link. The label selector goes to the API server; the rest
// is applied here, over what the user may list.
import type { ScriptExecution } from '@pcm-ops/crds';
import { isPhase } from './executions.js';

export const RANGES = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
  '30d': 2_592_000_000,
} as const;
export type Range = keyof typeof RANGES;

export interface HistoryFilters {
  phase: string;
  script: string;
  credential: string;
  selector: string;
  range: Range | '';
}

export const INLINE_SCRIPT = '(inline)';
/** What a Kubernetes label selector may hold; the API server checks the grammar itself. */
const SELECTOR = /^[A-Za-z0-9_./\-=!,() ]*$/;

const isRange = (value: string): value is Range => Object.hasOwn(RANGES, value);

export interface ParsedFilters {
  filters: HistoryFilters;
  /** Why a value was ignored, naming the filter. */
  problems: string[];
}

/** The filters a query string asks for; a bad value is dropped with a message naming it. */
export function historyFilters(search: URLSearchParams): ParsedFilters {
  const problems: string[] = [];
  const text = (key: string): string => (search.get(key) ?? '').trim();
  const phase = text('phase');
  const range = text('range');
  const selector = text('selector');
  if (phase && !isPhase(phase)) problems.push(`phase "${phase}" is not a phase`);
  if (range && !isRange(range))
    problems.push(`time range "${range}" is not one of 1h, 24h, 7d, 30d`);
  const selectorOk = selector.length <= 512 && SELECTOR.test(selector);
  if (!selectorOk) problems.push('label selector holds characters a selector cannot');
  return {
    filters: {
      phase: isPhase(phase) ? phase : '',
      script: text('script'),
      credential: text('credential'),
      selector: selectorOk ? selector : '',
      range: isRange(range) ? range : '',
    },
    problems,
  };
}

export const scriptOf = (execution: ScriptExecution): string =>
  execution.spec.scriptRef?.name ?? INLINE_SCRIPT;

export const credentialsOf = (execution: ScriptExecution): string[] => [
  ...new Set(execution.spec.targets.map((target) => target.credentialRef.name)),
];

/** When an execution happened, for the time range: started, else created. */
export const whenOf = (execution: ScriptExecution): string =>
  execution.status?.startTime ?? execution.metadata.creationTimestamp ?? '';

/** The executions that pass the phase, script, credential and time filters (not the selector). */
export function applyFilters(
  executions: readonly ScriptExecution[],
  filters: HistoryFilters,
  now: number,
): ScriptExecution[] {
  const since = filters.range ? now - RANGES[filters.range] : -Infinity;
  return executions.filter(
    (execution) =>
      (!filters.phase || (execution.status?.phase ?? 'Pending') === filters.phase) &&
      (!filters.script || scriptOf(execution) === filters.script) &&
      (!filters.credential || credentialsOf(execution).includes(filters.credential)) &&
      Date.parse(whenOf(execution) || '1970-01-01T00:00:00Z') >= since,
  );
}

/** Distinct scripts and credentials among `executions`, for the filter suggestions. */
export function filterChoices(executions: readonly ScriptExecution[]): {
  scripts: string[];
  credentials: string[];
} {
  return {
    scripts: [...new Set(executions.map(scriptOf))].sort(),
    credentials: [...new Set(executions.flatMap(credentialsOf))].sort(),
  };
}

export const hasFilters = (filters: HistoryFilters): boolean =>
  Object.values(filters).some((value) => value !== '');

/** An RFC 3339 time as `2026-05-01 11:30:00Z`: short enough for a table cell. */
export const shortTime = (time: string): string =>
  time.replace('T', ' ').replace(/\.\d+(?=Z$)/, '');
