import { describe, expect, it } from 'vitest';
import { plainOutput } from './output.js';

describe('plainOutput', () => {
  it.each([
    ['plain', 'plain'],
    ['\u001b[31mred\u001b[0m', 'red'],
    ['\u001b[1;32;40mbold green\u001b[m', 'bold green'],
    ['\u001b]0;title\u0007after', 'after'],
    ['<script>x</script>', '<script>x</script>'],
    ['bell\u0007 and esc\u001b', 'bell\ufffd and esc\ufffd'],
    ['tab\tand\nnewline\r\n', 'tab\tand\nnewline\r\n'],
  ])('turns %j into %j', (input, expected) => {
    expect(plainOutput(input)).toBe(expected);
  });
});
