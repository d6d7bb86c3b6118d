import { describe, expect, it } from 'vitest';
import { machineWords } from './machines.js';

describe('machineWords', () => {
  it.each([
    [[], 'Instance', 'Account', 'Region'],
    [[undefined, 'aws'], 'Instance', 'Account', 'Region'],
    [['ssh', 'ssh'], 'Host', 'Inventory', null],
    [['ssh', undefined], 'Machine', 'Account or inventory', 'Region'],
  ] as const)('names rows of %j: %s in %s', (providers, machine, scope, region) => {
    expect(machineWords(providers)).toMatchObject({ machine, scope, region });
  });
});
