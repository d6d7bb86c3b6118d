import { describe, expect, it } from 'vitest';
import {
  EMPTY_SSH_FORM,
  planSshCredential,
  sshCredentialFormFromData,
  sshFieldOf,
  withoutSshSecrets,
  type SshCredentialForm,
} from './credential-form.js';

const KEY = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

const form = (changes: Partial<SshCredentialForm> = {}): SshCredentialForm => ({
  ...EMPTY_SSH_FORM,
  name: 'lab-ops',
  namespace: 'ops',
  inventory: 'lab',
  user: 'ops',
  privateKey: KEY,
  ...changes,
});

describe('planSshCredential', () => {
  it('builds an SSH credential whose pasted key goes into a Secret of its own', () => {
    const { plan } = planSshCredential(form({ sudo: true, connectTimeoutSeconds: '30' }), ['lab']);
    expect(plan?.credential).toEqual({
      apiVersion: 'pcm-ops.io/v1alpha1',
      kind: 'CloudCredential',
      metadata: { name: 'lab-ops', namespace: 'ops' },
      spec: {
        provider: 'ssh',
        ssh: {
          user: 'ops',
          privateKeySecretRef: { name: 'lab-ops-ssh-key' },
          inventoryRef: { name: 'lab' },
          sudo: true,
          hostKeyPolicy: 'AcceptNew',
          connectTimeoutSeconds: 30,
        },
      },
    });
    expect(plan?.secret).toMatchObject({
      metadata: { name: 'lab-ops-ssh-key', namespace: 'ops' },
      stringData: { privateKey: KEY },
    });
    expect(plan?.secret?.stringData).not.toHaveProperty('passphrase');
  });

  it('names an existing Secret without creating one', () => {
    const { plan } = planSshCredential(
      form({ keySource: 'secret', privateKey: '', secretName: 'ops-key', privateKeyKey: 'id' }),
      ['lab'],
    );
    expect(plan?.credential.spec.ssh?.privateKeySecretRef).toEqual({
      name: 'ops-key',
      privateKeyKey: 'id',
    });
    expect(plan?.secret).toBeUndefined();
  });

  it.each([
    [{ name: '' }, 'name', 'Name: required'],
    [{ inventory: '' }, 'inventory', 'Inventory: choose the HostInventory to reach'],
    [{ inventory: 'gone' }, 'inventory', 'Inventory: no HostInventory named gone in namespace ops'],
    [{ user: '' }, 'user', 'Login user: required'],
    [
      { user: 'Root' },
      'user',
      'Login user: must be a login name: a lowercase letter or _, then letters, digits, _ or -',
    ],
    [
      { privateKey: 'ssh-ed25519 AAAA' },
      'privateKey',
      'Private key: paste the whole key, from its -----BEGIN … PRIVATE KEY----- line to its END line',
    ],
    [
      { keySource: 'secret' as const, secretName: '' },
      'secretName',
      'Key Secret: name the Secret that holds the private key',
    ],
    [
      { connectTimeoutSeconds: '0' },
      'connectTimeoutSeconds',
      'Connect timeout: a whole number from 1 to 300',
    ],
    [
      { maxConcurrentHosts: 'lots' },
      'maxConcurrentHosts',
      'Hosts at once: a whole number from 1 to 500',
    ],
  ])('refuses %j at the field %s, in words', (changes, field, message) => {
    const planned = planSshCredential(form(changes), ['lab']);
    expect(planned.plan).toBeUndefined();
    expect(planned.errors[field]).toBe(message);
  });

  it('places API paths on the fields that show them', () => {
    expect(sshFieldOf('spec.ssh.user')).toBe('user');
    expect(sshFieldOf('spec.ssh.privateKeySecretRef.name', 'paste')).toBe('privateKey');
    expect(sshFieldOf('spec.ssh.privateKeySecretRef.name', 'secret')).toBe('secretName');
    expect(sshFieldOf('spec.ssh.inventoryRef.name')).toBe('inventory');
    expect(sshFieldOf('metadata.name')).toBe('name');
    expect(sshFieldOf('spec.provider')).toBe('form');
  });
});

describe('the posted form', () => {
  it('reads a post, and never echoes the key or its passphrase', () => {
    const data = new FormData();
    for (const [key, value] of Object.entries({
      name: 'lab-ops',
      namespace: 'ops',
      inventory: 'lab',
      user: 'ops',
      keySource: 'paste',
      privateKey: KEY,
      passphrase: 'hunter2',
      hostKeyPolicy: 'Pinned',
      sudo: 'on',
    }))
      data.set(key, value);
    const read = sshCredentialFormFromData(data);
    expect(read).toMatchObject({ sudo: true, hostKeyPolicy: 'Pinned', privateKey: KEY });
    expect(withoutSshSecrets(read)).toMatchObject({ privateKey: '', passphrase: '' });
  });
});
