import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createConsoleLogger } from './logging.js';
import {
  MAX_FRAME_CHARS,
  parseWatchLine,
  pipeEvents,
  toSse,
  UNREADABLE_FRAME,
  watchPath,
  type WatchEvent,
} from './sse.js';
import {
  eventually,
  login,
  openStream,
  startTestConsole,
  type TestConsole,
  type TestSession,
} from './testing/console.js';

const object = { metadata: { name: 'a', resourceVersion: '42' } };

describe('toSse', () => {
  it.each<[WatchEvent, string, boolean]>([
    [{ type: 'ADDED', object }, `id: 42\nevent: ADDED\ndata: ${JSON.stringify(object)}\n\n`, false],
    [
      { type: 'MODIFIED', object },
      `id: 42\nevent: MODIFIED\ndata: ${JSON.stringify(object)}\n\n`,
      false,
    ],
    [
      { type: 'DELETED', object },
      `id: 42\nevent: DELETED\ndata: ${JSON.stringify(object)}\n\n`,
      false,
    ],
    [{ type: 'BOOKMARK', object: { metadata: { resourceVersion: '50' } } }, 'id: 50\n\n', false],
    [{ type: 'ERROR', object: { code: 410 } }, 'event: reset\ndata: {"code":410}\n\n', true],
    [{ type: 'ERROR', object: { code: 500 } }, 'event: error\ndata: {"code":500}\n\n', true],
  ])('frames %j', (event, frame, last) => {
    expect(toSse(event)).toEqual({ frame, last });
  });
});

describe('watchPath', () => {
  it.each([
    [
      'scripts',
      undefined,
      undefined,
      '/apis/pcm-ops.io/v1alpha1/scripts?watch=true&allowWatchBookmarks=true',
    ],
    [
      'scriptexecutions',
      'team-a',
      '17',
      '/apis/pcm-ops.io/v1alpha1/namespaces/team-a/scriptexecutions?watch=true&allowWatchBookmarks=true&resourceVersion=17',
    ],
  ])('for %s in %s from %s', (plural, namespace, from, path) => {
    expect(watchPath(plural, namespace, from)).toBe(path);
  });
});

describe('parseWatchLine', () => {
  const added = { type: 'ADDED', object };
  it.each<[string, string, WatchEvent | undefined]>([
    ['a watch event', JSON.stringify(added), added],
    [
      'an event without a version',
      '{"type":"DELETED","object":{"metadata":{}}}',
      {
        type: 'DELETED',
        object: { metadata: {} },
      },
    ],
    ['not JSON', '{"type":"ADDED","object":', undefined],
    ['a JSON string', '"ADDED"', undefined],
    ['an array', '[{"type":"ADDED"}]', undefined],
    ['an event without an object', '{"type":"ADDED"}', undefined],
    ['an event whose object is an array', '{"type":"ADDED","object":[]}', undefined],
    ['an unknown type', '{"type":"RENAMED","object":{}}', undefined],
    ['a type that would add an SSE field', '{"type":"ADDED\\ndata: x","object":{}}', undefined],
    [
      'a numeric resourceVersion',
      '{"type":"ADDED","object":{"metadata":{"resourceVersion":7}}}',
      undefined,
    ],
    [
      'a version with a line break',
      '{"type":"ADDED","object":{"metadata":{"resourceVersion":"7\\nevent: x"}}}',
      undefined,
    ],
    ['metadata that is not an object', '{"type":"ADDED","object":{"metadata":"x"}}', undefined],
  ])('reads %s', (_what, line, event) => {
    expect(parseWatchLine(line)).toEqual(event);
  });
});

const line = (type: string, version: string): string =>
  `${JSON.stringify({ type, object: { metadata: { name: 'a', resourceVersion: version } } })}\n`;

function piped(): {
  upstream: PassThrough;
  browser: () => string;
  ended: Promise<void>;
  logs: string[];
} {
  const upstream = new PassThrough();
  const res = new PassThrough();
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (text += chunk));
  const ended = new Promise<void>((done) => res.on('end', () => done()));
  const logs: string[] = [];
  pipeEvents(
    upstream,
    res,
    createConsoleLogger('debug', { write: (l: string) => void logs.push(l) }),
  );
  return { upstream, browser: () => text, ended, logs };
}

