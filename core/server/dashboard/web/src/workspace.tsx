// Workspace is a project's page: the runs table (columns, sort, filter
// expression, search, grouping, selection, colours) beside the panel grid
// of the selected runs' metrics. Running runs refresh every 2 s.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { enc, get, qs, Run, RunsResponse } from './api';
import { colorFor, fmtAgo, fmtDuration, fmtValue, PALETTE, runLabel } from './format';
import { ChartRun, ChartSettings, chartKeys, PanelGrid, PanelSettings } from './panels';
import { onLinkClick } from './router';
import { usePersistent } from './persist';

const ROW_H = 30;
const DEFAULT_SELECTED = 10;

interface Col {
  id: string;
  label: string;
  width: number;
  get: (r: Run) => unknown;
  render?: (r: Run) => any;
  num?: boolean;
}

export function StatePill(p: { state: string; stopped?: boolean }) {
  const label = p.state === 'running' && p.stopped ? 'stopping' : p.state;
  return <span class={'state-pill ' + p.state}>{label}</span>;
}

export function Workspace(p: { entity: string; project: string; setCrumbs: (c: { label: string; href?: string }[]) => void }) {
  const base = `/api/ui/projects/${enc(p.entity)}/${enc(p.project)}`;
  const [data, setData] = useState<RunsResponse | null>(null);
  const [error, setError] = useState('');
  const ws = `gowandb:ws:${p.entity}/${p.project}:`;
  const [filter, setFilter] = usePersistent(ws + 'filter', '');
  const [filterText, setFilterText] = useState(filter);
  const [filterError, setFilterError] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = usePersistent<{ col: string; desc: boolean }>(ws + 'sort', { col: 'created', desc: true });
  const [extra, setExtra] = usePersistent<string[] | null>(ws + 'columns', null);
  const [groupBy, setGroupBy] = usePersistent(ws + 'group', '');
  const [selArr, setSelArr] = usePersistent<string[] | null>(ws + 'selected', null);
  const selected = useMemo(() => (selArr ? new Set(selArr) : null), [selArr]);
  const setSelected = (s: Set<string>) => setSelArr([...s]);
  // Hidden runs stay selected (compare, table) but leave the charts.
  const [hiddenArr, setHiddenArr] = usePersistent<string[]>(ws + 'hidden', []);
  const hidden = useMemo(() => new Set(hiddenArr), [hiddenArr]);
  const toggleHidden = (name: string) =>
    setHiddenArr(hidden.has(name) ? hiddenArr.filter((n) => n !== name) : [...hiddenArr, name]);
  const [expanded, setExpanded] = useState(false);
  const [showCols, setShowCols] = useState(false);
  const [keys, setKeys] = useState<string[]>([]);
  const [settings, setSettings] = usePersistent<PanelSettings>(ws + 'charts', { xKey: '_step', smoothing: 0, logY: false });
  const [picked, setPicked] = usePersistent<Record<string, string>>(ws + 'colors', {});
  const [picking, setPicking] = useState('');
  const [panelSearch, setPanelSearch] = useState('');
  const [tick, setTick] = useState(0);
  const [comparing, setComparing] = useState(false);
  const colors = useRef(new Map<string, string>());

  useEffect(() => {
    p.setCrumbs([{ label: p.entity, href: '/' }, { label: p.project }]);
    document.title = `${p.project} · gowandb`;
  }, []);

  // Runs, refetched on filter changes and every 2 s while some run runs.
  useEffect(() => {
    let stop = false;
    let timer = 0;
    const load = () => {
      get<RunsResponse>(`${base}/runs?${qs({ filter })}`)
        .then((d) => {
          if (stop) return;
          // Colours follow creation order, so they stay put as runs come.
          [...d.runs].sort((a, b) => a.createdAt.localeCompare(b.createdAt)).forEach((r) => {
            if (!colors.current.has(r.name)) colors.current.set(r.name, colorFor(colors.current.size));
          });
          setData(d);
          setFilterError('');
          setError('');
          // Live: every 2 s while a run runs, else every 10 s for new runs.
          const running = d.runs.some((r) => r.state === 'running');
          if (running) setTick((t) => t + 1);
          timer = window.setTimeout(load, running ? 2000 : 10000);
        })
        .catch((e) => {
          if (stop) return;
          if (filter && e.status === 400) setFilterError(e.message);
          else setError(e.message);
        });
    };
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, [filter]);

  const cols: Col[] = useMemo(() => {
    const d = data;
    const fixed: Col[] = [
      { id: 'state', label: 'State', width: 92, get: (r) => r.state, render: (r) => <StatePill state={r.state} stopped={r.stopped} /> },
      { id: 'created', label: 'Created', width: 96, get: (r) => r.createdAt, render: (r) => <span title={r.createdAt}>{fmtAgo(r.createdAt)}</span> },
      { id: 'runtime', label: 'Runtime', width: 84, get: (r) => r.runtime, render: (r) => fmtDuration(r.runtime), num: true },
      { id: 'user', label: 'User', width: 90, get: (r) => r.user },
      { id: 'tags', label: 'Tags', width: 130, get: (r) => r.tags.join(','), render: (r) => r.tags.map((t) => <span class="tag" key={t}>{t}</span>) },
      { id: 'group', label: 'Group', width: 100, get: (r) => r.group },
      { id: 'jobType', label: 'Job type', width: 90, get: (r) => r.jobType },
      { id: 'notes', label: 'Notes', width: 160, get: (r) => r.notes },
    ];
    if (!d) return fixed;
    // By default: the first numeric summary keys and config keys.
    const numeric = (i: number) => d.runs.some((r) => typeof r.s?.[i] === 'number');
    const chosen = extra ?? [
      ...d.summaryKeys.filter((k, i) => !k.startsWith('_') && numeric(i)).slice(0, 3).map((k) => 's:' + k),
      ...d.configKeys.slice(0, 3).map((k) => 'c:' + k),
    ];
    const dyn: Col[] = [];
    for (const id of chosen) {
      const isC = id.startsWith('c:');
      const k = id.slice(2);
      const i = (isC ? d.configKeys : d.summaryKeys).indexOf(k);
      if (i < 0) continue;
      dyn.push({ id, label: k, width: 110, num: true, get: (r) => (isC ? r.c : r.s)?.[i], render: (r) => fmtValue((isC ? r.c : r.s)?.[i]) });
    }
    return [...fixed, ...dyn];
  }, [data, extra]);

  const rows = useMemo(() => {
    if (!data) return [];
    const q = search.trim().toLowerCase();
    let rs = q
      ? data.runs.filter((r) => [r.name, r.displayName, r.group, r.jobType, r.notes, ...r.tags].some((s) => s.toLowerCase().includes(q)))
      : data.runs.slice();
    const col = sort.col === 'name' ? { get: (r: Run) => runLabel(r) } : cols.find((c) => c.id === sort.col);
    if (col) {
      const dir = sort.desc ? -1 : 1;
      rs.sort((a, b) => {
        const x = col.get(a), y = col.get(b);
        if (x === y) return 0;
        if (x === undefined || x === null || x === '') return 1;
        if (y === undefined || y === null || y === '') return -1;
        if (typeof x === 'number' && typeof y === 'number') return (x - y) * dir;
        return String(x).localeCompare(String(y), undefined, { numeric: true }) * dir;
      });
    }
    return rs;
  }, [data, search, sort, cols]);

  // The first runs are charted until the user picks.
  const sel = useMemo(() => selected ?? new Set(rows.slice(0, DEFAULT_SELECTED).map((r) => r.name)), [selected, rows]);
  const chartRuns: ChartRun[] = useMemo(
    () => rows.filter((r) => sel.has(r.name) && !hidden.has(r.name)).slice(0, 100).map((r) => ({ name: r.name, label: runLabel(r), color: picked[r.name] || colors.current.get(r.name) || '#888' })),
    [rows, sel, picked, hidden],
  );
  const chartRunKey = chartRuns.map((r) => r.name).join(',');

  useEffect(() => {
    if (!chartRuns.length) {
      setKeys([]);
      return;
    }
    get<{ keys: string[] }>(`${base}/keys?${qs({ runs: chartRunKey })}`)
      .then((r) => setKeys((old) => (old.join('\n') === r.keys.join('\n') ? old : r.keys)))
      .catch((e) => setError(e.message));
  }, [chartRunKey, Math.floor(tick / 5)]);

  const toggle = (name: string) => {
    const s = new Set(sel);
    if (s.has(name)) s.delete(name);
    else s.add(name);
    setSelected(s);
  };
  const allOn = rows.length > 0 && rows.every((r) => sel.has(r.name));

  const groupCol = groupBy ? (groupBy === 'group' ? (r: Run) => r.group : groupBy === 'jobType' ? (r: Run) => r.jobType : (() => {
    const i = data?.configKeys.indexOf(groupBy.slice(2)) ?? -1;
    return (r: Run) => fmtValue(r.c?.[i]);
  })()) : null;
  type Item = { kind: 'group'; label: string; n: number } | { kind: 'run'; r: Run };
  const items: Item[] = useMemo(() => {
    if (!groupCol) return rows.map((r) => ({ kind: 'run', r }));
    const m = new Map<string, Run[]>();
    for (const r of rows) {
      const g = groupCol(r) || '(none)';
      if (!m.has(g)) m.set(g, []);
      m.get(g)!.push(r);
    }
    const out: Item[] = [];
    for (const [g, rs] of [...m.entries()].sort((a, b) => a[0].localeCompare(b[0], undefined, { numeric: true }))) {
      out.push({ kind: 'group', label: g, n: rs.length });
      rs.forEach((r) => out.push({ kind: 'run', r }));
    }
    return out;
  }, [rows, groupBy]);

  const shownCols = expanded ? cols : cols.filter((c) => c.id === 'state' || c.id.startsWith('s:') || c.id.startsWith('c:'));
  const gridTemplate = `34px minmax(180px, 1.6fr) ${shownCols.map((c) => `${c.width}px`).join(' ')}`;

  return (
    <div class={'workspace' + (expanded ? ' expanded' : '')}>
      <div class="runs-pane">
        <div class="runs-toolbar">
          <div class="runs-title">
            <h2>Runs</h2>
            <span class="muted small" data-testid="run-count">
              {data ? (rows.length === data.total ? `${data.total}` : `${rows.length} of ${data.total}`) : ''}
            </span>
            {data?.runs.some((r) => r.state === 'running') && <span class="live" title="Running runs refresh every 2 s">Live</span>}
            <div class="spacer" />
            <button class="btn btn-ghost btn-sm" disabled={chartRuns.length < 2} onClick={() => setComparing(true)} title="Config diff of the runs shown in charts">
              Compare
            </button>
            <button class="btn btn-ghost btn-sm" onClick={() => setShowCols(!showCols)}>Columns</button>
            <button class="btn btn-ghost btn-sm" onClick={() => setExpanded(!expanded)} title={expanded ? 'Show charts' : 'Expand the table'}>
              {expanded ? '◧ Charts' : '⤢ Table'}
            </button>
          </div>
          <input class="input" type="search" placeholder="Search runs" value={search} onInput={(e) => setSearch((e.target as HTMLInputElement).value)} aria-label="Search runs" />
          <form
            class="filter-row"
            onSubmit={(e) => {
              e.preventDefault();
              setFilter(filterText.trim());
            }}
          >
            <input
              class={'input mono' + (filterError ? ' invalid' : '')}
              name="filter"
              placeholder="Filter: config.lr > 0.01 and state = finished"
              value={filterText}
              onInput={(e) => setFilterText((e.target as HTMLInputElement).value)}
              aria-label="Filter expression"
            />
            {filter && (
              <button type="button" class="btn btn-ghost btn-sm" onClick={() => { setFilterText(''); setFilter(''); }}>Clear</button>
            )}
          </form>
          {filterError && <div class="form-error small" role="alert">{filterError}</div>}
          <div class="group-row">
            <label class="setting">
              Group by
              <select class="select" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
                <option value="">None</option>
                <option value="group">Group</option>
                <option value="jobType">Job type</option>
                {data?.configKeys.map((k) => <option value={'c:' + k} key={k}>config.{k}</option>)}
              </select>
            </label>
          </div>
          {showCols && data && (
            <ColumnPicker data={data} chosen={cols.filter((c) => c.id.includes(':')).map((c) => c.id)} onChange={setExtra} onClose={() => setShowCols(false)} />
          )}
        </div>
        {error && <div class="banner error">{error}</div>}
        <div class="runs-table" role="table" aria-label="Runs">
          <div class="tr th" role="row" style={{ gridTemplateColumns: gridTemplate }}>
            <div class="td check" role="columnheader">
              <input type="checkbox" checked={allOn} title="Show all in charts" onChange={() => setSelected(allOn ? new Set() : new Set(rows.map((r) => r.name)))} />
            </div>
            <HeaderCell id="name" label="Name" sort={sort} setSort={setSort} />
            {shownCols.map((c) => (
              <HeaderCell key={c.id} id={c.id} label={c.label} sort={sort} setSort={setSort} num={c.num} />
            ))}
          </div>
          <VirtualRows
            items={items}
            render={(it) =>
              it.kind === 'group' ? (
                <div class="tr group-tr" role="row">
                  <span class="group-label">{it.label}</span>
                  <span class="muted small">{it.n} runs</span>
                </div>
              ) : (
                <div class={'tr' + (sel.has(it.r.name) ? ' on' : '')} role="row" data-run={it.r.name} style={{ gridTemplateColumns: gridTemplate }}>
                  <div class="td check">
                    <input type="checkbox" checked={sel.has(it.r.name)} onChange={() => toggle(it.r.name)} aria-label={'Show ' + runLabel(it.r) + ' in charts'} />
                  </div>
                  <div class={'td name' + (hidden.has(it.r.name) ? ' hidden-run' : '')}>
                    <button
                      class="eye-btn"
                      data-hide={it.r.name}
                      title={hidden.has(it.r.name) ? 'Show this run in the charts' : 'Hide this run from the charts'}
                      aria-pressed={hidden.has(it.r.name)}
                      onClick={() => toggleHidden(it.r.name)}
                    >
                      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
                        <path d="M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5z" fill="none" stroke="currentColor" stroke-width="1.4" />
                        <circle cx="8" cy="8" r="2.2" fill="currentColor" />
                        {hidden.has(it.r.name) && <path d="M2 14L14 2" stroke="currentColor" stroke-width="1.6" />}
                      </svg>
                    </button>
                    <button
                      class="dot dot-btn"
                      style={{ background: picked[it.r.name] || colors.current.get(it.r.name) }}
                      title="Change the run's colour"
                      onClick={() => setPicking(picking === it.r.name ? '' : it.r.name)}
                    />
                    {picking === it.r.name && (
                      <div class="swatches" onMouseLeave={() => setPicking('')}>
                        {PALETTE.map((c) => (
                          <button key={c} class="swatch" style={{ background: c }} title={c} onClick={() => {
                            setPicked({ ...picked, [it.r.name]: c });
                            setPicking('');
                          }} />
                        ))}
                      </div>
                    )}
                    <a href={`/r/${enc(p.entity)}/${enc(p.project)}/${enc(it.r.name)}`} onClick={onLinkClick} title={it.r.name}>
                      {runLabel(it.r)}
                    </a>
                  </div>
                  {shownCols.map((c) => (
                    <div key={c.id} class={'td' + (c.num ? ' num' : '')} title={fmtValue(c.get(it.r))}>
                      {c.render ? c.render(it.r) : fmtValue(c.get(it.r))}
                    </div>
                  ))}
                </div>
              )
            }
          />
          {data && rows.length === 0 && <div class="empty-state">{data.total ? 'No runs match.' : 'No runs in this project yet.'}</div>}
        </div>
      </div>
      {comparing && data && (
        <Compare data={data} runs={rows.filter((r) => sel.has(r.name)).slice(0, 20)} colors={new Map([...colors.current, ...Object.entries(picked)])} onClose={() => setComparing(false)} />
      )}
      {!expanded && (
        <div class="panels-pane">
          <ChartSettings settings={settings} xKeys={keys} onChange={setSettings} search={panelSearch} onSearch={setPanelSearch} />
          {data && chartRuns.length === 0 ? (
            <div class="empty-state">{data.total ? 'Tick runs in the table to chart them.' : 'Charts appear here when runs log metrics.'}</div>
          ) : (
            <PanelGrid entity={p.entity} project={p.project} runs={chartRuns} keys={chartKeys(keys, settings.xKey)} settings={settings} tick={tick} filter={panelSearch} />
          )}
        </div>
      )}
    </div>
  );
}

function HeaderCell(p: { id: string; label: string; sort: { col: string; desc: boolean }; setSort: (s: { col: string; desc: boolean }) => void; num?: boolean }) {
  const on = p.sort.col === p.id;
  return (
    <div
      class={'td sortable' + (on ? ' sorted' : '') + (p.num ? ' num' : '')}
      role="columnheader"
      title={p.label}
      onClick={() => p.setSort({ col: p.id, desc: on ? !p.sort.desc : p.id !== 'name' })}
    >
      <span class="th-label">{p.label}</span>
      {on && <span class="sort-arrow">{p.sort.desc ? '↓' : '↑'}</span>}
    </div>
  );
}

// VirtualRows renders only the rows in view (fixed row height).
function VirtualRows<T>(p: { items: T[]; render: (it: T) => any }) {
  const ref = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [h, setH] = useState(600);
  useEffect(() => {
    const el = ref.current!;
    const ro = new ResizeObserver(() => setH(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(top / ROW_H) - 10);
  const last = Math.min(p.items.length, Math.ceil((top + h) / ROW_H) + 10);
  return (
    <div class="vrows" ref={ref} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <div style={{ height: p.items.length * ROW_H + 'px', position: 'relative' }}>
        <div style={{ position: 'absolute', top: first * ROW_H + 'px', left: 0, right: 0 }}>
          {p.items.slice(first, last).map((it) => p.render(it))}
        </div>
      </div>
    </div>
  );
}

function ColumnPicker(p: { data: RunsResponse; chosen: string[]; onChange: (ids: string[]) => void; onClose: () => void }) {
  const [q, setQ] = useState('');
  const all = [...p.data.summaryKeys.filter((k) => !k.startsWith('_')).map((k) => 's:' + k), ...p.data.configKeys.map((k) => 'c:' + k)];
  const shown = all.filter((id) => id.toLowerCase().includes(q.toLowerCase())).slice(0, 300);
  const set = new Set(p.chosen);
  return (
    <div class="popover col-picker">
      <div class="popover-head">
        <input class="input" type="search" placeholder="Find a config or summary key" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} autofocus />
        <button class="btn btn-ghost btn-sm" onClick={p.onClose}>Done</button>
      </div>
      <div class="col-list">
        {shown.map((id) => (
          <label class="col-item" key={id}>
            <input
              type="checkbox"
              checked={set.has(id)}
              onChange={() => {
                const next = set.has(id) ? p.chosen.filter((x) => x !== id) : [...p.chosen, id];
                p.onChange(next);
              }}
            />
            <span class={'kind ' + (id.startsWith('c:') ? 'cfg' : 'sum')}>{id.startsWith('c:') ? 'config' : 'summary'}</span>
            <span class="mono">{id.slice(2)}</span>
          </label>
        ))}
        {all.length > shown.length && <div class="muted small">{all.length - shown.length} more: refine the search</div>}
      </div>
    </div>
  );
}

// Compare shows the config of the selected runs side by side, the keys
// whose values differ first.
function Compare(p: { data: RunsResponse; runs: Run[]; colors: Map<string, string>; onClose: () => void }) {
  const [all, setAll] = useState(false);
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && p.onClose();
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, []);
  const rows = p.data.configKeys.map((k, i) => {
    const vals = p.runs.map((r) => fmtValue(r.c?.[i]));
    return { k, vals, differs: new Set(vals).size > 1 };
  });
  const diff = rows.filter((r) => r.differs);
  const shown = all ? rows : diff;
  return (
    <div class="modal-back" onClick={(e) => e.target === e.currentTarget && p.onClose()}>
      <div class="modal" role="dialog" aria-label="Compare runs">
        <div class="modal-head">
          <h2>Compare {p.runs.length} runs</h2>
          <span class="muted small">{diff.length} of {rows.length} config keys differ</span>
          <div class="spacer" />
          <label class="setting">
            <input type="checkbox" checked={all} onChange={() => setAll(!all)} /> Show equal keys
          </label>
          <button class="btn btn-ghost btn-sm" onClick={p.onClose}>Close</button>
        </div>
        <div class="modal-body">
          <table class="table compare">
            <thead>
              <tr>
                <th>config</th>
                {p.runs.map((r) => (
                  <th key={r.name}>
                    <span class="dot" style={{ background: p.colors.get(r.name) }} /> {runLabel(r)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {shown.map((r) => (
                <tr key={r.k} class={r.differs ? 'differs' : ''}>
                  <th class="mono">{r.k}</th>
                  {r.vals.map((v, i) => (
                    <td key={i} class="mono">{v}</td>
                  ))}
                </tr>
              ))}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={p.runs.length + 1} class="muted">The selected runs have the same config.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}
