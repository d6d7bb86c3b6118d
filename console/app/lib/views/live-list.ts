// Live lists: any watch event on `plural` in the namespace re-runs the page's loaders.
import { useRevalidator } from '@remix-run/react';
import { useEffect, useRef } from 'react';

const EVENTS = ['ADDED', 'MODIFIED', 'DELETED', 'reset'];

export function useLiveList(plural: string, namespace: string | null): void {
  const revalidator = useRevalidator();
  const latest = useRef(revalidator);
  latest.current = revalidator;
  useEffect(() => {
    const query = namespace ? `?namespace=${encodeURIComponent(namespace)}` : '';
    const source = new EventSource(`/events/${plural}${query}`);
    const refresh = (): void => {
      if (latest.current.state === 'idle') latest.current.revalidate();
    };
    for (const type of EVENTS) source.addEventListener(type, refresh);
    return () => source.close();
  }, [plural, namespace]);
}
