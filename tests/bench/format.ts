// Small formatting helpers for the Markdown report.

export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.join(' | ')} |`;
  const rule = `|${header.map(() => '---').join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** 87 ms, 1.2 s, 2 min 5 s */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

export function msValue(ms: number): string {
  return `${Math.round(ms)} ms`;
}

export function mib(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MiB`;
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number, digits = 2): string {
  return n.toFixed(digits);
}

export function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** "median (min–max)" of a sample, each formatted. */
export function medianRange(
  values: { median: number; min: number; max: number },
  unit: (n: number) => string,
): string {
  if (values.min === values.max) return unit(values.median);
  return `${unit(values.median)} (${unit(values.min)}–${unit(values.max)})`;
}

export function verdict(ok: boolean): string {
  return ok ? 'met' : '**missed**';
}
