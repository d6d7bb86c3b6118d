import { z } from 'zod';
import { API_VERSION, CATEGORY, GROUP, VERSION } from './common.js';

type JsonSchema = Record<string, unknown>;

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description: string;
  priority?: number;
}

/** What the generator needs to know about one kind besides its schema. */
export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  schema: z.ZodObject;
  printerColumns: PrinterColumn[];
  /** A tighter limit on metadata.name than Kubernetes' 253 characters, enforced at admission. */
  maxNameLength?: number;
}

const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

function isRecord(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod spells int-or-string as anyOf; Kubernetes wants exactly this form with its marker. */
function intOrString(node: JsonSchema): JsonSchema {
  const rest = { ...node };
  delete rest.type;
  return { ...rest, anyOf: [{ type: 'integer' }, { type: 'string' }] };
}

/** Drops what zod adds but a structural schema does not want, recursively. */
function structural(node: JsonSchema): JsonSchema {
  if (node['x-kubernetes-int-or-string'] === true) return intOrString(node);
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || (key === 'additionalProperties' && value === false)) continue;
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === SAFE_INTEGER)
      continue;
    out[key] = convert(value);
  }
  return out;
}

function convert(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convert);
  return isRecord(value) ? structural(value) : value;
}

/** The openAPIV3Schema of a kind, from its zod schema. */
export function openApiSchema(schema: z.ZodObject, maxNameLength?: number): JsonSchema {
  const json = structural(
    z.toJSONSchema(schema, {
      target: 'openapi-3.0',
      io: 'input',
      unrepresentable: 'throw',
    }) as JsonSchema,
  );
  const properties = json.properties as Record<string, JsonSchema>;
  return {
    ...json,
    properties: {
      ...properties,
      apiVersion: {
        type: 'string',
        description: `APIVersion defines the versioned schema of this representation of an object: ${API_VERSION}.`,
      },
      kind: {
        type: 'string',
        description:
          'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: maxNameLength
        ? {
            type: 'object',
            properties: {
              name: {
                type: 'string',
                maxLength: maxNameLength,
                description: `Name of the object: at most ${maxNameLength} characters.`,
              },
            },
          }
        : { type: 'object' },
    },
    required: ['spec'],
  };
}

/** A complete apiextensions.k8s.io/v1 CustomResourceDefinition for one kind. */
export function customResourceDefinition(definition: KindDefinition): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: definition.shortNames,
        categories: [CATEGORY],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.printerColumns,
          schema: {
            openAPIV3Schema: openApiSchema(definition.schema, definition.maxNameLength),
          },
        },
      ],
    },
  };
}
