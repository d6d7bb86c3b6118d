// The long-life memory section of the report, and its bar: RSS flat over 10,000 executions.
import { count, duration, mib, table, verdict } from './format.js';
import type { SoakResult } from './scenarios/soak.js';

/** "Flat": the operator at rest after the last execution holds at most this much more RSS. */
export const SOAK_GROWTH_BAR = 1.1;

export function soakFlat(result: SoakResult): boolean {
  return result.end.rss <= result.start.rss * SOAK_GROWTH_BAR;
}

export function soakBarRow(result: SoakResult): string[] {
  return [
    `RSS flat (≤ +${Math.round((SOAK_GROWTH_BAR - 1) * 100)}%) over ${count(result.executions)} executions created, finished and deleted`,
    `at rest ${mib(result.start.rss)} after the first 500, ${mib(result.end.rss)} after the last`,
    verdict(soakFlat(result)),
  ];
}

export function soakSection(result: SoakResult): string {
  const rows = [
    [
      'at rest after the first 500',
      mib(result.start.rss),
      mib(result.start.heapUsed),
      mib(result.start.heapTotal),
    ],
    [
      `highest while ${count(result.executions - 500)} more ran`,
      mib(result.peak.rss),
      mib(result.peak.heapUsed),
      mib(result.peak.heapTotal),
    ],
    [
      'at rest after the last was deleted',
      mib(result.end.rss),
      mib(result.end.heapUsed),
      mib(result.end.heapTotal),
    ],
  ];
  return [
    '## Memory over a long life',
    '',
    `${count(result.executions)} executions of one instance each, at most 100 at a time, each ` +
      'deleted by the operator as it finishes (`ttlSecondsAfterFinished: 0`), in ' +
      `${duration(result.ms)}. "At rest" is read 15 s after the last deletion of a phase. Nothing ` +
      'the operator keeps per execution (the versions it awaits from the watch, backoffs, poll ' +
      'intervals, Events it folds) outlives the execution.',
    '',
    table(['when', 'RSS', 'heap used', 'heap total'], rows),
    '',
    `RSS after every thousand created: ${result.rssMiB.map((r) => `${r} MiB`).join(', ')}.`,
  ].join('\n');
}
