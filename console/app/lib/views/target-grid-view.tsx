// The per-target grid. It stays fast with 10,000 rows by rendering only the rows in view (a
// fixed row height makes the window plain arithmetic, see rowWindow), filters and sorts on the
// client from the URL, and moves with the keyboard: arrows, Page Up/Down, Home/End, Enter opens
// the output. Spacer heights are set only after hydration, because the page's CSP refuses
// server-rendered style attributes.
import { Link, useNavigate, useSearchParams } from '@remix-run/react';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactElement } from 'react';
import type { TargetRow } from '../executions/executions.js';
import { machineWords, type MachineWords } from '../executions/machines.js';
import { phaseClass } from '../links.js';
import {
  facets,
  gridSearch,
  gridView,
  rowWindow,
  visibleRows,
  type GridView,
  type SortKey,
} from '../executions/target-grid.js';

export const ROW_HEIGHT = 28;
const VIEWPORT_ROWS = 20;
const OVERSCAN = 10;
type Column = { key: SortKey; label: string };

/** The grid's columns in the words of its rows' providers: no region for SSH hosts alone. */
function columnsFor(words: MachineWords): Column[] {
  return [
    { key: 'instance', label: words.machine },
    { key: 'account', label: words.scope },
    ...(words.region ? [{ key: 'region' as const, label: words.region }] : []),
    { key: 'status', label: 'Status' },
    { key: 'exit', label: 'Exit' },
  ];
}
const KEY_STEPS: Record<string, number> = {
  ArrowDown: 1,
  ArrowUp: -1,
  PageDown: VIEWPORT_ROWS,
  PageUp: -VIEWPORT_ROWS,
  Home: -Infinity,
  End: Infinity,
};

function targetHref(search: URLSearchParams, instanceId: string): string {
  const next = new URLSearchParams(search);
  next.set('target', instanceId);
  return `?${next.toString()}`;
}

function useGridView(): [GridView, (view: GridView) => void, URLSearchParams] {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const view = gridView(search);
  const change = (next: GridView): void =>
    navigate(gridSearch(search, next), { replace: true, preventScrollReset: true });
  return [view, change, search];
}

