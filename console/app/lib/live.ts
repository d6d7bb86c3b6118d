// Live updates: watch events for this execution (and its batches) arrive as Server-Sent Events,
// and each one re-runs the page's loaders, so the view changes without a reload.
import { useRevalidator } from '@remix-run/react';
import { useEffect, useRef } from 'react';

const EVENTS = ['ADDED', 'MODIFIED', 'DELETED'];
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

export function useLiveExecution(namespace: string, name: string, active: boolean): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => {
    if (!active) return undefined;
    const refresh = (): void => latest.current.revalidate();
    const query = `namespace=${encodeURIComponent(namespace)}`;
    const stops = [
      watch(`/events/scriptexecutions?${query}`, name, refresh),
      watch(`/events/executionbatches?${query}`, name, refresh),
    ];
    return () => stops.forEach((stop) => stop());
  }, [namespace, name, active]);
}
