import type { CloudCredential, HostInventory } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import type { DiscoveryAnswer } from '../executions/discovery.js';
import type { CredentialChoice } from '../executions/targets.js';
import {
  askingCredential,
  hostRows,
  inventoryRow,
  reachability,
  reachabilityText,
} from './inventory.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

const inventory = {
  apiVersion: 'pcm-ops.io/v1alpha1',
  kind: 'HostInventory',
  metadata: { name: 'lab', namespace: 'ops' },
  spec: {
    hosts: [
      { name: 'web-01', address: '10.0.0.1', port: 22, labels: { role: 'web', zone: 'a' } },
      { name: 'web-02', address: '10.0.0.2', port: 2222, labels: { role: 'web' }, hostKey: KEY },
      { name: 'db-01', address: 'db.lab', port: 22, bastion: 'web-01' },
    ],
  },
  status: {
    hosts: [
      {
        name: 'web-01',
        hostKey: KEY,
        fingerprint: 'SHA256:abc',
        firstSeenAt: '2026-05-01T10:00:00Z',
      },
    ],
  },
} as HostInventory;

const sshCredential = (name: string, namespace: string, inventoryName: string) =>
  ({
    metadata: { name, namespace },
    spec: { provider: 'ssh', ssh: { inventoryRef: { name: inventoryName } } },
  }) as CloudCredential;

describe('inventory views', () => {
  it('counts hosts, keys and the SSH credentials that reach the inventory', () => {
    const credentials = [
      sshCredential('lab-ops', 'ops', 'lab'),
      sshCredential('other', 'ops', 'elsewhere'),
      sshCredential('lab-ops', 'dev', 'lab'),
      {
        metadata: { name: 'prod', namespace: 'ops' },
        spec: { provider: 'aws' },
      } as CloudCredential,
    ];
    expect(inventoryRow(inventory, credentials)).toEqual({
      namespace: 'ops',
      name: 'lab',
      hosts: 3,
      pinned: 1,
      recorded: 1,
      credentials: ['lab-ops'],
    });
  });

  it('lists each host with its address, port, labels, bastion and key state', () => {
    expect(
      hostRows(inventory).map((h) => [h.name, h.address, h.port, h.labels, h.bastion, h.key.state]),
    ).toEqual([
      ['web-01', '10.0.0.1', 22, ['role=web', 'zone=a'], '', 'recorded'],
      ['web-02', '10.0.0.2', 2222, ['role=web'], '', 'pinned'],
      ['db-01', 'db.lab', 22, [], 'web-01', 'unseen'],
    ]);
  });
});

describe('reachability', () => {
  const choice = (name: string, ready: boolean): CredentialChoice => ({
    name,
    provider: 'ssh',
    accountId: 'lab',
    ready,
    reason: ready ? '' : 'not Ready: SecretNotFound',
    defaultRegion: '',
    regions: [],
  });
  const hosts = ['web-01', 'web-02'];
  const answer = (status: number, body: unknown): DiscoveryAnswer => ({
    query: { credential: 'lab-ops', accountId: 'lab', region: '', path: '/api/v1/x' },
    status,
    body,
  });

  it('asks through a Ready credential first', () => {
    expect(askingCredential([choice('b', true), choice('a', false)])?.name).toBe('b');
    expect(askingCredential([choice('b', false), choice('a', false)])?.name).toBe('a');
  });

  it.each([
    [
      'no credential',
      undefined,
      undefined,
      ['Unknown: no SSH credential reaches it', 'Unknown: no SSH credential reaches it'],
    ],
    [
      'a credential not Ready',
      choice('lab-ops', false),
      undefined,
      [
        'Unknown: lab-ops is not Ready: SecretNotFound',
        'Unknown: lab-ops is not Ready: SecretNotFound',
      ],
    ],
    ['no answer yet', choice('lab-ops', true), undefined, ['Checking…', 'Checking…']],
    [
      'a refusal',
      choice('lab-ops', true),
      answer(409, { error: 'CloudCredential "lab-ops" is not Ready' }),
      [
        'Unknown: CloudCredential "lab-ops" is not Ready',
        'Unknown: CloudCredential "lab-ops" is not Ready',
      ],
    ],
    [
      'the operator’s answer',
      choice('lab-ops', true),
      answer(200, {
        instances: [
          { instanceId: 'web-01', online: true },
          { instanceId: 'web-02', online: false },
        ],
      }),
      ['Online', 'Not answering'],
    ],
  ])('says how hosts answer with %s', (_, credential, given, texts) => {
    const reach = reachability(hosts, { credential, answer: given });
    expect(hosts.map((host) => reachabilityText(reach.get(host)))).toEqual(texts);
  });
});
