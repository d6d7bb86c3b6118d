// Runs discovery queries from the browser through the console's operator relay (the session
// cookie carries the user), each answer arriving on its own so every place shows its own state.
import { useEffect, useState } from 'react';
import type { DiscoveryAnswer, DiscoveryQuery } from '../executions/discovery.js';

export interface DiscoveryState {
  answers: DiscoveryAnswer[];
  /** Queries not answered yet, by path. */
  pending: ReadonlySet<string>;
}

async function ask(query: DiscoveryQuery, signal: AbortSignal): Promise<DiscoveryAnswer> {
  try {
    const response = await fetch(`/operator${query.path}`, { signal, credentials: 'same-origin' });
    const body = (await response.json().catch(() => ({}))) as unknown;
    return { query, status: response.status, body };
  } catch (error) {
    const message = `the console could not be reached: ${(error as Error).message}`;
    return { query, status: 0, body: { message } };
  }
}

/** Answers for `queries`; a new list (by paths) starts over and abandons the old requests. */
export function useDiscovery(queries: readonly DiscoveryQuery[]): DiscoveryState {
  const key = queries.map((query) => query.path).join('\n');
  const [state, setState] = useState<DiscoveryState>({
    answers: [],
    pending: new Set(queries.map((query) => query.path)),
  });
  useEffect(() => {
    const abort = new AbortController();
    setState({ answers: [], pending: new Set(queries.map((query) => query.path)) });
    for (const query of queries) {
      void ask(query, abort.signal).then((answer) => {
        if (abort.signal.aborted) return;
        setState((previous) => {
          const pending = new Set(previous.pending);
          pending.delete(query.path);
          return { answers: [...previous.answers, answer], pending };
        });
      });
    }
    return () => abort.abort();
    // `key` stands for the queries: a new array with the same paths is the same request.
  }, [key]);
  return state;
}
