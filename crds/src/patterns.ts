// A Script parameter's `pattern` is RE2, the syntax the API server's CEL evaluates at admission.
// The console and the operator compile it with re2js, a port of RE2, so all three accept the same
// patterns and agree on what matches: JavaScript's RegExp would take lookarounds RE2 refuses and
// refuse (?P<name>…) and (?i) that RE2 takes.
import { RE2JS } from 're2js';

/** Why `pattern` is not a valid RE2 expression, in RE2's own words; undefined when it is. */
export function patternError(pattern: string): string | undefined {
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Whether `value` matches `pattern` in full; undefined when the pattern is not valid RE2. */
export function matchesInFull(pattern: string, value: string): boolean | undefined {
  try {
    return RE2JS.compile(pattern).matches(value);
  } catch {
    return undefined;
  }
}
