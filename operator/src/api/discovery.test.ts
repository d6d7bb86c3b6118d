import { describe, expect, it } from 'vitest';
import { MAX_INSTANCE_IDS, selectorFrom } from './discovery.js';

const parse = (query: string): ReturnType<typeof selectorFrom> =>
  selectorFrom(new URLSearchParams(query));

describe('selectorFrom', () => {
  it.each([
    ['', { onlineOnly: false }],
    [
      'tag=Role=web,db&tag=Env=prod&onlineOnly=true',
      { onlineOnly: true, tags: { Role: ['web', 'db'], Env: ['prod'] } },
    ],
    [
      'platform=Windows&state=running,stopped',
      { onlineOnly: false, platforms: ['Windows'], states: ['running', 'stopped'] },
    ],
    [
      'instanceId=i-0123456789abcdef0,i-00000000aaaaaaaa1&instanceId=mi-0123456789abcdef0',
      {
        onlineOnly: false,
        instanceIds: ['i-0123456789abcdef0', 'i-00000000aaaaaaaa1', 'mi-0123456789abcdef0'],
      },
    ],
  ])('reads %j as a target selector', (query, selector) => {
    expect(parse(query)).toEqual({ ok: true, value: selector });
  });

  it.each([
    ['tag=Role', 'tag 1 "Role" must read Key=value or Key=value1,value2'],
    ['tag==web', 'tag 1 "=web" must read Key=value or Key=value1,value2'],
    ['platform=Mac', 'platform must be one of Linux, Windows'],
    ['state=gone', 'state must be one of pending, running, stopping, stopped'],
    ['instanceId=i-xyz', 'instanceId "i-xyz" is not an instance id'],
  ])('refuses %j, naming the parameter', (query, message) => {
    expect(parse(query)).toEqual({ ok: false, message });
  });

  it.each([
    ['instanceId=web-01,db.lab&tag=role=web', { instanceIds: ['web-01', 'db.lab'] }],
    ['instanceId=web-01', { instanceIds: ['web-01'] }],
  ])('reads host names for an SSH credential: %j', (query, selector) => {
    expect(selectorFrom(new URLSearchParams(query), 'ssh')).toMatchObject({
      ok: true,
      value: selector,
    });
  });

  it.each([
    ['ssh', 'instanceId=Web_01', 'instanceId "Web_01" is not a host name'],
    ['ssh', 'instanceId=-web', 'instanceId "-web" is not a host name'],
    ['aws', 'instanceId=web-01', 'instanceId "web-01" is not an instance id'],
  ] as const)(
    'for provider %s refuses %j, naming what the ids must be',
    (provider, query, message) => {
      expect(selectorFrom(new URLSearchParams(query), provider)).toEqual({ ok: false, message });
    },
  );

  it('bounds how many instance ids one request may ask about', () => {
    const ids = Array.from(
      { length: MAX_INSTANCE_IDS + 1 },
      (_, i) => `i-${i.toString(16).padStart(17, '0')}`,
    );
    expect(parse(`instanceId=${ids.join(',')}`)).toEqual({
      ok: false,
      message: `at most ${MAX_INSTANCE_IDS} instanceId values per request`,
    });
  });
});