function Filter(props: {
  name: string;
  label: string;
  value: string;
  options: string[];
  onChange: (value: string) => void;
}): ReactElement {
  const id = `grid-filter-${props.name}`;
  return (
    <span>
      <label htmlFor={id}>{props.label}</label>{' '}
      <select id={id} value={props.value} onChange={(event) => props.onChange(event.target.value)}>
        <option value="">all</option>
        {props.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </span>
  );
}

function SortHeader(props: {
  column: Column;
  view: GridView;
  onSort: (key: SortKey) => void;
}): ReactElement {
  const active = props.view.sort === props.column.key;
  const direction = props.view.descending ? 'descending' : 'ascending';
  return (
    <th aria-sort={active ? direction : 'none'}>
      <button type="button" className="link sort" onClick={() => props.onSort(props.column.key)}>
        {props.column.label}
        {active ? (props.view.descending ? ' ▼' : ' ▲') : ''}
      </button>
    </th>
  );
}

function Row(props: {
  row: TargetRow;
  href: string;
  selected: boolean;
  active: boolean;
  regions: boolean;
}): ReactElement {
  const { row } = props;
  return (
    <tr
      id={`row-${row.instanceId}`}
      data-instance={row.instanceId}
      aria-selected={props.selected}
      className={props.active ? 'active' : undefined}
    >
      <td>
        <Link to={props.href} preventScrollReset tabIndex={-1}>
          {row.instanceId}
        </Link>
      </td>
      <td>{row.accountId}</td>
      {props.regions ? <td>{row.region}</td> : null}
      <td>
        <span className={phaseClass(row.status)} data-status>
          {row.status}
        </span>
      </td>
      <td>{row.exitCode ?? ''}</td>
    </tr>
  );
}

/** A spacer row whose height is set through the CSSOM once hydrated (CSP allows that). */
function Spacer(props: { rows: number; hydrated: boolean; columns: number }): ReactElement | null {
  const { rows, hydrated } = props;
  if (rows <= 0) return null;
  return (
    <tr
      aria-hidden="true"
      className="spacer"
      style={hydrated ? { height: rows * ROW_HEIGHT } : undefined}
    >
      <td colSpan={props.columns} />
    </tr>
  );
}

function GridControls(props: {
  rows: TargetRow[];
  shown: number;
  view: GridView;
  onChange: (view: GridView) => void;
  words: MachineWords;
}): ReactElement {
  const { words } = props;
  const choices = useMemo(() => facets(props.rows), [props.rows]);
  const set = (key: 'status' | 'account' | 'region') => (value: string) =>
    props.onChange({ ...props.view, [key]: value });
  return (
    <div className="grid-controls" role="group" aria-label="Filter targets">
      <Filter
        name="status"
        label="Status"
        value={props.view.status}
        options={choices.statuses}
        onChange={set('status')}
      />
      <Filter
        name="account"
        label={words.scope}
        value={props.view.account}
        options={choices.accounts}
        onChange={set('account')}
      />
      {words.region ? (
        <Filter
          name="region"
          label={words.region}
          value={props.view.region}
          options={choices.regions}
          onChange={set('region')}
        />
      ) : null}
      <span className="muted" data-shown>
        {props.shown === props.rows.length
          ? `${props.rows.length} targets`
          : `${props.shown} of ${props.rows.length} targets`}
      </span>
    </div>
  );
}

export function TargetGrid(props: {
  rows: TargetRow[];
  selected: string | undefined;
}): ReactElement {
  const [view, changeView, search] = useGridView();
  const navigate = useNavigate();
  const shown = useMemo(() => visibleRows(props.rows, view), [props.rows, view]);
  const words = useMemo(() => machineWords(props.rows.map((row) => row.provider)), [props.rows]);
  const columns = columnsFor(words);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(-1);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);
  const viewport = {
    height: VIEWPORT_ROWS * ROW_HEIGHT,
    rowHeight: ROW_HEIGHT,
    overscan: OVERSCAN,
  };
  const { start, end } = rowWindow(scrollTop, viewport, shown.length);

  const moveTo = (index: number): void => {
    const clamped = Math.max(0, Math.min(shown.length - 1, index));
    setActive(clamped);
    const box = scroller.current;
    if (!box) return;
    const top = clamped * ROW_HEIGHT;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + ROW_HEIGHT > box.scrollTop + box.clientHeight - ROW_HEIGHT)
      box.scrollTop = top + 2 * ROW_HEIGHT - box.clientHeight;
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const step = KEY_STEPS[event.key];
    const row = shown[active];
    if (step !== undefined) {
      event.preventDefault();
      moveTo(Number.isFinite(step) ? Math.max(active, 0) + step : step);
    } else if (event.key === 'Enter' && row) {
      event.preventDefault();
      navigate(targetHref(search, row.instanceId), { preventScrollReset: true });
    }
  };
  const onSort = (key: SortKey): void =>
    changeView({ ...view, sort: key, descending: view.sort === key && !view.descending });

  if (props.rows.length === 0) return <p className="muted">No targets planned yet.</p>;
  const activeRow = shown[active];
  return (
    <div className="targets">
      <GridControls
        rows={props.rows}
        shown={shown.length}
        view={view}
        onChange={changeView}
        words={words}
      />
      <div
        ref={scroller}
        className="grid-scroll"
        tabIndex={0}
        role="region"
        aria-label="Targets (arrow keys move, Enter opens the output)"
        aria-activedescendant={activeRow ? `row-${activeRow.instanceId}` : undefined}
        onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
        onKeyDown={onKeyDown}
      >
        <table className="grid virtual" aria-label="Targets" aria-rowcount={shown.length + 1}>
          <thead>
            <tr>
              {columns.map((column) => (
                <SortHeader key={column.key} column={column} view={view} onSort={onSort} />
              ))}
            </tr>
          </thead>
          <tbody>
            <Spacer rows={start} hydrated={hydrated} columns={columns.length} />
            {shown.slice(start, end).map((row, offset) => (
              <Row
                key={row.instanceId}
                row={row}
                href={targetHref(search, row.instanceId)}
                selected={row.instanceId === props.selected}
                active={start + offset === active}
                regions={words.region !== null}
              />
            ))}
            <Spacer rows={shown.length - end} hydrated={hydrated} columns={columns.length} />
          </tbody>
        </table>
        {shown.length === 0 ? <p className="muted">No targets match these filters.</p> : null}
      </div>
    </div>
  );
}
