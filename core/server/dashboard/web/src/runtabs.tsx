// The run page's logs, files and media tabs.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { enc, get, MediaItem, MediaKey, qs } from './api';
import { AnnotatedImage } from './annotated';
import { Object3DView } from './object3d';
import { CustomChart, CustomChartPanel } from './customcharts';
import { fmtAgo, fmtBytes, fmtValue } from './format';

interface LogLine {
  n: number;
  text: string;
}

// stripANSI removes terminal colour codes from console lines.
const stripANSI = (s: string) => s.replace(/\x1b\[[0-9;?]*[ -\/]*[@-~]/g, '');

export function LogsTab(p: { base: string; tick: number; total: number }) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [q, setQ] = useState('');
  const [applied, setApplied] = useState('');
  const [err, setErr] = useState('');
  const next = useRef(-1);
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);

  useEffect(() => {
    next.current = -1;
    setLines([]);
    get<{ total: number; lines: LogLine[] }>(`${p.base}/logs?${qs({ q: applied, limit: applied ? 5000 : 2000 })}`)
      .then((r) => {
        setLines(r.lines);
        next.current = r.total;
      })
      .catch((e) => setErr(e.message));
  }, [applied]);

  useEffect(() => {
    if (applied || next.current < 0 || p.total <= next.current) return;
    const from = next.current;
    get<{ total: number; lines: LogLine[] }>(`${p.base}/logs?${qs({ offset: from, limit: 5000 })}`).then((r) => {
      if (next.current !== from) return;
      next.current = from + r.lines.length;
      setLines((old) => [...old, ...r.lines].slice(-20000));
    });
  }, [p.tick]);

  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div class="logs">
      <form
        class="logs-bar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(q.trim());
        }}
      >
        <input class="input" type="search" placeholder="Search logs (Enter)" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} aria-label="Search logs" />
        <span class="muted small">{applied ? `${lines.length} matching lines` : `${p.total.toLocaleString()} lines`}</span>
      </form>
      {err && <div class="banner error">{err}</div>}
      <div
        class="log-view"
        ref={box}
        onScroll={(e) => {
          const el = e.target as HTMLDivElement;
          follow.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
        }}
      >
        {lines.length === 0 && <div class="muted">{applied ? 'No line matches.' : 'No console output.'}</div>}
        {lines.map((l) => (
          <div class="log-line" key={l.n}>
            <span class="ln">{l.n + 1}</span>
            <span class="lt">{applied ? <Highlight text={stripANSI(l.text)} q={applied} /> : stripANSI(l.text)}</span>
          </div>
        ))}
      </div>
    </div>
  );
}

// Highlight marks the case-insensitive matches of q in text (as text
// nodes and <mark> elements, never HTML).
function Highlight(p: { text: string; q: string }) {
  const low = p.text.toLowerCase(), q = p.q.toLowerCase();
  const out: any[] = [];
  let i = 0;
  for (let j = low.indexOf(q); j >= 0 && q; j = low.indexOf(q, i)) {
    if (j > i) out.push(p.text.slice(i, j));
    out.push(<mark key={j}>{p.text.slice(j, j + q.length)}</mark>);
    i = j + q.length;
  }
  out.push(p.text.slice(i));
  return <>{out}</>;
}

interface FileInfo {
  name: string;
  size: number;
  updatedAt: string;
}

const IMG = /\.(png|jpe?g|gif|webp|bmp)$/i;
const TEXT = /\.(txt|log|md|json|ya?ml|csv|py|go|toml|cfg|ini|sh|patch|diff)$|requirements\.txt$/i;

export function fileURL(base: string, name: string, download = false) {
  return `${base}/file/${name.split('/').map(enc).join('/')}${download ? '?download=1' : ''}`;
}

