import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { customResourceDefinition } from './crd.js';
import { KINDS } from './kinds.js';
import { crdFileName, crdYaml } from './yaml.js';

type Node = Record<string, unknown>;

/** Every property path in a schema that has no description (metadata is the API server's). */
function undescribed(node: Node, path: string): string[] {
  const missing: string[] = [];
  const properties = (node.properties ?? {}) as Record<string, Node>;
  for (const [name, child] of Object.entries(properties)) {
    const childPath = `${path}.${name}`;
    if (name !== 'metadata' && typeof child.description !== 'string') missing.push(childPath);
    missing.push(...undescribed(child, childPath));
  }
  if (node.items) missing.push(...undescribed(node.items as Node, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    missing.push(...undescribed(node.additionalProperties as Node, `${path}{}`));
  }
  return missing;
}

function openApi(kind: string): Node {
  const crd = customResourceDefinition(KINDS.find((k) => k.kind === kind)!) as {
    spec: { versions: { schema: { openAPIV3Schema: Node } }[] };
  };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

describe.each(KINDS.map((k) => [k.kind, k] as const))('CRD for %s', (kind, definition) => {
  it.each([
    ['crds/generated', join(import.meta.dirname, '..', 'generated')],
    ['the Helm chart', join(import.meta.dirname, '..', '..', 'charts', 'pcm-ops', 'crds')],
  ])('is committed in %s exactly as the generator writes it (`npm run crds`)', (_where, dir) => {
    const committed = readFileSync(join(dir, crdFileName(definition)), 'utf8');
    expect(committed).toBe(crdYaml(definition));
  });

  it('describes every field, so kubectl explain helps', () => {
    expect(undescribed(openApi(kind), kind)).toEqual([]);
  });

  it('has a short name, the pcm-ops category and printer columns', () => {
    expect(definition.shortNames.length).toBeGreaterThan(0);
    const crd = customResourceDefinition(definition) as {
      spec: {
        names: { categories: string[] };
        versions: { additionalPrinterColumns: unknown[] }[];
      };
    };
    expect(crd.spec.names.categories).toContain('pcm-ops');
    expect(crd.spec.versions[0]!.additionalPrinterColumns.length).toBeGreaterThan(1);
  });
});

describe('structural schema', () => {
  it('writes int-or-string fields in the one form Kubernetes accepts', () => {
    const spec = (openApi('ScriptExecution').properties as Record<string, Node>).spec!;
    const rate = (spec.properties as Record<string, Node>).rateControl!;
    const maxErrors = (rate.properties as Record<string, Node>).maxErrors!;
    expect(maxErrors['x-kubernetes-int-or-string']).toBe(true);
    expect(maxErrors.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
    expect(maxErrors.type).toBeUndefined();
  });

  it('keeps the zod defaults so the API server applies them', () => {
    const spec = (openApi('ScriptExecution').properties as Record<string, Node>).spec!;
    const suspend = (spec.properties as Record<string, Node>).suspend!;
    expect(suspend.default).toBe(false);
  });
});

/** Unbounded strings, arrays and maps make CEL cost estimates explode; every one needs a bound. */
function unbounded(node: Node, path: string): string[] {
  const found: string[] = [];
  if (node.type === 'string' && node.maxLength === undefined && !node.enum && !node.format)
    found.push(path);
  if (node.type === 'array' && node.maxItems === undefined) found.push(path);
  if (typeof node.additionalProperties === 'object' && node.maxProperties === undefined)
    found.push(path);
  for (const [name, child] of Object.entries((node.properties ?? {}) as Record<string, Node>)) {
    if (!['metadata', 'apiVersion', 'kind'].includes(name))
      found.push(...unbounded(child, `${path}.${name}`));
  }
  if (node.items) found.push(...unbounded(node.items as Node, `${path}[]`));
  if (typeof node.additionalProperties === 'object') {
    found.push(...unbounded(node.additionalProperties as Node, `${path}{}`));
  }
  return found;
}

describe.each(KINDS.map((k) => [k.kind] as const))('bounds of %s', (kind) => {
  it('gives every string, list and map a maximum size', () => {
    expect(unbounded(openApi(kind), kind)).toEqual([]);
  });
});
