import { describe, expect, it } from 'vitest';
import { toSse, watchPath, type WatchEvent } from './sse.js';

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
