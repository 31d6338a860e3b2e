// PanelGrid lays out one line chart per history key, grouped in sections
// by the prefix before "/", each chart fetching its bucketed series when
// it scrolls into view and again on every live tick.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get, qs, Series } from './api';
import { Line, LineChart } from './chart';

export interface ChartRun {
  name: string;
  label: string;
  color: string;
}

export interface PanelSettings {
  xKey: string;
  smoothing: number;
  logY: boolean;
}

export function xName(k: string): string {
  return !k || k === '_step' ? 'Step' : k === '_runtime' ? 'Relative time (s)' : k === '_timestamp' ? 'Wall time' : k;
}

export function sections(keys: string[]): [string, string[]][] {
  const m = new Map<string, string[]>();
  for (const k of keys) {
    const i = k.indexOf('/');
    const sec = i > 0 ? k.slice(0, i) : 'Charts';
    if (!m.has(sec)) m.set(sec, []);
    m.get(sec)!.push(k);
  }
  const out = [...m.entries()];
  out.sort((a, b) => (a[0] === 'Charts' ? -1 : b[0] === 'Charts' ? 1 : a[0].localeCompare(b[0])));
  return out;
}

// chartKeys drops keys that are not worth a chart of their own.
export function chartKeys(keys: string[], xKey: string): string[] {
  return keys.filter((k) => !k.startsWith('_') && k !== xKey && !k.startsWith('system.') && !k.startsWith('system/'));
}

export function PanelGrid(p: {
  entity: string;
  project: string;
  runs: ChartRun[];
  keys: string[];
  settings: PanelSettings;
  tick: number;
  filter?: string;
}) {
  const secs = useMemo(() => sections(p.keys.filter((k) => !p.filter || k.toLowerCase().includes(p.filter.toLowerCase()))), [p.keys, p.filter]);
  const [closed, setClosed] = useState<Record<string, boolean>>({});
  if (!p.keys.length) {
    return <div class="empty-state">No metrics logged yet. Charts appear here as soon as the selected runs log history.</div>;
  }
  return (
    <div class="panel-grid">
      {secs.map(([sec, keys]) => (
        <section class="section" key={sec}>
          <button class="section-head" onClick={() => setClosed({ ...closed, [sec]: !closed[sec] })}>
            <span class={'caret' + (closed[sec] ? ' closed' : '')}>▾</span>
            {sec}
            <span class="count">{keys.length}</span>
          </button>
          {!closed[sec] && (
            <div class="grid">
              {keys.map((k) => (
                <ChartPanel key={k} metric={k} {...p} />
              ))}
            </div>
          )}
        </section>
      ))}
    </div>
  );
}

// fetchSeries batches the series requests that charts make in the same
// turn of the event loop: one request per 8 keys of the same runs and
// range, so a page of 50 charts sends a few requests, not 50.
const pending = new Map<string, { key: string; resolve: (s: Series[]) => void; reject: (e: unknown) => void }[]>();
let flushing = false;

function fetchSeries(url: string, key: string): Promise<Series[]> {
  return new Promise((resolve, reject) => {
    if (!pending.has(url)) pending.set(url, []);
    pending.get(url)!.push({ key, resolve, reject });
    if (!flushing) {
      flushing = true;
      setTimeout(flushSeries, 0);
    }
  });
}

function flushSeries() {
  flushing = false;
  const groups = [...pending.entries()];
  pending.clear();
  for (const [url, waiters] of groups) {
    for (let i = 0; i < waiters.length; i += 8) {
      const part = waiters.slice(i, i + 8);
      const keys = [...new Set(part.map((w) => w.key))];
      get<{ series: Series[] }>(url + '&' + keys.map((k) => 'key=' + encodeURIComponent(k)).join('&'))
        .then((r) => part.forEach((w) => w.resolve(r.series.filter((s) => s.key === w.key))))
        .catch((e) => part.forEach((w) => w.reject(e)));
    }
  }
}

