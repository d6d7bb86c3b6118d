import { describe, expect, it } from 'vitest';
import { describeProblem, parseTargetsCsv } from './csv-targets.js';

const A = '111122223333';
const I1 = 'i-0123456789abcdef0';
const I2 = 'i-00000000000000aa1';

describe('parseTargetsCsv', () => {
  it.each([
    ['without a header', `${A},eu-west-1,${I1}\n${A},us-east-1,${I2}`],
    ['with a header', `account,region,instanceId\n${A},eu-west-1,${I1}\n${A},us-east-1,${I2}`],
    [
      'with quotes, spaces, CRLF and blank lines',
      `"Account ID","Region","Instance ID"\r\n\r\n "${A}" , eu-west-1 ,"${I1}"\r\n${A},us-east-1,${I2}\r\n`,
    ],
  ])('reads account,region,instanceId lines %s', (_, text) => {
    const parsed = parseTargetsCsv(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.targets.map((t) => [t.accountId, t.region, t.instanceId])).toEqual([
      [A, 'eu-west-1', I1],
      [A, 'us-east-1', I2],
    ]);
  });

  it('keeps a repeated line once', () => {
    expect(parseTargetsCsv(`${A},eu-west-1,${I1}\n${A},eu-west-1,${I1}`).targets).toHaveLength(1);
  });

  it.each([
    [`${A},eu-west-1`, 'line 1: expected 3 columns (account,region,instanceId), found 2'],
    [
      `${A},eu-west-1,${I1},extra`,
      'line 1: expected 3 columns (account,region,instanceId), found 4',
    ],
    [
      `12345,eu-west-1,${I1}`,
      'line 1, column 1: account is "12345"; expected a 12-digit AWS account id',
    ],
    [
      `${A},europe,${I1}`,
      'line 1, column 2: region is "europe"; expected an AWS region code such as eu-west-1',
    ],
    [
      `${A},eu-west-1,`,
      'line 1, column 3: instanceId is empty; expected an instance id such as i-0123456789abcdef0',
    ],
  ])('names the line and column of %j', (text, message) => {
    expect(parseTargetsCsv(text).problems.map(describeProblem)).toEqual([message]);
  });

  it('counts lines as a person reads them, header and blank lines included', () => {
    const text = `account,region,instanceId\n${A},eu-west-1,${I1}\n\n${A},eu-west-1,i-nope`;
    expect(parseTargetsCsv(text).problems.map(describeProblem)).toEqual([
      'line 4, column 3: instanceId is "i-nope"; expected an instance id such as i-0123456789abcdef0',
    ]);
  });
});
