// LineChart draws bucketed history lines with uPlot: one line per run
// (the last value of each bucket), a min/max band where buckets hold
// several points, EMA smoothing, log scale, drag-to-zoom (asking the
// server for finer buckets through onZoom), hover values and a legend.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtNum } from './format';

export interface Line {
  id: string;
  label: string;
  color: string;
  x: number[];
  y: number[];
  min?: number[];
  max?: number[];
}

export interface ChartProps {
  title: string;
  lines: Line[];
  logY?: boolean;
  smoothing?: number;
  xLabel?: string;
  timeX?: boolean; // x values are Unix seconds
  scatter?: boolean; // points, no lines
  height?: number;
  loading?: boolean;
  error?: string;
  zoomed?: boolean;
  onZoom?: (lo: number, hi: number) => void;
  onReset?: () => void;
}

export function smooth(y: number[], w: number): number[] {
  if (!(w > 0)) return y;
  const out = new Array<number>(y.length);
  let last = 0, n = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === null || v === undefined || !isFinite(v)) {
      out[i] = v;
      continue;
    }
    last = last * w + (1 - w) * v;
    n++;
    out[i] = last / (1 - Math.pow(w, n));
  }
  return out;
}

function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

function shortNum(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'B';
  if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
  return fmtNum(v);
}

interface Built {
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  bands: uPlot.Band[];
  main: { idx: number; line: Line }[];
}