describe('pipeEvents', () => {
  it('relays events split across chunks, one frame each', async () => {
    const { upstream, browser, ended } = piped();
    const both = line('ADDED', '1') + line('MODIFIED', '2');
    upstream.write(both.slice(0, 10));
    upstream.write(both.slice(10, 70));
    upstream.end(both.slice(70));
    await ended;
    expect(browser()).toMatch(
      /^id: 1\nevent: ADDED\ndata: .*\n\nid: 2\nevent: MODIFIED\ndata: .*\n\n$/,
    );
  });

  it('answers a bad frame between good ones with an error event and ends the stream', async () => {
    const { upstream, browser, ended, logs } = piped();
    const secretish = 'aws-secret-in-a-broken-frame';
    const broken = `{"type":"MODIFIED","object":{"data":"${secretish}"`;
    upstream.write(line('ADDED', '11'));
    upstream.write(`${broken}\n`);
    upstream.write(line('MODIFIED', '12'));
    await ended;
    const good = parseWatchLine(line('ADDED', '11'))!;
    expect(browser()).toBe(`${toSse(good).frame}${UNREADABLE_FRAME}`);
    // The browser reconnects with Last-Event-ID: the version of the last good event.
    expect([...browser().matchAll(/^id: (.*)$/gm)].map((m) => m[1])).toEqual(['11']);
    expect(upstream.destroyed).toBe(true);
    expect(logs.map((l) => JSON.parse(l) as unknown)).toEqual([
      expect.objectContaining({ level: 'warn', frameChars: broken.length }),
    ]);
    expect(logs.join('\n')).not.toContain(secretish);
  });

  it('ends the stream on JSON that is not a watch event', async () => {
    const { upstream, browser, ended } = piped();
    upstream.write('{"kind":"Status","code":500}\n');
    await ended;
    expect(browser()).toBe(UNREADABLE_FRAME);
  });

  it('does not wait out a line longer than any object', async () => {
    const { upstream, browser, ended, logs } = piped();
    upstream.write(`{"type":"ADDED","object":{"x":"${'a'.repeat(MAX_FRAME_CHARS)}`);
    await ended;
    expect(browser()).toBe(UNREADABLE_FRAME);
    expect(logs).toHaveLength(1);
  });
});

describe('a watch stream through the console', () => {
  let running: TestConsole;
  let session: TestSession;

  beforeEach(async () => {
    running = await startTestConsole({ heartbeatMs: 60_000 });
    session = await login(running);
  });
  afterEach(() => running.close());

  it('sends an error event on a bad frame, ends, and resumes from the last good event', async () => {
    const path = '/events/scripts?namespace=team-a';
    const stream = await openStream(running.port, path, { cookie: session.cookie });
    expect(stream.status).toBe(200);
    await eventually(() => running.kube.watches.length === 1);
    const watch = running.kube.watches[0]!;
    watch.res.write(line('ADDED', '21'));
    watch.res.write('this is not json\n');
    await stream.ended;
    expect(stream.received()).toContain('id: 21\nevent: ADDED\n');
    expect(stream.received().endsWith(UNREADABLE_FRAME)).toBe(true);
    const warning = running.logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.level === 'warn');
    expect(warning).toMatchObject({ frameChars: 16, requestId: expect.any(String) });

    // What the browser's EventSource does next: reconnect with Last-Event-ID.
    const resumed = await openStream(running.port, path, {
      cookie: session.cookie,
      'last-event-id': '21',
    });
    expect(resumed.status).toBe(200);
    await eventually(() => running.kube.watches.length === 2);
    expect(running.kube.watches[1]!.url).toBe(
      '/apis/pcm-ops.io/v1alpha1/namespaces/team-a/scripts?watch=true&allowWatchBookmarks=true&resourceVersion=21',
    );
    resumed.close();
  });
});