export function FilesTab(p: { base: string }) {
  const [files, setFiles] = useState<FileInfo[] | null>(null);
  const [sel, setSel] = useState<string>('');
  const [text, setText] = useState<string | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    get<{ files: FileInfo[] }>(`${p.base}/files`).then((r) => setFiles(r.files)).catch((e) => setErr(e.message));
  }, []);
  useEffect(() => {
    setText(null);
    if (!sel || !TEXT.test(sel)) return;
    fetch(fileURL(p.base, sel), { credentials: 'same-origin' })
      .then((r) => r.text())
      .then((t) => setText(t.length > 500000 ? t.slice(0, 500000) + '\n… (truncated; download the file for all of it)' : t));
  }, [sel]);
  if (err) return <div class="banner error">{err}</div>;
  if (!files) return <div class="muted">Loading…</div>;
  if (!files.length) return <div class="empty-state">This run has no files.</div>;
  return (
    <div class="files">
      <div class="file-list card">
        <table class="table">
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">Size</th>
              <th>Updated</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.name} class={sel === f.name ? 'on' : ''}>
                <td>
                  <button class="link mono" onClick={() => setSel(f.name)}>{f.name}</button>
                </td>
                <td class="num">{fmtBytes(f.size)}</td>
                <td class="muted">{fmtAgo(f.updatedAt)}</td>
                <td>
                  <a class="link small" href={fileURL(p.base, f.name, true)} download>Download</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="file-preview card">
        {!sel && <div class="muted">Select a file to preview it.</div>}
        {sel && (
          <>
            <div class="preview-head mono">{sel}</div>
            {IMG.test(sel) ? (
              <img class="preview-img" src={fileURL(p.base, sel)} alt={sel} />
            ) : TEXT.test(sel) ? (
              <pre class="preview-text">{text ?? 'Loading…'}</pre>
            ) : (
              <div class="muted">
                No preview for this kind of file. <a class="link" href={fileURL(p.base, sel, true)} download>Download it</a>.
              </div>
            )}
          </>
        )}
      </div>
    </div>
  );
}

export function MediaTab(p: { base: string; tick: number; charts?: Record<string, CustomChart> }) {
  const [media, setMedia] = useState<MediaKey[] | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    if (p.tick % 3 !== 0 && media) return;
    get<{ media: MediaKey[] }>(`${p.base}/media`).then((r) => setMedia(r.media)).catch((e) => setErr(e.message));
  }, [p.tick]);
  if (err) return <div class="banner error">{err}</div>;
  if (!media) return <div class="muted">Loading…</div>;
  const charts = Object.entries(p.charts || {}).sort((a, b) => a[0].localeCompare(b[0]));
  // A custom chart replaces the PNG the SDK draws of it.
  const drawn = new Set(charts.flatMap(([k, c]) => [k + '_png', c.tableKey]));
  const shown = media.filter((m) => !drawn.has(m.key));
  if (!shown.length && !charts.length) return <div class="empty-state">No media logged (images, tables, html, video, audio).</div>;
  const tablePath = (key: string) => {
    const m = media.find((x) => x.key === key);
    return m?.steps[m.steps.length - 1]?.items[0]?.path;
  };
  return (
    <div>
      {charts.length > 0 && (
        <div class="media-grid custom-charts">
          {charts.map(([k, c]) => (
            <CustomChartPanel key={k} name={k} chart={c} base={p.base} tablePath={tablePath(c.tableKey)} />
          ))}
        </div>
      )}
      <div class="media-grid">
        {shown.map((m) => (
          <MediaPanel key={m.key} m={m} base={p.base} />
        ))}
      </div>
    </div>
  );
}

function MediaPanel(p: { m: MediaKey; base: string }) {
  const n = p.m.steps.length;
  const [i, setI] = useState(n - 1);
  const [pinned, setPinned] = useState(false);
  useEffect(() => {
    if (!pinned) setI(n - 1);
  }, [n]);
  const st = p.m.steps[Math.min(i, n - 1)];
  return (
    <div class={'panel media-panel' + (p.m.type === 'table' || p.m.type === 'html' ? ' wide' : '')} data-media={p.m.key} data-type={p.m.type}>
      <div class="panel-head">
        <span class="panel-title">{p.m.key}</span>
        <span class="muted small">{p.m.type}</span>
      </div>
      {n > 1 && (
        <div class="step-slider">
          <span class="small muted">Step</span>
          <input
            type="range"
            min="0"
            max={n - 1}
            value={i}
            aria-label={'Step of ' + p.m.key}
            onInput={(e) => {
              setI(Number((e.target as HTMLInputElement).value));
              setPinned(true);
            }}
          />
          <span class="mono small">{st.step}</span>
        </div>
      )}
      <div class="media-body">
        {st.items.map((it, j) => (
          <MediaItemView key={p.m.type + it.path + j} type={p.m.type} item={it} base={p.base} />
        ))}
      </div>
    </div>
  );
}