function ChartPanel(p: { entity: string; project: string; runs: ChartRun[]; metric: string; settings: PanelSettings; tick: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  const [lines, setLines] = useState<Line[]>([]);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [zoom, setZoom] = useState<[number, number] | null>(null);
  const seq = useRef(0);

  useEffect(() => {
    const io = new IntersectionObserver((es) => es.forEach((e) => e.isIntersecting && setVisible(true)), { rootMargin: '300px' });
    io.observe(ref.current!);
    return () => io.disconnect();
  }, []);

  const runKey = p.runs.map((r) => r.name + r.color).join(',');
  const stepX = !p.settings.xKey || p.settings.xKey === '_step';
  useEffect(() => setZoom(null), [p.settings.xKey]);

  useEffect(() => {
    if (!visible) return;
    if (!p.runs.length) {
      setLines([]);
      return;
    }
    const my = ++seq.current;
    setLoading(true);
    const width = ref.current?.clientWidth || 600;
    const buckets = Math.min(1500, Math.max(100, Math.round(width)));
    const url = `/api/ui/projects/${encodeURIComponent(p.entity)}/${encodeURIComponent(p.project)}/series?` +
      qs({
        runs: p.runs.map((r) => r.name).join(','),
        x: p.settings.xKey === '_step' ? '' : p.settings.xKey,
        buckets: Math.round(buckets / 50) * 50, // alike charts share a request
        min: zoom && stepX ? Math.floor(zoom[0]) : undefined,
        max: zoom && stepX ? Math.ceil(zoom[1]) : undefined,
      });
    fetchSeries(url, p.metric)
      .then((series) => {
        if (my !== seq.current) return;
        const byRun = new Map(p.runs.map((r) => [r.name, r]));
        setLines(
          series.map((s) => {
            const r = byRun.get(s.run)!;
            return { id: s.run, label: r?.label ?? s.run, color: r?.color ?? '#888', x: s.x, y: s.y, min: s.min, max: s.max };
          }),
        );
        setError('');
      })
      .catch((e) => my === seq.current && setError(String(e.message || e)))
      .finally(() => my === seq.current && setLoading(false));
  }, [visible, runKey, p.metric, p.settings.xKey, zoom, p.tick]);

  return (
    <div ref={ref} class="panel-slot">
      {visible ? (
        <LineChart
          title={p.metric}
          lines={lines}
          logY={p.settings.logY}
          smoothing={p.settings.smoothing}
          xLabel={xName(p.settings.xKey)}
          timeX={p.settings.xKey === '_timestamp'}
          loading={loading}
          error={error}
          zoomed={!!zoom}
          onZoom={stepX ? (lo, hi) => setZoom([lo, hi]) : undefined}
          onReset={() => setZoom(null)}
        />
      ) : (
        <div class="panel placeholder">
          <div class="panel-head"><span class="panel-title">{p.metric}</span></div>
        </div>
      )}
    </div>
  );
}

// ChartSettings is the bar above a panel grid: x axis, smoothing, log y.
export function ChartSettings(p: { settings: PanelSettings; xKeys: string[]; onChange: (s: PanelSettings) => void; search?: string; onSearch?: (s: string) => void }) {
  const s = p.settings;
  return (
    <div class="chart-settings">
      {p.onSearch && (
        <input class="input search-panels" type="search" placeholder="Search panels" value={p.search} onInput={(e) => p.onSearch!((e.target as HTMLInputElement).value)} />
      )}
      <label class="setting">
        X axis
        <select class="select" value={s.xKey} onChange={(e) => p.onChange({ ...s, xKey: (e.target as HTMLSelectElement).value })}>
          {['_step', '_runtime', '_timestamp', ...p.xKeys.filter((k) => !k.startsWith('_'))].map((k) => (
            <option value={k} key={k}>{xName(k)}</option>
          ))}
        </select>
      </label>
      <label class="setting">
        Smoothing
        <input type="range" min="0" max="0.99" step="0.01" value={s.smoothing} onInput={(e) => p.onChange({ ...s, smoothing: Number((e.target as HTMLInputElement).value) })} />
        <span class="mono small">{s.smoothing.toFixed(2)}</span>
      </label>
      <label class="setting">
        <input type="checkbox" checked={s.logY} onChange={(e) => p.onChange({ ...s, logY: (e.target as HTMLInputElement).checked })} />
        Log scale
      </label>
    </div>
  );
}
