import { useEffect, useState } from 'preact/hooks';
import { enc, get, Me, Project } from './api';
import { fmtAgo } from './format';
import { onLinkClick } from './router';

export function Home(p: { me: Me; setCrumbs: (c: { label: string; href?: string }[]) => void }) {
  const [projects, setProjects] = useState<Record<string, Project[]>>({});
  const [error, setError] = useState('');
  useEffect(() => {
    p.setCrumbs([{ label: 'Projects' }]);
    document.title = 'Projects · gowandb';
    Promise.all(p.me.entities.map((e) => get<{ projects: Project[] }>(`/api/ui/entities/${enc(e.name)}/projects`).then((r) => [e.name, r.projects] as const)))
      .then((all) => setProjects(Object.fromEntries(all)))
      .catch((e) => setError(String(e.message || e)));
  }, []);
  return (
    <div class="page home">
      <div class="page-head">
        <h1>Projects</h1>
      </div>
      {error && <div class="banner error">{error}</div>}
      {p.me.entities.map((e) => (
        <section class="entity" key={e.name}>
          <h2>
            {e.name}
            <span class="badge">{e.isTeam ? 'team' : 'personal'}</span>
          </h2>
          {!projects[e.name] ? (
            <div class="muted">Loading…</div>
          ) : projects[e.name].length === 0 ? (
            <div class="empty-state">
              No projects yet. Log a run with <code>WANDB_BASE_URL={location.origin}</code> and <code>WANDB_ENTITY={e.name}</code>.
            </div>
          ) : (
            <div class="cards">
              {projects[e.name].map((pr) => (
                <a class="card project-card" key={pr.name} href={`/p/${enc(e.name)}/${enc(pr.name)}`} onClick={onLinkClick}>
                  <div class="card-title">{pr.name}</div>
                  <div class="card-meta">
                    <span>{pr.runs} {pr.runs === 1 ? 'run' : 'runs'}</span>
                    {pr.running > 0 && <span class="state-pill running">{pr.running} running</span>}
                  </div>
                  <div class="card-foot muted">{pr.lastRunAt && !pr.lastRunAt.startsWith('0001') ? `last run ${fmtAgo(pr.lastRunAt)}` : `created ${fmtAgo(pr.createdAt)}`}</div>
                </a>
              ))}
            </div>
          )}
        </section>
      ))}
    </div>
  );
}
