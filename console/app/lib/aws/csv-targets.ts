// Targets pasted or uploaded as CSV, the way change tickets list them: account,region,instanceId,
// one instance a line, a header row optional. Every problem names its line and column.
import { ACCOUNT_ID_PATTERN, INSTANCE_ID_PATTERN, REGION_PATTERN } from '@pcm-ops/crds';

export interface CsvTarget {
  accountId: string;
  region: string;
  instanceId: string;
  line: number;
}

export interface CsvProblem {
  line: number;
  column?: number;
  message: string;
}

export interface ParsedCsv {
  targets: CsvTarget[];
  problems: CsvProblem[];
}

const COLUMNS = [
  { name: 'account', pattern: ACCOUNT_ID_PATTERN, expected: 'a 12-digit AWS account id' },
  { name: 'region', pattern: REGION_PATTERN, expected: 'an AWS region code such as eu-west-1' },
  {
    name: 'instanceId',
    pattern: INSTANCE_ID_PATTERN,
    expected: 'an instance id such as i-0123456789abcdef0',
  },
] as const;
const HEADER = /^"?account[ _-]?(id)?"?$/i;

/** One line's cells: commas separate, double quotes may wrap a cell, spaces around are dropped. */
function cellsOf(line: string): string[] {
  return line.split(/[,;\t]/).map((cell) =>
    cell
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
}

function lineProblems(cells: string[], line: number): CsvProblem[] {
  if (cells.length !== COLUMNS.length) {
    return [
      {
        line,
        message: `expected 3 columns (account,region,instanceId), found ${cells.length}`,
      },
    ];
  }
  return COLUMNS.flatMap((column, index) => {
    const value = cells[index] ?? '';
    if (column.pattern.test(value)) return [];
    const shown = value === '' ? 'empty' : `"${value.slice(0, 40)}"`;
    return [
      {
        line,
        column: index + 1,
        message: `${column.name} is ${shown}; expected ${column.expected}`,
      },
    ];
  });
}

const isBlank = (line: string): boolean => line.trim() === '' || line.trim().startsWith('#');

/** Parses the CSV text; duplicate lines are kept once. */
export function parseTargetsCsv(text: string): ParsedCsv {
  const parsed: ParsedCsv = { targets: [], problems: [] };
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((line) => !isBlank(line));
  lines.forEach((raw, index) => {
    if (isBlank(raw)) return;
    const cells = cellsOf(raw);
    if (index === first && HEADER.test(cells[0] ?? '')) return;
    const problems = lineProblems(cells, index + 1);
    if (problems.length > 0) return void parsed.problems.push(...problems);
    const [accountId = '', region = '', instanceId = ''] = cells;
    const key = cells.join('/');
    if (!seen.has(key)) parsed.targets.push({ accountId, region, instanceId, line: index + 1 });
    seen.add(key);
  });
  return parsed;
}

export function describeProblem(problem: CsvProblem): string {
  const where = problem.column
    ? `line ${problem.line}, column ${problem.column}`
    : `line ${problem.line}`;
  return `${where}: ${problem.message}`;
}
