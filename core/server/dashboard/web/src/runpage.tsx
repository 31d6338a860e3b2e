// RunPage is one run: overview (config, summary, metadata, notes and
// tags), charts, system metrics, logs, files and media, with a stop button.
// A running run refreshes every 2 s.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { enc, get, post, RunDetail } from './api';
import { fmtDate, fmtDuration, fmtValue, runLabel } from './format';
import { ChartSettings, chartKeys, PanelGrid, PanelSettings } from './panels';
import { navigate } from './router';
import { StatePill } from './workspace';
import { LineChart } from './chart';
import { FilesTab, LogsTab, MediaTab } from './runtabs';
import { RunArtifactsTab } from './artifacts';

const TABS = ['overview', 'charts', 'system', 'logs', 'files', 'media', 'artifacts'] as const;
type Tab = (typeof TABS)[number];

export function RunPage(p: { entity: string; project: string; run: string; setCrumbs: (c: { label: string; href?: string }[]) => void }) {
  const base = `/api/ui/runs/${enc(p.entity)}/${enc(p.project)}/${enc(p.run)}`;
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  const [stopping, setStopping] = useState(false);
  const tab = (new URLSearchParams(location.search).get('tab') as Tab) || 'overview';
  const setTab = (t: Tab) => navigate(`${location.pathname}?tab=${t}`, true);

  useEffect(() => {
    let stop = false, timer = 0;
    const load = () =>
      get<RunDetail>(base)
        .then((r) => {
          if (stop) return;
          setRun(r);
          setError('');
          document.title = `${runLabel(r)} · ${p.project} · gowandb`;
          if (r.state === 'running') {
            setTick((t) => t + 1);
            timer = window.setTimeout(load, 2000);
          }
        })
        .catch((e) => !stop && setError(e.message));
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);

  useEffect(() => {
    p.setCrumbs([
      { label: p.entity, href: '/' },
      { label: p.project, href: `/p/${enc(p.entity)}/${enc(p.project)}` },
      { label: run ? runLabel(run) : p.run },
    ]);
  }, [run?.displayName]);

  if (error && !run) return <div class="page"><div class="banner error">{error}</div></div>;
  if (!run) return <div class="page"><div class="muted">Loading…</div></div>;

  const doStop = async () => {
    if (!confirm(`Stop run ${runLabel(run)}? The training process stops at its next sync.`)) return;
    setStopping(true);
    try {
      await post(`${base}/stop`);
      setRun({ ...run, stopped: true });
    } catch (e: any) {
      setError(e.message);
    } finally {
      setStopping(false);
    }
  };

  return (
    <div class="page run-page">
      <div class="run-head">
        <div>
          <h1 class="run-title">
            {runLabel(run)}
            <StatePill state={run.state} stopped={run.stopped} />
          </h1>
          <div class="muted small run-sub">
            <span class="mono">{run.name}</span>
            <span>· created {fmtDate(run.createdAt)}</span>
            <span>· runtime {fmtDuration(run.runtime)}</span>
            <span>· {run.historyLines.toLocaleString()} history rows</span>
          </div>
        </div>
        <div class="spacer" />
        {run.state === 'running' && (
          <button class="btn btn-danger" onClick={doStop} disabled={stopping || run.stopped} data-testid="stop-run">
            {run.stopped ? 'Stop requested' : stopping ? 'Stopping…' : '■ Stop run'}
          </button>
        )}
      </div>
      {error && <div class="banner error">{error}</div>}
      <div class="tabs" role="tablist">
        {TABS.map((t) => (
          <button key={t} role="tab" aria-selected={t === tab} class={'tab' + (t === tab ? ' on' : '')} onClick={() => setTab(t)}>
            {t[0].toUpperCase() + t.slice(1)}
          </button>
        ))}
      </div>
      <div class="tab-body">
        {tab === 'overview' && <Overview run={run} base={base} onChange={setRun} />}
        {tab === 'charts' && <RunCharts run={run} entity={p.entity} project={p.project} tick={tick} />}
        {tab === 'system' && <SystemTab base={base} tick={tick} />}
        {tab === 'logs' && <LogsTab base={base} tick={tick} total={run.logLines} />}
        {tab === 'files' && <FilesTab base={base} />}
        {tab === 'media' && <MediaTab base={base} tick={tick} charts={run.customCharts} />}
        {tab === 'artifacts' && <RunArtifactsTab base={base} entity={p.entity} project={p.project} />}
      </div>
    </div>
  );
}

function RunCharts(p: { run: RunDetail; entity: string; project: string; tick: number }) {
  const [settings, setSettings] = useState<PanelSettings>({ xKey: '_step', smoothing: 0, logY: false });
  const [q, setQ] = useState('');
  const runs = useMemo(() => [{ name: p.run.name, label: runLabel(p.run), color: '#4e79a7' }], [p.run.name]);
  return (
    <div>
      <ChartSettings settings={settings} xKeys={p.run.keys} onChange={setSettings} search={q} onSearch={setQ} />
      <PanelGrid entity={p.entity} project={p.project} runs={runs} keys={chartKeys(p.run.keys, settings.xKey)} settings={settings} tick={p.tick} filter={q} />
    </div>
  );
}

function KV(p: { rows: [string, unknown][]; empty: string; search?: boolean }) {
  const [q, setQ] = useState('');
  const rows = p.rows.filter(([k, v]) => !q || k.toLowerCase().includes(q.toLowerCase()) || fmtValue(v).toLowerCase().includes(q.toLowerCase()));
  return (
    <div>
      {p.search && p.rows.length > 8 && (
        <input class="input kv-search" type="search" placeholder="Filter keys" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      )}
      {rows.length === 0 ? (
        <div class="muted small">{p.empty}</div>
      ) : (
        <table class="kv">
          <tbody>
            {rows.map(([k, v]) => (
              <tr key={k}>
                <th class="mono">{k}</th>
                <td class="mono">{fmtValue(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Overview(p: { run: RunDetail; base: string; onChange: (r: RunDetail) => void }) {
  const r = p.run;
  const m = r.metadata || {};
  const [notes, setNotes] = useState(r.notes);
  const [tagInput, setTagInput] = useState('');
  const [saving, setSaving] = useState(false);
  const [err, setErr] = useState('');
  const save = async (body: { notes?: string; tags?: string[] }) => {
    setSaving(true);
    setErr('');
    try {
      p.onChange(await post<RunDetail>(p.base, body));
    } catch (e: any) {
      setErr(e.message);
    } finally {
      setSaving(false);
    }
  };
  const git = m.git || {};
  const command = [m.program || m.codePath, ...(Array.isArray(m.args) ? m.args : [])].filter(Boolean).join(' ');
  const info: [string, any][] = [
    ['State', <StatePill state={r.state} stopped={r.stopped} />],
    ['Created', fmtDate(r.createdAt)],
    ['Runtime', fmtDuration(r.runtime)],
    ['User', r.user],
    ['Group', r.group],
    ['Job type', r.jobType],
    ['Exit code', r.exitCode ?? ''],
    ['Host', m.host || ''],
    ['OS', m.os || ''],
    ['Runtime env', [m.python ? 'Python ' + m.python : '', m.goVersion || m.go || ''].filter(Boolean).join(' · ')],
    ['Command', command],
    ['Git', [git.remote, git.commit].filter(Boolean).join(' @ ')],
    ['GPU', m.gpu ? `${m.gpu_count || ''} × ${m.gpu}` : ''],
  ];
  const sortedEntries = (o: Record<string, unknown>) => Object.entries(o).sort((a, b) => a[0].localeCompare(b[0]));
  return (
    <div class="overview">
      <div class="col">
        <div class="card">
          <h3>Run</h3>
          <table class="kv info">
            <tbody>
              {info.filter(([, v]) => v !== '' && v !== null && v !== undefined).map(([k, v]) => (
                <tr key={k}>
                  <th>{k}</th>
                  <td class={k === 'Command' || k === 'Git' ? 'mono' : ''}>{v}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="card">
          <h3>Notes</h3>
          <textarea class="input notes" rows={3} value={notes} placeholder="What is this run about?" onInput={(e) => setNotes((e.target as HTMLTextAreaElement).value)} aria-label="Notes" />
          <div class="row-end">
            {err && <span class="form-error small">{err}</span>}
            <button class="btn btn-sm" disabled={saving || notes === r.notes} onClick={() => save({ notes })}>Save notes</button>
          </div>
          <h3>Tags</h3>
          <div class="tags-edit">
            {r.tags.map((t) => (
              <span class="tag" key={t}>
                {t}
                <button class="tag-x" title={'Remove ' + t} onClick={() => save({ tags: r.tags.filter((x) => x !== t) })}>×</button>
              </span>
            ))}
            <form
              onSubmit={(e) => {
                e.preventDefault();
                const t = tagInput.trim();
                if (t && !r.tags.includes(t)) save({ tags: [...r.tags, t] });
                setTagInput('');
              }}
            >
              <input class="input input-sm" placeholder="Add tag" value={tagInput} onInput={(e) => setTagInput((e.target as HTMLInputElement).value)} aria-label="Add tag" />
            </form>
          </div>
        </div>
      </div>
      <div class="col">
        <div class="card">
          <h3>Config <span class="count">{Object.keys(r.config).length}</span></h3>
          <KV rows={sortedEntries(r.config)} empty="No config." search />
        </div>
        <div class="card">
          <h3>Summary <span class="count">{Object.keys(r.summary).length}</span></h3>
          <KV rows={sortedEntries(r.summary)} empty="No summary yet." search />
        </div>
      </div>
    </div>
  );
}

function SystemTab(p: { base: string; tick: number }) {
  const [series, setSeries] = useState<Record<string, { x: number[]; y: number[] }> | null>(null);
  const [err, setErr] = useState('');
  const last = useRef(-1);
  useEffect(() => {
    if (p.tick !== 0 && p.tick % 3 !== 0 && last.current >= 0) return; // every 6 s while live
    last.current = p.tick;
    get<{ series: Record<string, { x: number[]; y: number[] }> }>(`${p.base}/system`)
      .then((r) => setSeries(r.series))
      .catch((e) => setErr(e.message));
  }, [p.tick]);
  if (err) return <div class="banner error">{err}</div>;
  if (!series) return <div class="muted">Loading…</div>;
  const keys = Object.keys(series).sort();
  if (!keys.length) return <div class="empty-state">No system metrics were recorded for this run.</div>;
  return (
    <div class="grid">
      {keys.map((k) => (
        <LineChart key={k} title={k.replace(/^system[./]/, '')} xLabel="Runtime (s)" lines={[{ id: k, label: k, color: '#59a14f', x: series[k].x, y: series[k].y }]} />
      ))}
    </div>
  );
}
