// Artifacts: a project's collections by type, a collection's versions,
// and a version's files, metadata and lineage (the run that logged it,
// the runs that used it). Also the run page's artifacts tab.
import { useEffect, useState } from 'preact/hooks';
import { enc, get } from './api';
import { fmtAgo, fmtBytes, fmtDate, runLabel } from './format';
import { onLinkClick } from './router';
import { StatePill } from './workspace';
import { KVTable } from './kv';

interface Collection {
  name: string;
  type: string;
  description: string;
  versions: number;
  createdAt: string;
}
interface RunRef {
  name: string;
  displayName: string;
  project: string;
  state: string;
}
export interface Version {
  id: number;
  collection: string;
  type: string;
  version: string;
  aliases: string[];
  digest: string;
  description: string;
  metadata: Record<string, unknown>;
  size: number;
  files: number;
  createdAt: string;
  createdBy: RunRef | null;
}
interface Entry {
  path: string;
  size: number;
  digest: string;
  ref?: string;
}

const IMG = /\.(png|jpe?g|gif|webp|bmp)$/i;
const TEXT = /\.(txt|log|md|json|ya?ml|csv|py|go|toml|cfg|ini|sh)$/i;

function verHref(entity: string, project: string, coll: string, ver: string) {
  return `/p/${enc(entity)}/${enc(project)}/artifacts/${enc(coll)}/${enc(ver)}`;
}

function runHref(entity: string, r: RunRef) {
  return `/r/${enc(entity)}/${enc(r.project)}/${enc(r.name)}`;
}

export function Aliases(p: { aliases: string[] }) {
  return (
    <>
      {p.aliases.map((a) => (
        <span key={a} class={'alias' + (a === 'latest' ? ' latest' : '')}>{a}</span>
      ))}
    </>
  );
}

export function ArtifactsPage(p: { entity: string; project: string; coll?: string; ver?: string; setCrumbs: (c: { label: string; href?: string }[]) => void }) {
  const base = `/api/ui/projects/${enc(p.entity)}/${enc(p.project)}/artifacts`;
  const [colls, setColls] = useState<Collection[] | null>(null);
  const [open, setOpen] = useState<string>(p.coll || '');
  const [versions, setVersions] = useState<Record<string, Version[]>>({});
  const [err, setErr] = useState('');

  useEffect(() => {
    p.setCrumbs([
      { label: p.entity, href: '/' },
      { label: p.project, href: `/p/${enc(p.entity)}/${enc(p.project)}` },
      { label: 'Artifacts', href: p.coll ? `/p/${enc(p.entity)}/${enc(p.project)}/artifacts` : undefined },
      ...(p.coll ? [{ label: `${p.coll}:${p.ver}` }] : []),
    ]);
    document.title = `Artifacts · ${p.project} · gowandb`;
    get<{ collections: Collection[] }>(base).then((r) => {
      setColls(r.collections);
      if (!open && r.collections.length) setOpen(r.collections[0].name);
    }).catch((e) => setErr(e.message));
  }, []);

  useEffect(() => {
    if (!open || versions[open]) return;
    get<{ versions: Version[] }>(`${base}/${enc(open)}`)
      .then((r) => setVersions((v) => ({ ...v, [open]: r.versions })))
      .catch((e) => setErr(e.message));
  }, [open]);

  if (err) return <div class="page"><div class="banner error">{err}</div></div>;
  if (!colls) return <div class="page muted">Loading…</div>;
  if (!colls.length) {
    return (
      <div class="page">
        <div class="empty-state">No artifacts in this project yet. Log one with <code>run.LogArtifact</code>.</div>
      </div>
    );
  }
  const types = [...new Set(colls.map((c) => c.type))].sort();
  return (
    <div class="artifacts-layout">
      <aside class="art-side">
        {types.map((t) => (
          <div key={t} class="art-type">
            <div class="art-type-name">{t}</div>
            {colls.filter((c) => c.type === t).map((c) => (
              <div key={c.name} class="art-coll">
                <button class={'art-coll-btn' + (open === c.name ? ' on' : '')} onClick={() => setOpen(open === c.name ? '' : c.name)}>
                  <span class={'caret' + (open === c.name ? '' : ' closed')}>▾</span>
                  <span class="art-coll-name">{c.name}</span>
                  <span class="count">{c.versions}</span>
                </button>
                {open === c.name && (
                  <div class="art-versions">
                    {(versions[c.name] || []).map((v) => (
                      <a
                        key={v.version}
                        class={'art-ver' + (p.coll === c.name && (p.ver === v.version || v.aliases.includes(p.ver || '')) ? ' on' : '')}
                        href={verHref(p.entity, p.project, c.name, v.version)}
                        onClick={onLinkClick}
                      >
                        <span class="mono">{v.version}</span>
                        <Aliases aliases={v.aliases} />
                      </a>
                    ))}
                  </div>
                )}
              </div>
            ))}
          </div>
        ))}
      </aside>
      <section class="art-main">
        {p.coll && p.ver ? (
          <VersionView key={p.coll + p.ver} base={base} entity={p.entity} project={p.project} coll={p.coll} ver={p.ver} />
        ) : (
          <CollectionView entity={p.entity} project={p.project} coll={colls.find((c) => c.name === open)} versions={versions[open]} />
        )}
      </section>
    </div>
  );
}

