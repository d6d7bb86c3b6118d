// The output viewer: one target's full output through the operator's read API (relayed by the
// console as the user), or the excerpt the execution keeps when the operator cannot be reached.
// Search marks matches with <mark> around React text nodes: output is untrusted text, never HTML.
import { Link } from '@remix-run/react';
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { findMatches, pieces, stepMatch } from '../executions/output-search.js';
import { plainOutput } from '../executions/output.js';

export interface Excerpt {
  instanceId: string;
  output: string;
  truncated: boolean;
}

interface FullOutput {
  stdout: string;
  stderr: string;
  stdoutTruncated?: boolean;
  stderrTruncated?: boolean;
}

type Loaded =
  | { state: 'loading' }
  | { state: 'full'; output: FullOutput }
  | { state: 'excerpt'; notice: string };

const STDOUT_KEPT = '24,000';
const STDERR_KEPT = '8,000';
const EXCERPT_KEPT = '1,000';

function outputUrl(namespace: string, name: string, instanceId: string): string {
  const ns = encodeURIComponent(namespace);
  return `/operator/api/v1/namespaces/${ns}/scriptexecutions/${encodeURIComponent(name)}/output?instanceId=${encodeURIComponent(instanceId)}`;
}

function noticeFor(status: number, message: string): string {
  if (status === 403) return `You may not read the full output: ${message}`;
  if (status === 409) return `No full output yet: ${message}`;
  return `The full output is unavailable (${message}).`;
}

async function loadFull(url: string, signal: AbortSignal): Promise<Loaded> {
  try {
    const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
    const body = (await response.json().catch(() => ({}))) as FullOutput & { message?: string };
    if (response.ok) return { state: 'full', output: body };
    const message = body.message ?? `the operator answered ${response.status}`;
    return { state: 'excerpt', notice: noticeFor(response.status, message) };
  } catch (error) {
    if (signal.aborted) return { state: 'loading' };
    return {
      state: 'excerpt',
      notice: `The full output is unavailable (the operator could not be reached: ${(error as Error).message}).`,
    };
  }
}

function useFullOutput(url: string, refreshKey: string): Loaded {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'loading' });
  useEffect(() => {
    const abort = new AbortController();
    setLoaded({ state: 'loading' });
    void loadFull(url, abort.signal).then((next) => {
      if (!abort.signal.aborted) setLoaded(next);
    });
    return () => abort.abort();
  }, [url, refreshKey]);
  return loaded;
}

interface Section {
  stream: 'stdout' | 'stderr';
  text: string;
  truncated: boolean;
}

function sectionsOf(loaded: Loaded, excerpt: Excerpt): Section[] {
  if (loaded.state !== 'full') {
    return [{ stream: 'stdout', text: plainOutput(excerpt.output), truncated: excerpt.truncated }];
  }
  const { output } = loaded;
  const sections: Section[] = [
    {
      stream: 'stdout',
      text: plainOutput(output.stdout ?? ''),
      truncated: output.stdoutTruncated === true,
    },
  ];
  if (output.stderr) {
    sections.push({
      stream: 'stderr',
      text: plainOutput(output.stderr),
      truncated: output.stderrTruncated === true,
    });
  }
  return sections;
}

function truncationNotice(section: Section, full: boolean): string {
  if (!full) return `Only the first ${EXCERPT_KEPT} characters are kept with the execution.`;
  const kept = section.stream === 'stdout' ? STDOUT_KEPT : STDERR_KEPT;
  return `Truncated: SSM keeps only the first ${kept} characters of ${section.stream}.`;
}

function Text(props: {
  section: Section;
  query: string;
  firstMatch: number;
  current: number;
  wrap: boolean;
}): ReactElement {
  const { section, query } = props;
  const matches = findMatches(section.text, query);
  return (
    <pre
      className={`output-text ${props.wrap ? '' : 'nowrap'} ${section.stream}`}
      data-stream={section.stream}
    >
      {pieces(section.text, matches, query.length).map((piece, index) =>
        piece.match === -1 ? (
          piece.text
        ) : (
          <mark
            key={index}
            data-current={props.firstMatch + piece.match === props.current ? '' : undefined}
          >
            {piece.text}
          </mark>
        ),
      )}
    </pre>
  );
}

