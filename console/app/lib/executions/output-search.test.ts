import { describe, expect, it } from 'vitest';
import { findMatches, pieces, stepMatch } from './output-search.js';

describe('findMatches', () => {
  it.each([
    ['error: disk full\nERROR: again', 'error', [0, 17]],
    ['aaaa', 'aa', [0, 2]],
    ['nothing here', 'missing', []],
    ['anything', '', []],
    ['<b>x</b>', '<b>', [0]],
  ])('finds %j in %j at %j', (text, query, expected) => {
    expect(findMatches(text, query)).toEqual(expected);
  });

  it('stops at the limit', () => {
    expect(findMatches('x'.repeat(100), 'x', 10)).toHaveLength(10);
  });
});

describe('pieces', () => {
  it('cuts text into plain and matching pieces that rebuild it', () => {
    const text = 'one error, two Errors';
    const cut = pieces(text, findMatches(text, 'error'), 5);
    expect(cut).toEqual([
      { text: 'one ', match: -1 },
      { text: 'error', match: 0 },
      { text: ', two ', match: -1 },
      { text: 'Error', match: 1 },
      { text: 's', match: -1 },
    ]);
    expect(cut.map((p) => p.text).join('')).toBe(text);
  });

  it('is the whole text when nothing matches', () => {
    expect(pieces('plain', [], 3)).toEqual([{ text: 'plain', match: -1 }]);
  });
});

describe('stepMatch', () => {
  it.each([
    [0, 1, 3, 1],
    [2, 1, 3, 0],
    [0, -1, 3, 2],
    [-1, 1, 3, 0],
    [0, 1, 0, -1],
  ] as const)('from %d step %d of %d is %d', (current, step, count, expected) => {
    expect(stepMatch(current, step, count)).toBe(expected);
  });
});