function MediaItemView(p: { type: string; item: MediaItem; base: string }) {
  const url = fileURL(p.base, p.item.path);
  switch (p.type) {
    case 'image':
      return (
        <figure class="media-img">
          {p.item.boxes || p.item.masks ? (
            <AnnotatedImage src={url} alt={p.item.caption || p.item.path} height={Math.min(320, Math.max(140, p.item.height || 140))}
              boxes={p.item.boxes} masks={p.item.masks} fileURL={(path) => fileURL(p.base, path)} />
          ) : (
            <img src={url} alt={p.item.caption || p.item.path} loading="lazy" style={{ height: `${Math.min(320, Math.max(140, p.item.height || 140))}px` }} />
          )}
          {p.item.caption && <figcaption>{p.item.caption}</figcaption>}
        </figure>
      );
    case 'table':
      return <TableView base={p.base} path={p.item.path} />;
    case 'html':
      return <iframe class="media-html" sandbox="allow-scripts" src={url} title={p.item.path} referrerpolicy="no-referrer" />;
    case 'video':
      return (
        <figure class="media-img">
          {/\.gif$/i.test(p.item.path) ? <img src={url} alt={p.item.caption || ''} /> : <video src={url} controls preload="metadata" />}
          {p.item.caption && <figcaption>{p.item.caption}</figcaption>}
        </figure>
      );
    case 'audio':
      return (
        <figure class="media-audio">
          <audio src={url} controls preload="metadata" />
          {p.item.caption && <figcaption>{p.item.caption}</figcaption>}
        </figure>
      );
    case 'object3D':
      return (
        <figure class="media-img media-3d">
          <Object3DView url={url} path={p.item.path} />
          {p.item.caption && <figcaption>{p.item.caption}</figcaption>}
        </figure>
      );
    default:
      return (
        <a class="link" href={fileURL(p.base, p.item.path, true)} download>
          {p.item.path}
        </a>
      );
  }
}

interface TablePage {
  columns: string[];
  total: number;
  offset: number;
  rows: unknown[][];
}

const PAGE = 10;

export function TableView(p: { base: string; path: string }) {
  const [page, setPage] = useState(0);
  const [sort, setSort] = useState<{ col: string; desc: boolean } | null>(null);
  const [data, setData] = useState<TablePage | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    get<TablePage>(`${p.base}/table?${qs({ path: p.path, offset: page * PAGE, limit: PAGE, sort: sort?.col, desc: sort?.desc ? 1 : undefined })}`)
      .then(setData)
      .catch((e) => setErr(e.message));
  }, [p.path, page, sort?.col, sort?.desc]);
  const pages = useMemo(() => (data ? Math.max(1, Math.ceil(data.total / PAGE)) : 1), [data]);
  if (err) return <div class="banner error">{err}</div>;
  if (!data) return <div class="muted">Loading…</div>;
  return (
    <div class="media-table" data-rows={data.total}>
      <div class="table-scroll">
        <table class="table">
          <thead>
            <tr>
              {data.columns.map((c, j) => (
                <th key={c} class={'sortable' + (typeof data.rows[0]?.[j] === 'number' ? ' num' : '')} onClick={() => setSort({ col: c, desc: sort?.col === c ? !sort.desc : false })}>
                  {c}
                  {sort?.col === c && <span class="sort-arrow">{sort.desc ? '↓' : '↑'}</span>}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j} class={typeof cell === 'number' ? 'num mono' : ''}>
                    <Cell v={cell} base={p.base} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="pager">
        <span class="muted small">
          {data.total === 0 ? 'No rows' : `Rows ${data.offset + 1}–${data.offset + data.rows.length} of ${data.total}`}
        </span>
        <button class="btn btn-sm" disabled={page === 0} onClick={() => setPage(page - 1)}>‹ Prev</button>
        <span class="small">{page + 1} / {pages}</span>
        <button class="btn btn-sm" disabled={page >= pages - 1} onClick={() => setPage(page + 1)}>Next ›</button>
      </div>
    </div>
  );
}

function Cell(p: { v: unknown; base: string }) {
  const v = p.v as any;
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof v._type === 'string') {
    if (v._type === 'image-file' && typeof v.path === 'string') {
      return <img class="cell-img" src={fileURL(p.base, v.path)} alt={v.caption || ''} loading="lazy" />;
    }
    return <span class="muted">{v._type}</span>;
  }
  return <>{fmtValue(v)}</>;
}
