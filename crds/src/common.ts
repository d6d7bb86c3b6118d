import { z } from 'zod';
import { ALL_REGIONS, REGION_MESSAGE, isRegion } from './regions.js';
import { withRules } from './rules.js';

export const GROUP = 'pcm-ops.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'pcm-ops';

/** RFC 1123 DNS subdomain, the rule for most Kubernetes object names. */
export const OBJECT_NAME_PATTERN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const ACCOUNT_ID_PATTERN = /^[0-9]{12}$/;
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$/;

export function objectName(description: string): z.ZodString {
  return z.string().min(1).max(253).regex(OBJECT_NAME_PATTERN).describe(description);
}

export const LocalObjectReference = z
  .object({ name: objectName('Name of the object in the same namespace.') })
  .describe('A reference to an object in the same namespace.');

export const AccountId = z
  .string()
  .max(12)
  .regex(ACCOUNT_ID_PATTERN)
  .describe('A 12-digit AWS account id.');

/**
 * A place's scope as the operator records it (status, batches): an AWS account id, or the name of
 * the HostInventory whose hosts an SSH credential reaches.
 */
export const Scope = z
  .string()
  .min(1)
  .max(253)
  .describe('The scope: an AWS account id, or a HostInventory of SSH hosts.');

/** A place's region or zone as the operator records it; empty where the provider has none. */
export const Zone = z
  .string()
  .max(64)
  .describe('The region (AWS) or zone; empty for SSH hosts, which have none.');

/** The provider of a place, as the operator records it in status and batches. */
export const RecordedProvider = z
  .string()
  .max(32)
  .optional()
  .describe('The credential’s provider (aws when absent).');

/** A machine as a target names it: an EC2 instance id, a managed node id, a host's name. */
export const MACHINE_ID_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._:-]{0,251}[A-Za-z0-9])?$/;

/** A region code as the operator records it (status, batches): its shape only. */
export const RegionCode = z
  .string()
  .max(32)
  .regex(REGION_PATTERN)
  .describe('An AWS region code, for example eu-west-1.');

/** A region a person names (credentials, targets): one of the regions of a partition. */
export const Region = RegionCode.refine(isRegion, { message: REGION_MESSAGE })
  .meta({ enum: [...ALL_REGIONS] })
  .describe('An AWS region, for example eu-west-1.');

const Time = z.string().describe('An RFC 3339 timestamp.').meta({ format: 'date-time' });

export function timestamp(description: string): z.ZodOptional<z.ZodString> {
  return Time.describe(description).optional();
}

/** metav1.Condition, as every Kubernetes API uses it. */
export const Condition = z
  .object({
    type: z.string().max(316).describe('Type of the condition, in CamelCase (for example Ready).'),
    status: z
      .enum(['True', 'False', 'Unknown'])
      .describe('Status of the condition: True, False or Unknown.'),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The .metadata.generation the condition was set for.'),
    lastTransitionTime: Time.describe('When the condition last changed status.'),
    reason: z
      .string()
      .max(1024)
      .describe('A CamelCase reason for the last transition, for tools and filters.'),
    message: z
      .string()
      .max(32768)
      .describe('A human-readable message with details of the last transition.'),
  })
  .describe('One aspect of the current state of the object.');

export type Condition = z.infer<typeof Condition>;

export function conditions(description: string): z.ZodOptional<z.ZodArray<typeof Condition>> {
  return z
    .array(Condition)
    .max(32)
    .meta({
      description,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    })
    .optional();
}

/** The part of the object metadata our schemas look at; the API server validates the rest. */
export const ObjectMeta = z
  .looseObject({
    name: z.string().optional(),
    namespace: z.string().optional(),
    uid: z.string().optional(),
    generation: z.number().optional(),
    resourceVersion: z.string().optional(),
    creationTimestamp: z.string().optional(),
    deletionTimestamp: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
    finalizers: z.array(z.string()).optional(),
    ownerReferences: z.array(z.looseObject({})).optional(),
  })
  .describe('Standard object metadata.');

/**
 * A count or a percentage, as SSM takes MaxConcurrency and MaxErrors: `10`, `"10"` or `"10%"`.
 * Kubernetes stores it as int-or-string; one rule checks its form at admission and in the console.
 */
export function countOrPercent(description: string, minimum: 0 | 1): z.ZodType<number | string> {
  const pattern =
    minimum === 0 ? '^([0-9]+|[0-9]{1,2}%|100%)$' : '^([1-9][0-9]*|[1-9][0-9]?%|100%)$';
  const regex = new RegExp(pattern);
  const message =
    minimum === 0
      ? 'must be a whole number or a percentage from 0% to 100%, such as 10%'
      : 'must be a whole number of at least 1 or a percentage from 1% to 100%, such as 10%';
  const schema = z
    .union([z.number().int(), z.string()])
    .meta({ description, 'x-kubernetes-int-or-string': true, maxLength: 8 });
  return withRules(schema, [
    {
      cel: `type(self) == int ? self >= ${minimum} : self.matches('${pattern}')`,
      message,
      check: (value) => (typeof value === 'number' ? value >= minimum : regex.test(value)),
    },
  ]);
}

export type CountOrPercent = number | string;
