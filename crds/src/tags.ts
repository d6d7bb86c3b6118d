// A target's tag selector as people write it, one `Key=value1,value2` a line (or a query value),
// and lists written `a, b` or one a line: read the same way by the console's forms and by the
// operator's discovery API, which the console's instance preview calls with the same text.

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Tag key → the values any of which an instance's tag must have. */
export type TagSelector = Record<string, string[]>;

/** `eu-west-1, us-east-1` or one a line → the list, without blanks or repeats. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

function splitValues(text: string): string[] {
  return text
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
}

/**
 * `Key=v1,v2` lines (or repeated query values) → tag selector; blank lines are skipped and the
 * first bad line is named by its number. Values may hold spaces; only commas separate them.
 */
export function parseTags(lines: readonly string[]): Parsed<TagSelector> {
  const tags: TagSelector = {};
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const at = line.indexOf('=');
    const values = splitValues(line.slice(at + 1));
    if (at < 1 || values.length === 0) {
      return {
        ok: false,
        message: `tag ${index + 1} "${line}" must read Key=value or Key=value1,value2`,
      };
    }
    tags[line.slice(0, at).trim()] = values;
  }
  return { ok: true, value: tags };
}

/** One tag as `parseTags` reads it back. */
export function tagLine(key: string, values: readonly string[]): string {
  return `${key}=${values.join(',')}`;
}

export function tagLines(tags: TagSelector | undefined): string[] {
  return Object.entries(tags ?? {}).map(([key, values]) => tagLine(key, values));
}
