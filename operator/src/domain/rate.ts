/**
 * Rate control across a whole execution: SSM applies MaxConcurrency and MaxErrors to one command
 * (at most 50 instances); these functions apply the same limits across every account and region.
 */

export type RateKind = 'concurrency' | 'errors';

const COUNT = /^[0-9]+$/;
const PERCENT = /^([0-9]{1,3})%$/;

/**
 * A limit as a number of targets. Numbers, and numeric strings, are taken as they are; a
 * percentage is of `total`.
 *
 * Rounding: the SSM documentation gives no rule for a percentage that does not divide evenly
 * (its one worked example, 10% of 50 targets allowing 5 errors, is exact). We round down, as AWS
 * documents for the same kind of setting in CloudFormation StackSets (MaxConcurrentPercentage),
 * so a limit never lets through more than the share the user wrote; concurrency is at least 1,
 * or nothing would ever start. An error limit may round down to 0: the first error stops the run.
 *
 * undefined means no limit. A value the API schema rejects is a bug here, so it throws.
 */
export function absoluteCount(
  value: number | string | undefined,
  total: number,
  kind: RateKind,
): number | undefined {
  if (value === undefined) return undefined;
  const count = typeof value === 'number' ? value : parseCountOrPercent(value, total);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`invalid ${kind} limit ${value}`);
  return kind === 'concurrency' ? Math.max(1, count) : count;
}

function parseCountOrPercent(value: string, total: number): number {
  if (COUNT.test(value)) return Number(value);
  const percent = PERCENT.exec(value)?.[1];
  if (percent === undefined || Number(percent) > 100) return Number.NaN;
  return Math.floor((Number(percent) * Math.max(0, total)) / 100);
}

/**
 * Errors that may still happen without stopping the run. SSM's rule: with MaxErrors = N, the
 * (N+1)th error stops new deliveries, so N errors are tolerated.
 */
export function errorBudgetLeft(
  maxErrors: number | undefined,
  errorsSoFar: number,
): number | undefined {
  if (maxErrors === undefined) return undefined;
  return Math.max(0, maxErrors - errorsSoFar);
}

/** True once more than maxErrors errors happened: no new batch may start. */
export function exceeded(maxErrors: number | undefined, errors: number): boolean {
  return maxErrors !== undefined && errors > maxErrors;
}

export interface SendWindow {
  /** Absolute limit across the execution; undefined means none. */
  maxConcurrency: number | undefined;
  /** Targets sent and not yet finished. */
  inFlight: number;
  /** Targets in the batch about to be sent. */
  batchSize: number;
}

/**
 * Whether the next batch may be sent now. A batch that fits under the limit may; so may any
 * batch when nothing is in flight, so a limit smaller than a batch still makes progress (the
 * command's own MaxConcurrency then holds it to the limit inside SSM).
 */
export function nextSendAllowed({ maxConcurrency, inFlight, batchSize }: SendWindow): boolean {
  if (maxConcurrency === undefined || inFlight <= 0) return true;
  return inFlight + batchSize <= maxConcurrency;
}
