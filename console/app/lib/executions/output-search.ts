// Search within one target's output: where the query occurs (case-insensitive), and the text cut
// into plain and matching pieces so the viewer can mark matches without ever producing HTML.

export interface Piece {
  text: string;
  /** Index of the match this piece is, or -1 for text between matches. */
  match: number;
}

/** Start offsets of every non-overlapping, case-insensitive occurrence of `query`. */
export function findMatches(text: string, query: string, limit = 10_000): number[] {
  if (query === '') return [];
  const haystack = text.toLowerCase();
  const needle = query.toLowerCase();
  const found: number[] = [];
  for (let at = haystack.indexOf(needle); at !== -1 && found.length < limit;) {
    found.push(at);
    at = haystack.indexOf(needle, at + needle.length);
  }
  return found;
}

/** `text` cut at the matches of a query of `length` characters. */
export function pieces(text: string, matches: readonly number[], length: number): Piece[] {
  const out: Piece[] = [];
  let cursor = 0;
  matches.forEach((start, index) => {
    if (start > cursor) out.push({ text: text.slice(cursor, start), match: -1 });
    out.push({ text: text.slice(start, start + length), match: index });
    cursor = start + length;
  });
  if (cursor < text.length || out.length === 0) out.push({ text: text.slice(cursor), match: -1 });
  return out;
}

/** The match after (step 1) or before (step -1) `current`, wrapping around. */
export function stepMatch(current: number, step: 1 | -1, count: number): number {
  if (count === 0) return -1;
  return (((current + step) % count) + count) % count;
}
