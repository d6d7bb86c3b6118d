// Tag selectors as people write them, one `Key=value1,value2` a line: read by the console's
// new-execution form and instances page, and by the operator's discovery API, which the instances
// page and the form's preview call with the tags the console read.
import type { TagSelector } from '@pcm-ops/crds';
import { describe, expect, it } from 'vitest';
import {
  emptyForm,
  targetsOf,
  type FormContext,
} from '../../console/app/lib/executions/execution-form.js';
import { discoveryPlan } from '../../console/app/lib/aws/instance-filters.js';
import type { CredentialChoice } from '../../console/app/lib/executions/targets.js';
import { selectorFrom } from '../../operator/src/api/discovery.js';

type Read = { ok: true; tags: TagSelector } | { ok: false; message: string };

const CASES: [lines: string[], expected: Read][] = [
  [['Role=web'], { ok: true, tags: { Role: ['web'] } }],
  [['Role=web,db', 'Env=prod'], { ok: true, tags: { Role: ['web', 'db'], Env: ['prod'] } }],
  [[' Role = web , db '], { ok: true, tags: { Role: ['web', 'db'] } }],
  [['Name=web server 1'], { ok: true, tags: { Name: ['web server 1'] } }],
  [['Role=web', '', '  '], { ok: true, tags: { Role: ['web'] } }],
  [['Path=a=b'], { ok: true, tags: { Path: ['a=b'] } }],
  [['Role=web', 'Role=db'], { ok: true, tags: { Role: ['db'] } }],
  [['Role'], { ok: false, message: 'tag 1 "Role" must read Key=value or Key=value1,value2' }],
  [['=web'], { ok: false, message: 'tag 1 "=web" must read Key=value or Key=value1,value2' }],
  [['Role='], { ok: false, message: 'tag 1 "Role=" must read Key=value or Key=value1,value2' }],
  [['Role=,'], { ok: false, message: 'tag 1 "Role=," must read Key=value or Key=value1,value2' }],
  [
    ['Env=prod', 'Role'],
    { ok: false, message: 'tag 2 "Role" must read Key=value or Key=value1,value2' },
  ],
];

const CREDENTIAL: CredentialChoice = {
  name: 'acct',
  accountId: '111100000000',
  ready: true,
  reason: '',
  defaultRegion: 'eu-west-1',
  regions: ['eu-west-1'],
};
const CONTEXT: FormContext = { namespace: 'ops', credentials: [CREDENTIAL], scripts: [] };

/** The operator's discovery API, given the lines as `tag` query values. */
function operatorRead(lines: string[]): Read {
  const selector = selectorFrom(new URLSearchParams(lines.map((line) => ['tag', line])));
  return selector.ok
    ? { ok: true, tags: selector.value.tags ?? {} }
    : { ok: false, message: selector.message };
}

/** The new-execution form, the lines in its Tags box (a platform filter, so none is needed). */
function formRead(lines: string[]): Read {
  const form = {
    ...emptyForm(),
    credentials: ['acct'],
    platforms: ['Linux'],
    tags: lines.join('\n'),
  };
  const targets = targetsOf(form, CONTEXT);
  if (!targets.ok) return { ok: false, message: targets.errors.map((e) => e.message).join('; ') };
  return { ok: true, tags: targets.targets[0]?.tags ?? {} };
}

/** The instances page: the lines as its filters, and what the operator reads from its query. */
function instancesRead(lines: string[]): Read {
  const filters = { credentials: [], regions: [], tags: lines, platforms: [], states: [] };
  const plan = discoveryPlan('ops', { ...filters, onlineOnly: false }, [CREDENTIAL]);
  if (plan.problems.length) return { ok: false, message: plan.problems[0]!.message };
  const query = new URL(plan.queries[0]!.path, 'http://operator').searchParams;
  const relayed = selectorFrom(query);
  return relayed.ok
    ? { ok: true, tags: relayed.value.tags ?? {} }
    : { ok: false, message: `relayed: ${relayed.message}` };
}

describe('tag selectors: the operator and the console read them alike', () => {
  it.each(CASES)('%j', (lines, expected) => {
    const operator = operatorRead(lines);
    expect(formRead(lines)).toEqual(operator);
    expect(instancesRead(lines)).toEqual(operator);
    expect(operator).toEqual(expected);
  });
});
