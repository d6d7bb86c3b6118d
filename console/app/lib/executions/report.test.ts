import { describe, expect, it } from 'vitest';
import { batch } from './fixtures/detail-fixtures.js';
import { csvField, reportRows, toCsv } from './report.js';

describe('csvField', () => {
  it.each([
    ['plain', '"plain"'],
    ['say "hi"', '"say ""hi"""'],
    ['a,b\nc', '"a,b\nc"'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+1+1', `"'+1+1"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1', `"'\t=1"`],
    ['\r=1', `"'\r=1"`],
    [0, '"0"'],
    [-1, '"-1"'],
    [null, '""'],
    [true, '"true"'],
  ])('writes %j as %s', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe('reportRows and toCsv', () => {
  const batches = [
    batch(1, { region: 'us-east-1' }, [
      { instanceId: 'i-0000000000000003', status: 'Failed', exitCode: 2, output: '=cmd|calc' },
    ]),
    batch(0, {}, [
      { instanceId: 'i-0000000000000001', exitCode: 0, output: 'ok, "fine"\n' },
      {
        instanceId: 'i-0000000000000002',
        status: 'ExecutionTimedOut',
        statusDetails: 'Execution Timed Out',
      },
    ]),
  ];

  it('has one row per target in plan order with status and exit code', () => {
    const rows = reportRows(batches);
    expect(rows.map((r) => [r.instanceId, r.region, r.status, r.exitCode])).toEqual([
      ['i-0000000000000001', 'eu-west-1', 'Success', 0],
      ['i-0000000000000002', 'eu-west-1', 'ExecutionTimedOut', null],
      ['i-0000000000000003', 'us-east-1', 'Failed', 2],
    ]);
  });

  it('writes a header and one quoted line per target, neutralising formulas', () => {
    const csv = toCsv(reportRows(batches));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(
      '"instanceId","accountId","region","credential","target","status","statusDetails","exitCode","startedAt","finishedAt","output","outputTruncated"',
    );
    expect(lines[1]).toContain('"Success","","0","","","ok, ""fine""\n","false"');
    expect(lines[3]).toContain(`"Failed","","2","","","'=cmd|calc","false"`);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('shows a target not yet observed with its batch phase', () => {
    const planned = batch(0, {}, [{ instanceId: 'i-0000000000000009' }]);
    planned.status = { phase: 'Planned' };
    expect(reportRows([planned])[0]).toMatchObject({
      status: 'Planned',
      exitCode: null,
      output: '',
    });
  });
});
