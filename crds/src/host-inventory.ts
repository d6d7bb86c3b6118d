import { z } from 'zod';
import { ObjectMeta, conditions, timestamp } from './common.js';
import { rejectDuplicateNames, withRules } from './rules.js';

/** A host's name: what targets list in ids, and what status and batches record. */
export const HOST_NAME_PATTERN = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;
/** An OpenSSH public key line: its type and base64 blob (a comment may follow). */
export const HOST_KEY_PATTERN =
  /^(ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const ADDRESS_PATTERN = /^[A-Za-z0-9.:_-]+$/;
const LABEL_KEY_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,126}[A-Za-z0-9])?$/;
/** Hosts one inventory holds: bastion rules compare hosts pairwise, within the API server's CEL budget. */
export const INVENTORY_HOSTS_MAX = 200;

const Host = withRules(
  z
    .object({
      name: z
        .string()
        .max(63)
        .regex(HOST_NAME_PATTERN, {
          message: 'must be lowercase letters, digits, - and . (63 at most)',
        })
        .describe('The host’s name in PCM-Ops: targets list it in ids; status shows it.'),
      address: z
        .string()
        .min(1)
        .max(253)
        .regex(ADDRESS_PATTERN, { message: 'must be a DNS name or an IP address' })
        .describe('DNS name or IP address to connect to.'),
      port: z.number().int().min(1).max(65535).default(22).describe('SSH port.'),
      labels: z
        .record(z.string().max(128).regex(LABEL_KEY_PATTERN), z.string().max(256))
        .meta({
          description: 'Labels that targets select hosts by (spec.targets[].tags).',
          maxProperties: 32,
        })
        .optional(),
      hostKey: z
        .string()
        .max(8192)
        .regex(HOST_KEY_PATTERN, {
          message: 'must be an OpenSSH public key line such as ssh-ed25519 AAAA…',
        })
        .optional()
        .describe(
          'The host’s public key, pinned: any other key is refused. Without it the credential’s hostKeyPolicy decides.',
        ),
      bastion: z
        .string()
        .max(63)
        .optional()
        .describe(
          'Another host of this inventory to jump through (as OpenSSH’s ProxyJump); its key is verified too.',
        ),
    })
    .describe('One Linux host reached over SSH.'),
  [
    {
      cel: '!has(self.bastion) || self.bastion != self.name',
      message: 'a host cannot be its own bastion',
      fieldPath: '.bastion',
      check: (h) => h.bastion !== h.name,
    },
  ],
);

export const HostInventorySpec = withRules(
  z
    .object({
      hosts: z
        .array(Host)
        .min(1)
        .max(INVENTORY_HOSTS_MAX)
        .superRefine(rejectDuplicateNames)
        .meta({
          description: 'The hosts.',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        }),
    })
    .describe('Linux hosts that SSH credentials reach.'),
  [
    {
      cel: 'self.hosts.all(h, !has(h.bastion) || self.hosts.exists(b, b.name == h.bastion && !has(b.bastion)))',
      message: 'a bastion must be another host of this inventory, itself reached directly',
      fieldPath: '.hosts',
      check: (spec) =>
        spec.hosts.every(
          (h) =>
            h.bastion === undefined ||
            spec.hosts.some((b) => b.name === h.bastion && b.bastion === undefined),
        ),
    },
  ],
);

const HostStatus = z
  .object({
    name: z.string().max(63).describe('The host.'),
    hostKey: z
      .string()
      .max(8192)
      .optional()
      .describe(
        'The key the host presented when first reached (trust on first use), or its pinned key.',
      ),
    fingerprint: z.string().max(128).optional().describe('SHA256 fingerprint of that key.'),
    firstSeenAt: timestamp('When the key was first recorded.'),
  })
  .describe('What the operator learnt about one host.');

export const HostInventoryStatus = z
  .object({
    hosts: z
      .array(HostStatus)
      .max(INVENTORY_HOSTS_MAX)
      .optional()
      .meta({
        description: 'Host keys recorded on first use, by host.',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
    conditions: conditions('Ready.'),
  })
  .describe('What the operator recorded about the hosts.');

export const HostInventorySchema = z
  .object({
    apiVersion: z.literal('pcm-ops.io/v1alpha1').describe('pcm-ops.io/v1alpha1'),
    kind: z.literal('HostInventory').describe('HostInventory'),
    metadata: ObjectMeta,
    spec: HostInventorySpec,
    status: HostInventoryStatus.optional(),
  })
  .describe(
    'Linux hosts (on premises, in any cloud) that SSH CloudCredentials reach: addresses, labels, pinned keys, bastions.',
  );

export type HostInventory = z.output<typeof HostInventorySchema>;
export type InventoryHost = z.output<typeof Host>;
export type HostInventoryStatus = z.output<typeof HostInventoryStatus>;
