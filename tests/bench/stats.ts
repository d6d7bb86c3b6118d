// Order statistics for benchmark samples: pure, so the report's numbers can be checked by a test.

export interface Spread {
  count: number;
  min: number;
  p10: number;
  median: number;
  p90: number;
  max: number;
}

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * The p-th percentile (0..100) by linear interpolation between closest ranks (the method of
 * NumPy's default and of spreadsheets' PERCENTILE.INC). Throws on an empty sample: a missing
 * measurement must not pass for zero.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile out of range: ${p}`);
  const ordered = sorted(values);
  const rank = (p / 100) * (ordered.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  const low = ordered[below]!;
  const high = ordered[above]!;
  return low + (high - low) * (rank - below);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function spread(values: readonly number[]): Spread {
  const ordered = sorted(values);
  return {
    count: ordered.length,
    min: percentile(ordered, 0),
    p10: percentile(ordered, 10),
    median: percentile(ordered, 50),
    p90: percentile(ordered, 90),
    max: percentile(ordered, 100),
  };
}

export function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
