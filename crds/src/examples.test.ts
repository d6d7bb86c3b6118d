import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KINDS } from './kinds.js';
import { fieldErrors } from './issues.js';

const examplesDir = join(import.meta.dirname, '..', '..', 'docs', 'examples');

const objects = readdirSync(examplesDir)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) =>
    parseAllDocuments(readFileSync(join(examplesDir, file), 'utf8')).map((doc) => {
      const object = doc.toJS() as { kind: string; metadata: { name: string } };
      return [`${file}: ${object.kind}/${object.metadata.name}`, object] as const;
    }),
  )
  .filter(([, object]) => KINDS.some((k) => k.kind === object.kind));

describe('documented examples are valid for the zod schemas', () => {
  it('covers every kind', () => {
    const kinds = new Set(objects.map(([, o]) => o.kind));
    // ExecutionBatch objects are written by the operator, never by people.
    const userKinds = KINDS.map((k) => k.kind).filter((kind) => kind !== 'ExecutionBatch');
    expect([...kinds].sort()).toEqual(userKinds.sort());
  });

  it.each(objects)('%s', (_name, object) => {
    const result = KINDS.find((k) => k.kind === object.kind)!.schema.safeParse(object);
    expect(result.success ? [] : fieldErrors(result.error)).toEqual([]);
  });
});
