import { describe, expect, it } from 'vitest';
import { changeLabelValue } from './labels.js';

describe('changeLabelValue', () => {
  it.each([
    [undefined, undefined],
    ['CHG0012345', 'CHG0012345'],
    ['jira:OPS-42', 'jira-OPS-42'],
    ['https://tickets/x#1', 'https---tickets-x-1'],
    ['--x--', 'x'],
    ['#', undefined],
    ['a'.repeat(100), 'a'.repeat(63)],
  ])('%s → %s', (ref, label) => {
    expect(changeLabelValue(ref)).toBe(label);
  });
});