function SearchBar(props: {
  query: string;
  setQuery: (query: string) => void;
  count: number;
  current: number;
  step: (step: 1 | -1) => void;
  wrap: boolean;
  setWrap: (wrap: boolean) => void;
}): ReactElement {
  const position = props.count === 0 ? '0/0' : `${props.current + 1}/${props.count}`;
  return (
    <div className="output-tools" role="search">
      <input
        type="search"
        aria-label="Search the output"
        placeholder="Search output"
        value={props.query}
        onChange={(event) => props.setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key !== 'Enter') return;
          event.preventDefault();
          props.step(event.shiftKey ? -1 : 1);
        }}
      />
      <span className="muted" data-matches>
        {props.query ? position : ''}
      </span>
      <button
        type="button"
        onClick={() => props.step(-1)}
        disabled={props.count === 0}
        aria-label="Previous match"
      >
        ↑
      </button>
      <button
        type="button"
        onClick={() => props.step(1)}
        disabled={props.count === 0}
        aria-label="Next match"
      >
        ↓
      </button>
      <label>
        <input
          type="checkbox"
          checked={props.wrap}
          onChange={(event) => props.setWrap(event.target.checked)}
        />{' '}
        Wrap
      </label>
    </div>
  );
}

export function OutputViewer(props: {
  namespace: string;
  name: string;
  excerpt: Excerpt;
  /** Changes when the target's status does, so a finished target's output is fetched again. */
  status: string;
  closeHref: string;
}): ReactElement {
  const { excerpt } = props;
  const url = outputUrl(props.namespace, props.name, excerpt.instanceId);
  const loaded = useFullOutput(url, props.status);
  const [query, setQuery] = useState('');
  const [current, setCurrent] = useState(0);
  const [wrap, setWrap] = useState(true);
  const box = useRef<HTMLElement>(null);
  const sections = useMemo(() => sectionsOf(loaded, excerpt), [loaded, excerpt]);
  const counts = sections.map((section) => findMatches(section.text, query).length);
  const total = counts.reduce((sum, count) => sum + count, 0);
  useEffect(() => setCurrent(0), [query, url]);
  useEffect(() => {
    box.current?.querySelector('mark[data-current]')?.scrollIntoView({ block: 'nearest' });
  }, [current, query, loaded]);
  const full = loaded.state === 'full';
  let firstMatch = 0;
  return (
    <section className="output" aria-label="Output" ref={box}>
      <header>
        <h2>Output of {excerpt.instanceId}</h2>
        <Link to={props.closeHref} preventScrollReset>
          Close
        </Link>
      </header>
      <SearchBar
        query={query}
        setQuery={setQuery}
        count={total}
        current={Math.min(current, Math.max(total - 1, 0))}
        step={(step) => setCurrent((at) => stepMatch(at, step, total))}
        wrap={wrap}
        setWrap={setWrap}
      />
      {loaded.state === 'loading' ? <p className="muted">Loading the full output…</p> : null}
      {loaded.state === 'excerpt' ? (
        <p className="notice" role="status" data-notice>
          {loaded.notice} Showing the first {EXCERPT_KEPT} characters the execution keeps.
        </p>
      ) : null}
      {sections.map((section, index) => {
        const start = firstMatch;
        firstMatch += counts[index] ?? 0;
        return (
          <div key={section.stream} className="stream">
            {sections.length > 1 || section.stream === 'stderr' ? <h3>{section.stream}</h3> : null}
            {section.text === '' ? <p className="muted">No {section.stream} output.</p> : null}
            <Text
              section={section}
              query={query}
              firstMatch={start}
              current={current}
              wrap={wrap}
            />
            {section.truncated ? (
              <p className="notice" data-truncated={section.stream}>
                {truncationNotice(section, full)}
              </p>
            ) : null}
          </div>
        );
      })}
    </section>
  );
}
