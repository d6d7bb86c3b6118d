// Writes docs/api-reference.md from the CRDs the zod schemas generate (crds/src), so the reference
// says what the API server enforces: every field with its type, default, description and rules.
//   npm run docs:api
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { API_VERSION, KINDS, customResourceDefinition, type KindDefinition } from '@pcm-ops/crds';

interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  additionalProperties?: Schema | boolean;
  anyOf?: Schema[];
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string; fieldPath?: string }[];
}

export const OUTPUT = path.join(import.meta.dirname, '..', 'docs', 'api-reference.md');

/** Markdown table cells hold no pipes or line breaks. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

const code = (value: unknown): string =>
  `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;

function typeOf(schema: Schema): string {
  if (schema['x-kubernetes-int-or-string']) return 'integer or string';
  if (schema.type === 'array') return `array of ${schema.items ? typeOf(schema.items) : 'any'}`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return `map of ${typeOf(schema.additionalProperties)}`;
  }
  if (schema.format) return `${schema.type} (${schema.format})`;
  return schema.type ?? 'any';
}

function limits(schema: Schema): string[] {
  const pairs: [keyof Schema, string][] = [
    ['minimum', 'at least'],
    ['maximum', 'at most'],
    ['minLength', 'length ≥'],
    ['maxLength', 'length ≤'],
    ['minItems', 'items ≥'],
    ['maxItems', 'items ≤'],
    ['maxProperties', 'entries ≤'],
  ];
  return pairs
    .filter(([key]) => schema[key] !== undefined)
    .map(([key, words]) => `${words} ${String(schema[key])}`);
}

function ownRules(schema: Schema): string[] {
  const out: string[] = [];
  if (schema.enum) out.push(`one of ${schema.enum.map(code).join(', ')}`);
  if (schema.default !== undefined) out.push(`default ${code(schema.default)}`);
  if (schema.pattern) out.push(`matches ${code(schema.pattern)}`);
  return [...out, ...limits(schema)];
}

const isScalar = (schema: Schema): boolean => !schema.properties && !schema.items;

/** Rules on the items of a list of scalars, or the values of a map of scalars. */
function memberRules(schema: Schema): string[] {
  const values = schema.additionalProperties;
  const out: string[] = [];
  if (schema.items && isScalar(schema.items)) {
    const each = rules(schema.items);
    if (each.length) out.push(`each item: ${each.join(', ')}`);
  }
  if (typeof values === 'object' && isScalar(values)) {
    const each = rules(values);
    if (each.length) out.push(`each value: ${each.join(', ')}`);
  }
  return out;
}

function listRules(schema: Schema): string[] {
  const list = schema['x-kubernetes-list-type'];
  if (list === 'map')
    return [`unique by ${(schema['x-kubernetes-list-map-keys'] ?? []).join(', ')}`];
  return list === 'set' ? ['unique items'] : [];
}

function rules(schema: Schema): string[] {
  return [...ownRules(schema), ...memberRules(schema), ...listRules(schema)];
}

interface Row {
  path: string;
  schema: Schema;
  required: boolean;
}

/** The schema that holds the fields: an array's items, else the schema itself. */
function fieldsOf(schema: Schema, prefix: string): { node: Schema; at: string } {
  return schema.type === 'array' && schema.items
    ? { node: schema.items, at: `${prefix}[]` }
    : { node: schema, at: prefix };
}

/** Every field below `schema`, depth first, as `spec.targets[].regions`. */
function rows(schema: Schema, prefix: string): Row[] {
  const { node, at } = fieldsOf(schema, prefix);
  const out = Object.entries(node.properties ?? {}).flatMap(([name, child]) => [
    { path: `${at}.${name}`, schema: child, required: node.required?.includes(name) ?? false },
    ...rows(child, `${at}.${name}`),
  ]);
  const values = node.additionalProperties;
  if (typeof values === 'object' && !isScalar(values)) out.push(...rows(values, `${at}.*`));
  return out;
}

