import { describe, expect, it } from 'vitest';
import { hostKeyState, hostKeyText } from './host-keys.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq0p1NYHn0u8aCDGKsd6I5CrL8iqRyPNhKSx6i2TtS2';
const FINGERPRINT = 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU';
const recorded = (hostKey: string) => ({
  hosts: [
    { name: 'web-01', hostKey, fingerprint: FINGERPRINT, firstSeenAt: '2026-05-01T10:00:00Z' },
  ],
});

describe('hostKeyState', () => {
  it.each([
    [
      'a key pinned in the spec',
      { hostKey: KEY },
      undefined,
      { state: 'pinned', keyType: 'ssh-ed25519' },
    ],
    [
      'a pinned key the operator recorded too (its comment aside)',
      { hostKey: `${KEY} root@web-01` },
      recorded(KEY),
      { state: 'pinned', keyType: 'ssh-ed25519', fingerprint: FINGERPRINT },
    ],
    [
      'a pinned key that replaced the one recorded',
      { hostKey: OTHER },
      recorded(KEY),
      { state: 'pinned', keyType: 'ssh-ed25519' },
    ],
    [
      'a key trusted on first use',
      {},
      recorded(KEY),
      {
        state: 'recorded',
        keyType: 'ssh-ed25519',
        fingerprint: FINGERPRINT,
        firstSeenAt: '2026-05-01T10:00:00Z',
      },
    ],
    ['a host never reached', {}, { hosts: [] }, { state: 'unseen' }],
    ['an inventory without status', {}, undefined, { state: 'unseen' }],
  ])('reads %s', (_, host, status, state) => {
    expect(hostKeyState({ name: 'web-01', ...host }, status)).toEqual(state);
  });

  it.each([
    [{ state: 'pinned', keyType: 'ssh-ed25519' } as const, 'Pinned in the inventory (ssh-ed25519)'],
    [
      {
        state: 'recorded',
        keyType: 'ssh-ed25519',
        fingerprint: FINGERPRINT,
        firstSeenAt: '2026-05-01T10:00:00Z',
      } as const,
      `Recorded on first use: ssh-ed25519 ${FINGERPRINT}, first seen 2026-05-01T10:00:00Z`,
    ],
    [{ state: 'unseen' } as const, 'Not yet seen'],
  ])('says %j in words', (state, text) => {
    expect(hostKeyText(state)).toBe(text);
  });
});
