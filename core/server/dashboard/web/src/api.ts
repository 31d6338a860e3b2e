// The dashboard's JSON API client: same-origin fetches with the session
// cookie, the CSRF token on state-changing requests, and a redirect to the
// sign-in page on 401.
let csrf = '';

export function setCSRF(token: string) {
  csrf = token;
}

export class APIError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data: any = null;
  try {
    data = await res.json();
  } catch {
    /* empty body */
  }
  if (!res.ok) {
    const msg = (data && data.error) || `${res.status} ${res.statusText}`;
    if (res.status === 401 && !path.endsWith('/login') && !path.endsWith('/me')) {
      location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search));
    }
    throw new APIError(res.status, msg.replace(/^dashboard: /, ''));
  }
  return data as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {});

export const enc = encodeURIComponent;
export const qs = (o: Record<string, string | number | undefined | null>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${k}=${enc(String(v))}`)
    .join('&');

export interface Me {
  user: { name: string; email: string; admin: boolean };
  entities: { name: string; isTeam: boolean }[];
  csrf: string;
}

export interface Project {
  entity: string;
  name: string;
  createdAt: string;
  runs: number;
  running: number;
  lastRunAt: string;
}

export interface Run {
  name: string;
  displayName: string;
  state: string;
  stopped: boolean;
  user: string;
  createdAt: string;
  heartbeatAt: string;
  runtime: number;
  tags: string[];
  group: string;
  jobType: string;
  notes: string;
  exitCode: number | null;
  historyLines: number;
  c?: unknown[];
  s?: unknown[];
}

export interface RunsResponse {
  total: number;
  configKeys: string[];
  summaryKeys: string[];
  runs: Run[];
}

export interface RunDetail extends Run {
  config: Record<string, unknown>;
  summary: Record<string, unknown>;
  metadata: Record<string, any>;
  keys: string[];
  customCharts: Record<string, { spec: string; fields: Record<string, string>; strings: Record<string, string>; tableKey: string }>;
  eventLines: number;
  logLines: number;
}

export interface Series {
  run: string;
  key: string;
  x: number[];
  y: number[];
  min: number[];
  max: number[];
  count: number;
  steps: [number, number];
}

export interface MediaItem {
  path: string;
  caption?: string;
  width?: number;
  height?: number;
  rows?: number;
  cols?: number;
  boxes?: Record<string, string>;
  masks?: Record<string, string>;
}
export interface MediaKey {
  key: string;
  type: string;
  steps: { step: number; items: MediaItem[] }[];
}