/** CEL rules anywhere in the tree, with the path they are attached to. */
function celRules(schema: Schema, at: string): string[] {
  const own = (schema['x-kubernetes-validations'] ?? []).map(
    (r) => `- \`${at}${r.fieldPath ?? ''}\`: ${r.message ?? r.rule}`,
  );
  const node = schema.type === 'array' && schema.items ? schema.items : schema;
  const prefix = schema.type === 'array' ? `${at}[]` : at;
  const items = (node === schema ? [] : (node['x-kubernetes-validations'] ?? [])).map(
    (r) => `- \`${prefix}${r.fieldPath ?? ''}\`: ${r.message ?? r.rule}`,
  );
  const children = Object.entries(node.properties ?? {}).flatMap(([name, child]) =>
    celRules(child, `${prefix}.${name}`),
  );
  return [...own, ...items, ...children];
}

/** Rules on the whole object (such as the spec's immutability), listed with the field they name. */
function objectRules(root: Schema, field: 'spec' | 'status'): string[] {
  return (root['x-kubernetes-validations'] ?? [])
    .filter((r) => (r.fieldPath ?? '.spec').startsWith(`.${field}`))
    .map((r) => `- \`${(r.fieldPath ?? '.spec').slice(1)}\`: ${r.message ?? r.rule}`);
}

function section(root: Schema, field: 'spec' | 'status'): string[] {
  const schema = root.properties?.[field];
  if (!schema) return [];
  const table = rows(schema, field).map(({ path: p, schema: s, required }) => {
    const description = cell(s.description ?? '');
    const validation = cell(rules(s).join('; '));
    return `| \`${p}\` | ${cell(typeOf(s))} | ${required ? 'yes' : ''} | ${description} | ${validation} |`;
  });
  const cel = [...objectRules(root, field), ...celRules(schema, field)];
  return [
    `### \`${field}\``,
    '',
    ...(schema.description ? [schema.description, ''] : []),
    '| field | type | required | description | validation |',
    '|---|---|---|---|---|',
    ...table,
    '',
    ...(cel.length ? [`Rules checked at admission (CEL):`, '', ...cel, ''] : []),
  ];
}

function kindSection(definition: KindDefinition): string[] {
  const crd = customResourceDefinition(definition) as {
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
  const columns = definition.printerColumns
    .map((c) => `\`${c.name}\`${c.priority ? ' (wide)' : ''}`)
    .join(', ');
  return [
    `## ${definition.kind}`,
    '',
    ...(root.description ? [root.description, ''] : []),
    `\`apiVersion: ${API_VERSION}\`, plural \`${definition.plural}\`, short name${definition.shortNames.length > 1 ? 's' : ''} ${definition.shortNames.map(code).join(', ')}, namespaced. \`kubectl get\` columns: ${columns}.`,
    '',
    ...section(root, 'spec'),
    ...section(root, 'status'),
  ];
}

export function apiReference(): string {
  const lines = [
    '# API reference',
    '',
    '<!-- Generated by `npm run docs:api` from the CRDs that crds/src generates. Do not edit by hand. -->',
    '',
    `Group \`pcm-ops.io\`, version \`v1alpha1\`; every kind is namespaced and in the category \`pcm-ops\` (\`kubectl get pcm-ops\`). \`kubectl explain\` shows the same descriptions. Fields are written as paths: \`[]\` is an item of a list, \`*\` a value of a map.`,
    '',
    ...KINDS.map((k) => `- [${k.kind}](#${k.kind.toLowerCase()})`),
    '',
    'The API server checks every field below at admission: a manifest that breaks a type, a bound or a rule is refused whole, with the field named, and nothing is stored. A field the schema does not know is refused too (`kubectl` validates strictly by default); with `kubectl apply --validate=false` the API server instead drops unknown fields silently and stores the rest, as it does for every CRD, so a misspelt optional field (`sussped: true`) then simply has no effect.',
    '',
    'Region fields take the regions of the partitions PCM-Ops reaches (`crds/src/regions.ts`, checked against the AWS SDK’s own list in its tests); a credential’s `defaultRegion` and `regions` must belong to its `partition`.',
    '',
    ...KINDS.flatMap(kindSection),
  ];
  return `${lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(OUTPUT, apiReference());
  console.log(`wrote ${path.relative(process.cwd(), OUTPUT)}`);
}
