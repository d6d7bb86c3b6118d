// Live updates: watch events for this execution (and its batches) arrive as Server-Sent Events,
// and re-run the page's loaders, one reload at a time, so the view changes by itself.
import { useRevalidator } from '@remix-run/react';
import { useEffect, useRef, useState } from 'react';

const EVENTS = ['ADDED', 'MODIFIED', 'DELETED'];
/** Events this close together cause one reload. */
const COALESCE_MS = 150;
const EXECUTION_LABEL = 'pcm-ops.io/execution';

interface WatchedObject {
  metadata?: { name?: string; labels?: Record<string, string> };
}

function concerns(data: string, name: string): boolean {
  try {
    const object = JSON.parse(data) as WatchedObject;
    return object.metadata?.name === name || object.metadata?.labels?.[EXECUTION_LABEL] === name;
  } catch {
    return false;
  }
}

/** Opens a stream that calls `onChange` for events about `name`; reopens fresh after a reset. */
function watch(url: string, name: string, onChange: () => void): () => void {
  let source = new EventSource(url);
  const listen = (): void => {
    for (const type of EVENTS) {
      source.addEventListener(type, (event) => {
        if (concerns((event as MessageEvent<string>).data, name)) onChange();
      });
    }
    source.addEventListener('reset', () => {
      source.close();
      source = new EventSource(url);
      listen();
      onChange();
    });
  };
  listen();
  return () => source.close();
}

/**
 * Re-runs the loaders when the execution or its batches change. Changes arriving while the
 * loaders run are coalesced into one more run after it: with thousands of targets, batch events
 * come faster than a reload, and restarting the reload on each would never let one finish.
 */
export function useLiveExecution(namespace: string, name: string, active: boolean): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  const [dirty, setDirty] = useState(false);
  const idle = revalidator.state === 'idle';
  useEffect(() => {
    if (!active) return undefined;
    const refresh = (): void => setDirty(true);
    const query = `namespace=${encodeURIComponent(namespace)}`;
    const stops = [
      watch(`/events/scriptexecutions?${query}`, name, refresh),
      watch(`/events/executionbatches?${query}`, name, refresh),
    ];
    return () => stops.forEach((stop) => stop());
  }, [namespace, name, active]);
  useEffect(() => {
    if (!dirty || !idle) return undefined;
    const timer = setTimeout(() => {
      setDirty(false);
      latest.current.revalidate();
    }, COALESCE_MS);
    return () => clearTimeout(timer);
  }, [dirty, idle]);
}
