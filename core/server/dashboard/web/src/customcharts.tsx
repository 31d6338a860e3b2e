// Custom charts (wandb.plot_table presets) drawn from their tables: line,
// scatter, line series, ROC/PR curves with uPlot; bar charts, histograms
// and confusion matrices as plain elements.
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from './api';
import { Line, LineChart } from './chart';
import { colorFor, fmtNum, fmtValue } from './format';

export interface CustomChart {
  spec: string;
  fields: Record<string, string>;
  strings: Record<string, string>;
  tableKey: string;
}

interface TablePage {
  columns: string[];
  total: number;
  rows: unknown[][];
}

const MAX_ROWS = 20000;

async function loadTable(base: string, path: string): Promise<{ columns: string[]; rows: unknown[][] }> {
  const rows: unknown[][] = [];
  let columns: string[] = [];
  for (let off = 0; off < MAX_ROWS; off += 1000) {
    const t = await get<TablePage>(`${base}/table?${qs({ path, offset: off, limit: 1000 })}`);
    columns = t.columns;
    rows.push(...t.rows);
    if (rows.length >= t.total || t.rows.length === 0) break;
  }
  return { columns, rows };
}

const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v)) ? Number(v) : NaN);

function groupLines(rows: unknown[][], xi: number, yi: number, gi: number): Line[] {
  const groups = new Map<string, [number, number][]>();
  for (const r of rows) {
    const x = num(r[xi]), y = num(r[yi]);
    if (!isFinite(x) || !isFinite(y)) continue;
    const g = gi >= 0 ? fmtValue(r[gi]) : '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g)!.push([x, y]);
  }
  return [...groups.entries()].map(([g, pts], i) => {
    pts.sort((a, b) => a[0] - b[0]);
    return { id: g || 'line', label: g || 'value', color: colorFor(i), x: pts.map((p) => p[0]), y: pts.map((p) => p[1]) };
  });
}

export function CustomChartPanel(p: { name: string; chart: CustomChart; base: string; tablePath?: string }) {
  const [table, setTable] = useState<{ columns: string[]; rows: unknown[][] } | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    if (!p.tablePath) return;
    loadTable(p.base, p.tablePath).then(setTable).catch((e) => setErr(e.message));
  }, [p.tablePath]);
  const title = p.chart.strings.title || p.name;
  const col = (role: string) => (table ? table.columns.indexOf(p.chart.fields[role] ?? '') : -1);
  const spec = p.chart.spec.replace(/^wandb\//, '').replace(/\/v\d+$/, '');
  let body: any = null;
  if (!p.tablePath) body = <div class="muted small">The chart's table ({p.chart.tableKey}) is not in this run's history.</div>;
  else if (err) body = <div class="form-error small">{err}</div>;
  else if (!table) body = <div class="muted small">Loading…</div>;
  else if (spec === 'line' || spec === 'scatter' || spec === 'area-under-curve' || spec === 'lineseries') {
    const lines =
      spec === 'lineseries'
        ? groupLines(table.rows, col('step'), col('lineVal'), col('lineKey'))
        : groupLines(table.rows, col('x'), col('y'), spec === 'area-under-curve' ? col('class') : col('stroke'));
    const xl = p.chart.strings['x-axis-title'] || p.chart.fields.x || p.chart.strings.xname || 'x';
    return (
      <div class="custom-chart" data-custom={p.name} data-spec={spec}>
        <LineChart title={title} lines={lines} xLabel={xl} scatter={spec === 'scatter'} height={240} />
      </div>
    );
  } else if (spec === 'bar') {
    const li = col('label'), vi = col('value');
    const bars = table.rows.map((r) => ({ label: fmtValue(r[li]), v: num(r[vi]) })).filter((b) => isFinite(b.v)).slice(0, 60);
    const max = Math.max(...bars.map((b) => Math.abs(b.v)), 1e-12);
    body = (
      <div class="hbars">
        {bars.map((b, i) => (
          <div class="hbar" key={i}>
            <span class="hbar-label" title={b.label}>{b.label}</span>
            <span class="hbar-track"><span class="hbar-fill" style={{ width: `${(Math.abs(b.v) / max) * 100}%`, background: colorFor(0) }} /></span>
            <span class="hbar-val mono">{fmtNum(b.v)}</span>
          </div>
        ))}
      </div>
    );
  } else if (spec === 'histogram') {
    const vals = table.rows.map((r) => num(r[col('value')])).filter(isFinite);
    const lo = Math.min(...vals), hi = Math.max(...vals), n = 30;
    const counts = new Array(n).fill(0);
    for (const v of vals) counts[hi > lo ? Math.min(n - 1, Math.floor(((v - lo) / (hi - lo)) * n)) : 0]++;
    const max = Math.max(...counts, 1);
    body = vals.length ? (
      <div>
        <div class="vbars">
          {counts.map((c, i) => (
            <span key={i} class="vbar" title={`${fmtNum(lo + ((hi - lo) * i) / n)} – ${fmtNum(lo + ((hi - lo) * (i + 1)) / n)}: ${c}`} style={{ height: `${(c / max) * 100}%`, background: colorFor(0) }} />
          ))}
        </div>
        <div class="vbars-axis mono small"><span>{fmtNum(lo)}</span><span>{fmtNum(hi)}</span></div>
      </div>
    ) : <div class="muted small">No values.</div>;
  } else if (spec === 'confusion_matrix') {
    const ai = col('Actual'), pi = col('Predicted'), ni = col('nPredictions');
    const labels = [...new Set(table.rows.flatMap((r) => [fmtValue(r[ai]), fmtValue(r[pi])]))];
    const cell = new Map<string, number>();
    for (const r of table.rows) cell.set(fmtValue(r[ai]) + '\u0000' + fmtValue(r[pi]), num(r[ni]) || 0);
    const max = Math.max(...cell.values(), 1);
    body = (
      <div class="table-scroll">
        <table class="confusion">
          <thead>
            <tr>
              <th class="muted small">actual ↓ predicted →</th>
              {labels.map((l) => <th key={l}>{l}</th>)}
            </tr>
          </thead>
          <tbody>
            {labels.map((a) => (
              <tr key={a}>
                <th>{a}</th>
                {labels.map((pr) => {
                  const v = cell.get(a + '\u0000' + pr) || 0;
                  return <td key={pr} style={{ background: `rgba(47,111,222,${(0.08 + 0.85 * v / max).toFixed(3)})`, color: v / max > 0.5 ? '#fff' : undefined }}>{v}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  } else body = <div class="muted small">Preset {p.chart.spec} is not drawn here; its table is shown below.</div>;
  return (
    <div class="panel custom-chart" data-custom={p.name} data-spec={spec}>
      <div class="panel-head"><span class="panel-title">{title}</span><span class="muted small">{spec}</span></div>
      {body}
    </div>
  );
}
