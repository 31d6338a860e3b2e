// The dashboard's single-page app: sign-in, projects, project workspace
// and run pages, routed by path.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, Me, post, setCSRF } from './api';
import { navigate, onLinkClick, useLocation } from './router';
import { Login } from './login';
import { Home } from './home';
import { Workspace } from './workspace';
import { RunPage } from './runpage';
import { ArtifactsPage } from './artifacts';
import './styles.css';

function Logo() {
  return (
    <a href="/" class="logo" onClick={onLinkClick}>
      <svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
        <rect x="2" y="12" width="4" height="10" rx="1" fill="#f5b82e" />
        <rect x="10" y="6" width="4" height="16" rx="1" fill="#f5b82e" opacity="0.8" />
        <rect x="18" y="2" width="4" height="20" rx="1" fill="#f5b82e" opacity="0.6" />
      </svg>
      <span>gowandb</span>
    </a>
  );
}

export function Crumbs(p: { items: { label: string; href?: string }[] }) {
  return (
    <nav class="crumbs" aria-label="Breadcrumb">
      {p.items.map((it, i) => (
        <span key={i} class="crumb">
          {i > 0 && <span class="sep">/</span>}
          {it.href ? <a href={it.href} onClick={onLinkClick}>{it.label}</a> : <span>{it.label}</span>}
        </span>
      ))}
    </nav>
  );
}

function TopBar(p: { me: Me; crumbs: { label: string; href?: string }[] }) {
  const [open, setOpen] = useState(false);
  const logout = async () => {
    try {
      await post('/api/ui/logout');
    } finally {
      navigate('/login');
      location.reload();
    }
  };
  return (
    <header class="topbar">
      <Logo />
      <Crumbs items={p.crumbs} />
      <div class="spacer" />
      <div class="user-menu">
        <button class="user-btn" onClick={() => setOpen(!open)} aria-haspopup="menu">
          <span class="avatar">{p.me.user.name.slice(0, 1).toUpperCase()}</span>
          {p.me.user.name}
        </button>
        {open && (
          <div class="menu" role="menu" onMouseLeave={() => setOpen(false)}>
            <div class="menu-info">{p.me.user.email}</div>
            <button class="menu-item" role="menuitem" onClick={logout}>Sign out</button>
          </div>
        )}
      </div>
    </header>
  );
}

// ProjectShell is a project's pages with their navigation rail.
function ProjectShell(p: { entity: string; project: string; section: string; children: any }) {
  const base = `/p/${encodeURIComponent(p.entity)}/${encodeURIComponent(p.project)}`;
  return (
    <div class="project-shell">
      <nav class="rail" aria-label="Project">
        <a href={base} onClick={onLinkClick} class={p.section === 'workspace' ? 'on' : ''} title="Workspace">
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M3 3v18h18" /><path d="M7 15l4-5 3 3 5-7" /></svg>
          <span>Workspace</span>
        </a>
        <a href={base + '/artifacts'} onClick={onLinkClick} class={p.section === 'artifacts' ? 'on' : ''} title="Artifacts">
          <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"><path d="M12 2l9 5v10l-9 5-9-5V7z" /><path d="M12 22V12M21 7l-9 5-9-5" /></svg>
          <span>Artifacts</span>
        </a>
      </nav>
      <div class="shell-body">{p.children}</div>
    </div>
  );
}

function App() {
  const loc = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [crumbs, setCrumbs] = useState<{ label: string; href?: string }[]>([]);

  useEffect(() => {
    get<Me>('/api/ui/me')
      .then((m) => {
        setCSRF(m.csrf);
        setMe(m);
      })
      .catch(() => {
        setMe(null);
        if (location.pathname !== '/login') {
          const next = location.pathname === '/' ? '' : '?next=' + encodeURIComponent(location.pathname + location.search);
          navigate('/login' + next, true);
        }
      })
      .finally(() => setChecked(true));
  }, []);

  if (!checked) return <div class="boot" />;
  const path = loc.pathname;
  if (!me || path === '/login') {
    return (
      <Login
        signedIn={!!me}
        onSignedIn={(m) => {
          setCSRF(m.csrf);
          setMe(m);
          const next = new URLSearchParams(loc.search).get('next');
          navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
        }}
      />
    );
  }
  let parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  // The URLs the SDK prints (W&B's form): /<entity>/<project> and
  // /<entity>/<project>/runs/<run>.
  if (parts.length === 4 && parts[2] === 'runs') parts = ['r', parts[0], parts[1], parts[3]];
  else if (parts.length === 2 && parts[0] !== 'login') parts = ['p', parts[0], parts[1]];
  let page;
  if (parts[0] === 'p' && parts.length >= 3) {
    const [, entity, project, section, coll, ver] = parts;
    page = (
      <ProjectShell entity={entity} project={project} section={section === 'artifacts' ? 'artifacts' : 'workspace'}>
        {section === 'artifacts' ? (
          <ArtifactsPage key={path} entity={entity} project={project} coll={coll} ver={ver} setCrumbs={setCrumbs} />
        ) : (
          <Workspace key={path} entity={entity} project={project} setCrumbs={setCrumbs} />
        )}
      </ProjectShell>
    );
  } else if (parts[0] === 'r' && parts.length === 4) {
    page = <RunPage key={path} entity={parts[1]} project={parts[2]} run={parts[3]} setCrumbs={setCrumbs} />;
  } else {
    page = <Home me={me} setCrumbs={setCrumbs} />;
  }
  return (
    <div class="app">
      <TopBar me={me} crumbs={crumbs} />
      <main class="main">{page}</main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
