import { describe, expect, it } from 'vitest';
import type { Instance, Location } from '../providers/types.js';
import { chunk, planBatches, type TargetGroup } from './plan.js';

function location(accountId: string, region = 'eu-west-1', credential = 'prod'): Location {
  return { accountId, region, credential };
}

function instances(count: number, prefix = 'i-0'): Instance[] {
  return Array.from({ length: count }, (_, n) => ({
    instanceId: `${prefix}${n.toString(16).padStart(16, '0')}`,
    platform: 'Linux',
    state: 'running',
  }));
}

function ids(...suffixes: string[]): Instance[] {
  return suffixes.map((s) => ({ instanceId: `i-${s}`, platform: 'Linux', state: 'running' }));
}

describe('chunk', () => {
  it.each<[number, number, number[]]>([
    [0, 50, []],
    [1, 50, [1]],
    [50, 50, [50]],
    [51, 50, [50, 1]],
    [120, 50, [50, 50, 20]],
    [7, 3, [3, 3, 1]],
  ])('%i items in chunks of %i have sizes %j', (count, size, sizes) => {
    const items = Array.from({ length: count }, (_, n) => n);
    const chunks = chunk(items, size);
    expect(chunks.map((c) => c.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(items);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])('throws on size %j', (size) => {
    expect(() => chunk([1], size)).toThrow(RangeError);
  });
});

describe('planBatches', () => {
  it.each<[number, number[]]>([
    [0, []],
    [1, [1]],
    [50, [50]],
    [51, [50, 1]],
    [120, [50, 50, 20]],
  ])('cuts %i instances in one location into batches of %j', (count, sizes) => {
    const batches = planBatches([
      { location: location('111111111111'), instances: instances(count) },
    ]);
    expect(batches.map((b) => b.instanceIds.length)).toEqual(sizes);
    expect(batches.map((b) => b.index)).toEqual(sizes.map((_, n) => n));
    expect(batches.flatMap((b) => b.instanceIds)).toEqual(
      instances(count).map((i) => i.instanceId),
    );
  });

  it('orders by target, then account, region and instance id', () => {
    const groups: TargetGroup[] = [
      {
        targetName: 'web',
        location: location('222222222222', 'us-east-1'),
        instances: ids('b', 'a'),
      },
      { targetName: 'db', location: location('111111111111'), instances: ids('c') },
      { targetName: 'web', location: location('111111111111', 'us-east-1'), instances: ids('d') },
      { targetName: 'web', location: location('111111111111', 'eu-west-1'), instances: ids('e') },
    ];
    const plan = planBatches(groups).map((b) => [
      b.index,
      b.targetName,
      b.location.accountId,
      b.location.region,
      b.instanceIds,
    ]);
    expect(plan).toEqual([
      [0, 'web', '111111111111', 'eu-west-1', ['i-e']],
      [1, 'web', '111111111111', 'us-east-1', ['i-d']],
      [2, 'web', '222222222222', 'us-east-1', ['i-a', 'i-b']],
      [3, 'db', '111111111111', 'eu-west-1', ['i-c']],
    ]);
  });

  it('gives the same plan whatever order the instances and groups of a target come in', () => {
    const a: TargetGroup = {
      targetName: 't',
      location: location('111111111111'),
      instances: ids('3', '1', '2'),
    };
    const b: TargetGroup = {
      targetName: 't',
      location: location('222222222222'),
      instances: ids('9', '8'),
    };
    const shuffled: TargetGroup = { ...a, instances: [...a.instances].reverse() };
    expect(planBatches([a, b])).toEqual(planBatches([b, shuffled]));
  });

  it.each<[string, TargetGroup[], [string | undefined, string[]][]]>([
    [
      'runs an instance listed by two targets once, in the first',
      [
        { targetName: 'first', location: location('111111111111'), instances: ids('a', 'b') },
        { targetName: 'second', location: location('111111111111'), instances: ids('b', 'c') },
      ],
      [
        ['first', ['i-a', 'i-b']],
        ['second', ['i-c']],
      ],
    ],
    [
      'runs an instance listed twice in one group once',
      [{ targetName: 'only', location: location('111111111111'), instances: ids('a', 'a', 'b') }],
      [['only', ['i-a', 'i-b']]],
    ],
    [
      'keeps the same instance id in another region',
      [
        { targetName: 'x', location: location('111111111111', 'eu-west-1'), instances: ids('a') },
        { targetName: 'y', location: location('111111111111', 'us-east-1'), instances: ids('a') },
      ],
      [
        ['x', ['i-a']],
        ['y', ['i-a']],
      ],
    ],
    [
      'runs an instance reached through two credentials once',
      [
        {
          targetName: 'x',
          location: location('111111111111', 'eu-west-1', 'a'),
          instances: ids('a'),
        },
        {
          targetName: 'y',
          location: location('111111111111', 'eu-west-1', 'b'),
          instances: ids('a', 'b'),
        },
      ],
      [
        ['x', ['i-a']],
        ['y', ['i-b']],
      ],
    ],
    [
      'drops a group left empty by duplicates',
      [
        { targetName: 'x', location: location('111111111111'), instances: ids('a') },
        { targetName: 'y', location: location('111111111111'), instances: ids('a') },
      ],
      [['x', ['i-a']]],
    ],
    [
      'keeps unnamed groups in the order given, without a targetName',
      [
        { location: location('222222222222'), instances: ids('a') },
        { location: location('111111111111'), instances: ids('b') },
      ],
      [
        [undefined, ['i-a']],
        [undefined, ['i-b']],
      ],
    ],
  ])('%s', (_, groups, expected) => {
    const batches = planBatches(groups);
    expect(batches.map((b) => [b.targetName, b.instanceIds])).toEqual(expected);
    expect(batches.map((b) => b.index)).toEqual(expected.map((__, n) => n));
    for (const b of batches)
      if (b.targetName === undefined) expect(b).not.toHaveProperty('targetName');
  });

  it('fills batches across groups of the same target and location', () => {
    const place = location('111111111111');
    const batches = planBatches([
      { targetName: 't', location: place, instances: instances(30, 'i-a') },
      { targetName: 't', location: place, instances: instances(30, 'i-b') },
    ]);
    expect(batches.map((b) => b.instanceIds.length)).toEqual([50, 10]);
  });

  it('honours a smaller batch size and refuses one SendCommand cannot take', () => {
    const group = { location: location('111111111111'), instances: instances(5) };
    expect(planBatches([group], 2).map((b) => b.instanceIds.length)).toEqual([2, 2, 1]);
    expect(() => planBatches([group], 51)).toThrow(RangeError);
    expect(() => planBatches([group], 0)).toThrow(RangeError);
  });
});
