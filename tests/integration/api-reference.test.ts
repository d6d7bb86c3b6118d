// docs/api-reference.md is generated from the schemas (npm run docs:api) and says what the API
// server serves: it is current, and its descriptions are the ones kubectl explain shows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiReference, OUTPUT } from '../../scripts/api-reference.js';
import { kubectlOk } from '../support/kube.js';

const committed = readFileSync(OUTPUT, 'utf8');

function described(field: string): string {
  const row = committed.split('\n').find((line) => line.startsWith(`| \`${field}\` |`));
  if (!row) throw new Error(`docs/api-reference.md has no row for ${field}`);
  return row.split(' | ')[3]!;
}

describe('docs/api-reference.md', () => {
  it('is what npm run docs:api generates from the current schemas', () => {
    expect(committed, 'run npm run docs:api and commit docs/api-reference.md').toBe(apiReference());
  });

  it.each([
    ['scriptexecution', 'spec.targets[].onlineOnly'],
    ['cloudcredential', 'spec.aws.source.assumeRole.durationSeconds'],
    ['script', 'spec.interpreter'],
  ])('describes %s %s as kubectl explain does', async (resource, field) => {
    const explained = await kubectlOk(['explain', `${resource}.${field.replace(/\[\]/g, '')}`]);
    const description = explained.split('DESCRIPTION:')[1]!.replace(/\s+/g, ' ').trim();
    expect(description).toContain(described(field).replace(/\\\|/g, '|'));
  });
});
