// The arithmetic of the API-economy scenario: how N targets split over account+region pairs, the
// fewest AWS calls that work needs, and what the previous tool's approach would have called.

/** SendCommand carries at most 50 instance ids; ListCommandInvocations pages hold 50. */
export const IDS_PER_COMMAND = 50;
/** The previous tool polled every invocation every 5 s. */
export const LEGACY_POLL_SECONDS = 5;

/** N targets over `pairs` pairs as evenly as possible, the first pairs taking the remainder. */
export function splitTargets(targets: number, pairs: number): number[] {
  if (!Number.isInteger(targets) || targets < 0) throw new RangeError(`targets: ${targets}`);
  if (!Number.isInteger(pairs) || pairs < 1) throw new RangeError(`pairs: ${pairs}`);
  const base = Math.floor(targets / pairs);
  const extra = targets % pairs;
  return Array.from({ length: pairs }, (_, i) => base + (i < extra ? 1 : 0));
}

/** ⌈n/50⌉ SendCommand per pair. */
export function minimumSends(perPair: readonly number[]): number {
  return perPair.reduce((total, n) => total + Math.ceil(n / IDS_PER_COMMAND), 0);
}

export interface LegacyCalls {
  sendCommand: number;
  getCommandInvocation: number;
  assumeRole: number;
  total: number;
  pollRounds: number;
}

/**
 * The previous tool's calls for the same work, computed (never measured): one SendCommand per
 * account+region group whatever its size, then every 5 s one GetCommandInvocation per instance
 * and one AssumeRole per group, for as long as the run lasted (at least one round).
 */
export function legacyCalls(perPair: readonly number[], durationMs: number): LegacyCalls {
  const groups = perPair.filter((n) => n > 0);
  const targets = groups.reduce((total, n) => total + n, 0);
  const pollRounds = Math.max(1, Math.ceil(durationMs / (LEGACY_POLL_SECONDS * 1000)));
  const sendCommand = groups.length;
  const getCommandInvocation = targets * pollRounds;
  const assumeRole = groups.length * pollRounds;
  return {
    sendCommand,
    getCommandInvocation,
    assumeRole,
    total: sendCommand + getCommandInvocation + assumeRole,
    pollRounds,
  };
}

/** measured ÷ minimum, or undefined when there is no minimum to divide by. */
export function ratio(measured: number, minimum: number): number | undefined {
  return minimum > 0 ? measured / minimum : undefined;
}

/** The quality bar: within 10% of the minimum. */
export const RATIO_BAR = 1.1;

export const ECONOMY_SIZES = [1, 50, 51, 500, 5000];
export const ECONOMY_PAIRS = [1, 10];

export interface EconomyCase {
  targets: number;
  pairs: number;
  perPair: number[];
  minimumSends: number;
}

/** Every (N, pairs) case of the economy scenario, with its split and its minimum of sends. */
export function economyCases(): EconomyCase[] {
  return ECONOMY_PAIRS.flatMap((pairs) =>
    ECONOMY_SIZES.map((targets) => {
      const perPair = splitTargets(targets, pairs);
      return { targets, pairs, perPair, minimumSends: minimumSends(perPair) };
    }),
  );
}
