import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KINDS } from './kinds.js';
import { fieldErrors } from './issues.js';

interface MalformedCase {
  case: string;
  field: string;
  manifest: { kind: string };
}

const corpus = parseAllDocuments(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'malformed.yaml'), 'utf8'),
).map((doc) => doc.toJS() as MalformedCase);

describe('the zod schemas reject every malformed manifest and name its field', () => {
  it('has a corpus worth the name', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus.map((c) => [c.case, c] as const))('%s', (_name, malformed) => {
    const definition = KINDS.find((k) => k.kind === malformed.manifest.kind);
    expect(definition, `kind ${malformed.manifest.kind}`).toBeDefined();
    const result = definition!.schema.safeParse(malformed.manifest);
    expect(result.success).toBe(false);
    const fields = fieldErrors(result.error!).map((e) => e.field);
    expect(fields).toContain(malformed.field);
  });
});
