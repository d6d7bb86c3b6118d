import { describe, expect, it } from 'vitest';
import { diffStat, groupByOutput, groupsView, outputDiff } from './output-groups.js';

describe('groupByOutput', () => {
  it('groups identical outputs with their instances, largest group first', () => {
    const groups = groupByOutput([
      { instanceId: 'i-1', output: 'kernel 6.1\n' },
      { instanceId: 'i-2', output: 'kernel 5.10\n' },
      { instanceId: 'i-3', output: 'kernel 6.1\n' },
      { instanceId: 'i-4', output: '' },
      { instanceId: 'i-5', output: 'kernel 6.1\n', truncated: true },
    ]);
    expect(groups.map((g) => [g.output, g.instanceIds, g.truncated])).toEqual([
      ['kernel 6.1\n', ['i-1', 'i-3', 'i-5'], true],
      ['', ['i-4'], false],
      ['kernel 5.10\n', ['i-2'], false],
    ]);
  });

  it('treats outputs that differ only in whitespace as different', () => {
    const groups = groupByOutput([
      { instanceId: 'i-1', output: 'ok' },
      { instanceId: 'i-2', output: 'ok\n' },
    ]);
    expect(groups).toHaveLength(2);
  });

  it('gives no groups for no targets', () => {
    expect(groupByOutput([])).toEqual([]);
  });
});

describe('outputDiff', () => {
  it('shows the lines removed from and added to the base', () => {
    const parts = outputDiff('a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(parts).toEqual([
      { kind: 'same', text: 'a\n' },
      { kind: 'removed', text: 'b\n' },
      { kind: 'added', text: 'B\n' },
      { kind: 'same', text: 'c\n' },
      { kind: 'added', text: 'd\n' },
    ]);
    expect(diffStat(parts)).toEqual({ added: 2, removed: 1 });
  });

  it('is one unchanged part for identical outputs', () => {
    expect(outputDiff('same\n', 'same\n')).toEqual([{ kind: 'same', text: 'same\n' }]);
    expect(diffStat(outputDiff('same\n', 'same\n'))).toEqual({ added: 0, removed: 0 });
  });

  it('counts a last line without a newline', () => {
    expect(diffStat(outputDiff('', 'one\ntwo'))).toEqual({ added: 2, removed: 0 });
  });
});

describe('groupsView', () => {
  const samples = [
    { instanceId: 'i-1', output: 'ok\n' },
    { instanceId: 'i-2', output: 'ok\n' },
    { instanceId: 'i-3', output: 'ok\n' },
    { instanceId: 'i-4', output: 'ok\nwarning: low disk\n' },
    { instanceId: 'i-5', output: 'fail\n' },
    { instanceId: 'i-6', output: 'other\n' },
  ];

  it('diffs every group but the largest against the largest, within the limits', () => {
    const view = groupsView(samples, { groups: 3, members: 2 });
    expect(view.groups.map((g) => [g.count, g.instanceIds, g.stat])).toEqual([
      [3, ['i-1', 'i-2'], undefined],
      [1, ['i-5'], { added: 1, removed: 1 }],
      [1, ['i-4'], { added: 1, removed: 0 }],
    ]);
    expect(view.groups[2]?.diff).toEqual([
      { kind: 'same', text: 'ok\n' },
      { kind: 'added', text: 'warning: low disk\n' },
    ]);
    expect(view).toMatchObject({ moreGroups: 1, moreTargets: 1 });
  });
});