function build(lines: Line[], smoothing: number, logY: boolean, scatter = false): Built {
  const tables: uPlot.AlignedData[] = [];
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  const main: { idx: number; line: Line }[] = [];
  let col = 1;
  const fix = (a: number[]) => (logY ? a.map((v) => (v > 0 ? v : (null as any))) : a);
  for (const l of lines) {
    if (!l.x.length) continue;
    // uPlot.join needs ascending x.
    let order: number[] | null = null;
    for (let i = 1; i < l.x.length; i++) {
      if (l.x[i] < l.x[i - 1]) {
        order = l.x.map((_, i) => i).sort((a, b) => l.x[a] - l.x[b]);
        break;
      }
    }
    const pick = (a?: number[]) => (a && order ? order.map((i) => a[i]) : a);
    const x = pick(l.x)!, y = pick(l.y)!, mn = pick(l.min), mx = pick(l.max);
    const cols: number[][] = [x, fix(smooth(y, smoothing))];
    series.push(scatter
      ? { label: l.label, stroke: l.color, fill: l.color, paths: () => null, points: { show: true, size: 5, fill: l.color } }
      : { label: l.label, stroke: l.color, width: 1.6, spanGaps: true, points: { show: x.length < 60, size: 4 } });
    main.push({ idx: col, line: l });
    col++;
    if (smoothing > 0) {
      cols.push(fix(y));
      series.push({ label: l.label + ' (raw)', stroke: alpha(l.color, 0.25), width: 1, spanGaps: true, points: { show: false } });
      col++;
    }
    const banded = mn && mx && mn.some((v, i) => v !== mx[i]);
    if (banded) {
      cols.push(fix(mx!), fix(mn!));
      series.push({ label: 'max', stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
      series.push({ label: 'min', stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
      bands.push({ series: [col, col + 1], fill: alpha(l.color, 0.13) });
      col += 2;
    }
    tables.push(cols as unknown as uPlot.AlignedData);
  }
  const data = tables.length ? uPlot.join(tables) : ([[]] as unknown as uPlot.AlignedData);
  return { data, series, bands, main };
}

// nearest finds the closest non-null value of column c around index i.
function nearest(data: uPlot.AlignedData, c: number, i: number): number | null {
  const col = data[c] as (number | null)[];
  for (let d = 0; d < 64; d++) {
    if (i - d >= 0 && col[i - d] != null) return col[i - d];
    if (i + d < col.length && col[i + d] != null) return col[i + d];
  }
  return null;
}

export function LineChart(p: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const tip = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [full, setFull] = useState(false);
  const [width, setWidth] = useState(0);
  const cb = useRef(p);
  cb.current = p;

  useEffect(() => {
    if (!full) return;
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setFull(false);
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [full]);

  useEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = box.current!;
    if (!width) return;
    const height = full ? Math.max(300, window.innerHeight - 160) : p.height ?? 200;
    const b = build(p.lines, p.smoothing ?? 0, !!p.logY, !!p.scatter);
    const axis = { stroke: '#6b7280', grid: { stroke: '#eef0f3', width: 1 }, ticks: { stroke: '#e5e7eb', width: 1, size: 4 }, font: '11px system-ui, sans-serif' };
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: false },
      padding: [8, 8, 0, 0],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { size: 6 },
        focus: { prox: 16 },
      },
      focus: { alpha: 0.35 },
      scales: {
        // One x value (a run with a single sample) would give an empty
        // range: widen it so the point shows.
        x: { time: !!p.timeX, range: (_u, lo, hi) => (lo === hi ? [lo - 1, hi + 1] : [lo, hi]) },
        y: p.logY ? { distr: 3 } : {},
      },
      axes: [
        p.timeX ? { ...axis } : { ...axis, values: (_u, vals) => vals.map((v) => (v == null ? '' : shortNum(v))) },
        { ...axis, size: 52, values: (_u, vals) => vals.map((v) => (v == null ? '' : shortNum(v))) },
      ],
      series: b.series,
      bands: b.bands,
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 4) return;
            const lo = u.posToVal(u.select.left, 'x');
            const hi = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (cb.current.onZoom) cb.current.onZoom(lo, hi);
            else u.setScale('x', { min: lo, max: hi });
          },
        ],
        setCursor: [
          (u) => {
            const t = tip.current;
            if (!t) return;
            const i = u.cursor.idx;
            if (i == null || u.cursor.left == null || u.cursor.left < 0) {
              t.style.display = 'none';
              return;
            }
            const x = (u.data[0] as number[])[i];
            t.replaceChildren();
            const head = document.createElement('div');
            head.className = 'tip-x';
            head.textContent = p.timeX ? new Date(x * 1000).toLocaleString() : `${p.xLabel || 'Step'} ${fmtNum(x)}`;
            t.appendChild(head);
            const rows = b.main
              .map((m) => ({ m, v: nearest(u.data, m.idx, i) }))
              .filter((r) => r.v != null)
              .sort((a, c) => (c.v as number) - (a.v as number))
              .slice(0, 12);
            for (const r of rows) {
              const row = document.createElement('div');
              row.className = 'tip-row';
              const dot = document.createElement('span');
              dot.className = 'dot';
              dot.style.background = r.m.line.color;
              const name = document.createElement('span');
              name.className = 'tip-name';
              name.textContent = r.m.line.label;
              const val = document.createElement('span');
              val.className = 'tip-val';
              val.textContent = fmtNum(r.v as number);
              row.append(dot, name, val);
              t.appendChild(row);
            }
            t.style.display = rows.length ? 'block' : 'none';
            const left = u.cursor.left + 60;
            t.style.left = (left + 220 > width ? left - 240 : left + 12) + 'px';
            t.style.top = Math.max(0, (u.cursor.top ?? 0) - 10) + 'px';
          },
        ],
      },
    };
    plot.current?.destroy();
    plot.current = new uPlot(opts, b.data, el);
    plot.current.over.addEventListener('dblclick', () => cb.current.onReset?.());
    plot.current.over.addEventListener('mouseleave', () => {
      if (tip.current) tip.current.style.display = 'none';
    });
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [p.lines, p.smoothing, p.logY, p.timeX, p.scatter, width, full, p.height]);

  const n = p.lines.filter((l) => l.x.length).length;
  const points = p.lines.reduce((a, l) => a + l.x.length, 0);
  return (
    <div class={'panel' + (full ? ' panel-full' : '')} data-chart={p.title} data-points={points} data-x={p.xLabel} data-loading={p.loading ? '1' : '0'}>
      <div class="panel-head">
        <span class="panel-title" title={p.title}>{p.title}</span>
        <span class="panel-tools">
          {p.loading && <span class="spinner" aria-label="loading" />}
          {p.zoomed && (
            <button class="icon-btn" title="Reset zoom" onClick={() => p.onReset?.()}>⤺</button>
          )}
          <button class="icon-btn" title={full ? 'Close' : 'Full screen'} onClick={() => setFull(!full)}>
            {full ? '✕' : '⤢'}
          </button>
        </span>
      </div>
      <div class="chart-wrap">
        <div ref={box} class="chart" />
        <div ref={tip} class="tip" />
        {p.error && <div class="chart-empty error">{p.error}</div>}
        {!p.error && !p.loading && n === 0 && <div class="chart-empty">No data</div>}
      </div>
      {n > 0 && (
        <div class="legend">
          {p.lines.filter((l) => l.x.length).slice(0, 6).map((l) => (
            <span class="legend-item" key={l.id} title={l.label}>
              <span class="dot" style={{ background: l.color }} />
              {l.label}
            </span>
          ))}
          {n > 6 && <span class="legend-more">+{n - 6} more</span>}
        </div>
      )}
    </div>
  );
}
