// Formatting helpers. Every value becomes text; nothing is parsed as HTML.
export function fmtNum(v: number): string {
  if (!isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US');
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(5)));
}

export function fmtValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return fmtNum(v);
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return JSON.stringify(v);
}

export function fmtDuration(sec: number): string {
  if (!isFinite(sec) || sec < 0) return '';
  if (sec < 10 && sec !== Math.round(sec)) return `${sec.toFixed(1)}s`;
  sec = Math.round(sec);
  if (sec < 60) return `${sec}s`;
  const m = Math.floor(sec / 60), s = sec % 60;
  if (m < 60) return `${m}m ${s}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function fmtAgo(iso: string): string {
  const t = Date.parse(iso);
  if (!t || t < 0) return '';
  const s = (Date.now() - t) / 1000;
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  if (s < 86400 * 30) return `${Math.round(s / 86400)}d ago`;
  return new Date(t).toLocaleDateString();
}

export function fmtDate(iso: string): string {
  const t = Date.parse(iso);
  if (!t || t < 0) return '';
  return new Date(t).toLocaleString();
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const u = ['KB', 'MB', 'GB', 'TB'];
  let i = -1;
  do {
    n /= 1024;
    i++;
  } while (n >= 1024 && i < u.length - 1);
  return `${n.toFixed(n < 10 ? 1 : 0)} ${u[i]}`;
}

// A palette that stays readable on white, in W&B's spirit.
export const PALETTE = [
  '#4e79a7', '#e15759', '#59a14f', '#f28e2b', '#b07aa1', '#76b7b2', '#edc948', '#ff9da7',
  '#9c755f', '#2f4b7c', '#d45087', '#00876c', '#a05195', '#ff7c43', '#665191', '#8cd17d',
  '#499894', '#e17c05', '#86bcb6', '#bab0ac',
];

export function colorFor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export function runLabel(r: { displayName: string; name: string }): string {
  return r.displayName || r.name;
}