function CollectionView(p: { entity: string; project: string; coll?: Collection; versions?: Version[] }) {
  if (!p.coll) return <div class="muted">Select an artifact.</div>;
  return (
    <div>
      <h1 class="art-title">
        {p.coll.name} <span class="badge">{p.coll.type}</span>
      </h1>
      {p.coll.description && <p class="muted">{p.coll.description}</p>}
      <div class="card">
        <table class="table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Aliases</th>
              <th class="num">Files</th>
              <th class="num">Size</th>
              <th>Logged by</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {(p.versions || []).map((v) => (
              <tr key={v.version}>
                <td>
                  <a href={verHref(p.entity, p.project, v.collection, v.version)} onClick={onLinkClick} class="mono">{v.version}</a>
                </td>
                <td><Aliases aliases={v.aliases} /></td>
                <td class="num">{v.files}</td>
                <td class="num">{fmtBytes(v.size)}</td>
                <td>{v.createdBy ? <a href={runHref(p.entity, v.createdBy)} onClick={onLinkClick}>{runLabel(v.createdBy)}</a> : <span class="muted">—</span>}</td>
                <td class="muted">{fmtAgo(v.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function VersionView(p: { base: string; entity: string; project: string; coll: string; ver: string }) {
  const [data, setData] = useState<{ version: Version; files: Entry[]; usedBy: RunRef[] } | null>(null);
  const [err, setErr] = useState('');
  const [sel, setSel] = useState('');
  const [text, setText] = useState<string | null>(null);
  const vbase = `${p.base}/${enc(p.coll)}/${enc(p.ver)}`;
  const fileURL = (path: string, dl = false) => `${vbase}/file/${path.split('/').map(enc).join('/')}${dl ? '?download=1' : ''}`;
  useEffect(() => {
    get<{ version: Version; files: Entry[]; usedBy: RunRef[] }>(vbase).then(setData).catch((e) => setErr(e.message));
  }, []);
  useEffect(() => {
    setText(null);
    if (!sel || !TEXT.test(sel)) return;
    fetch(fileURL(sel), { credentials: 'same-origin' }).then((r) => r.text()).then((t) => setText(t.slice(0, 500000)));
  }, [sel]);
  if (err) return <div class="banner error">{err}</div>;
  if (!data) return <div class="muted">Loading…</div>;
  const v = data.version;
  return (
    <div class="version-view">
      <h1 class="art-title">
        {v.collection}:<span class="mono">{v.version}</span> <span class="badge">{v.type}</span> <Aliases aliases={v.aliases} />
      </h1>
      {v.description && <p>{v.description}</p>}
      <div class="version-grid">
        <div class="card">
          <h3>Version</h3>
          <table class="kv info">
            <tbody>
              <tr><th>Created</th><td>{fmtDate(v.createdAt)}</td></tr>
              <tr><th>Files</th><td>{v.files}</td></tr>
              <tr><th>Size</th><td>{fmtBytes(v.size)}</td></tr>
              <tr><th>Digest</th><td class="mono">{v.digest}</td></tr>
            </tbody>
          </table>
          <h3 style={{ marginTop: '14px' }}>Metadata</h3>
          <KVTable obj={v.metadata} empty="No metadata." />
        </div>
        <div class="card">
          <h3>Lineage</h3>
          <div class="lineage" data-testid="lineage">
            <div class="lin-col">
              <div class="lin-label">Logged by</div>
              {v.createdBy ? (
                <a class="lin-node run" href={runHref(p.entity, v.createdBy)} onClick={onLinkClick}>
                  <span>{runLabel(v.createdBy)}</span>
                  <StatePill state={v.createdBy.state} />
                </a>
              ) : (
                <div class="lin-node none">no run</div>
              )}
            </div>
            <div class="lin-arrow">→</div>
            <div class="lin-col">
              <div class="lin-label">Artifact</div>
              <div class="lin-node art">
                <span>{v.collection}:{v.version}</span>
                <span class="muted small">{v.type}</span>
              </div>
            </div>
            <div class="lin-arrow">→</div>
            <div class="lin-col">
              <div class="lin-label">Used by</div>
              {data.usedBy.length === 0 && <div class="lin-node none">no run yet</div>}
              {data.usedBy.map((r) => (
                <a key={r.name} class="lin-node run" href={runHref(p.entity, r)} onClick={onLinkClick}>
                  <span>{runLabel(r)}</span>
                  <StatePill state={r.state} />
                </a>
              ))}
            </div>
          </div>
        </div>
      </div>
      <div class="files" style={{ marginTop: '16px' }}>
        <div class="card file-list">
          <h3>Files</h3>
          <table class="table">
            <thead>
              <tr><th>Path</th><th class="num">Size</th><th /></tr>
            </thead>
            <tbody>
              {data.files.map((f) => (
                <tr key={f.path} class={sel === f.path ? 'on' : ''}>
                  <td>
                    {f.ref ? <span class="mono" title={f.ref}>{f.path} ↗</span> : <button class="link mono" onClick={() => setSel(f.path)}>{f.path}</button>}
                  </td>
                  <td class="num">{fmtBytes(f.size)}</td>
                  <td>{!f.ref && <a class="link small" href={fileURL(f.path, true)} download>Download</a>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="card file-preview">
          {!sel && <div class="muted">Select a file to preview it.</div>}
          {sel && (
            <>
              <div class="preview-head mono">{sel}</div>
              {IMG.test(sel) ? <img class="preview-img" src={fileURL(sel)} alt={sel} /> : TEXT.test(sel) ? <pre class="preview-text">{text ?? 'Loading…'}</pre> : (
                <div class="muted">No preview. <a class="link" href={fileURL(sel, true)} download>Download it</a>.</div>
              )}
            </>
          )}
        </div>
      </div>
    </div>
  );
}

export function RunArtifactsTab(p: { base: string; entity: string; project: string }) {
  const [data, setData] = useState<{ logged: Version[]; used: Version[] } | null>(null);
  const [err, setErr] = useState('');
  useEffect(() => {
    get<{ logged: Version[]; used: Version[] }>(`${p.base}/artifacts`).then(setData).catch((e) => setErr(e.message));
  }, []);
  if (err) return <div class="banner error">{err}</div>;
  if (!data) return <div class="muted">Loading…</div>;
  const list = (title: string, vs: Version[], empty: string) => (
    <div class="card">
      <h3>{title} <span class="count">{vs.length}</span></h3>
      {vs.length === 0 ? <div class="muted small">{empty}</div> : (
        <table class="table">
          <thead><tr><th>Artifact</th><th>Type</th><th>Aliases</th><th class="num">Files</th><th class="num">Size</th></tr></thead>
          <tbody>
            {vs.map((v) => (
              <tr key={v.id}>
                <td><a href={verHref(p.entity, p.project, v.collection, v.version)} onClick={onLinkClick}>{v.collection}:<span class="mono">{v.version}</span></a></td>
                <td>{v.type}</td>
                <td><Aliases aliases={v.aliases} /></td>
                <td class="num">{v.files}</td>
                <td class="num">{fmtBytes(v.size)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
  return (
    <div class="overview">
      {list('Logged', data.logged, 'This run logged no artifact.')}
      {list('Used', data.used, 'This run used no artifact.')}
    </div>
  );
}
