import { useState } from 'preact/hooks';
import { Me, post } from './api';

export function Login(p: { signedIn: boolean; onSignedIn: (m: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      p.onSignedIn(await post<Me>('/api/ui/login', { apiKey: key.trim() }));
    } catch (err: any) {
      setError(err.status === 401 ? 'That API key is not known to this server.' : String(err.message || err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="login-page">
      <form class="login-card" onSubmit={submit}>
        <div class="login-logo">
          <svg width="36" height="36" viewBox="0 0 24 24" aria-hidden="true">
            <rect x="2" y="12" width="4" height="10" rx="1" fill="#f5b82e" />
            <rect x="10" y="6" width="4" height="16" rx="1" fill="#f5b82e" opacity="0.8" />
            <rect x="18" y="2" width="4" height="20" rx="1" fill="#f5b82e" opacity="0.6" />
          </svg>
          <h1>Sign in to gowandb</h1>
        </div>
        <p class="muted">Use an API key of this server: the one <code>wandb server</code> printed at its first start, or the one your SDK uses (<code>WANDB_API_KEY</code>).</p>
        <label class="field">
          <span>API key</span>
          <input
            class="input"
            name="apiKey"
            type="password"
            autocomplete="current-password"
            autofocus
            value={key}
            onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            placeholder="Paste your API key"
          />
        </label>
        {error && <div class="form-error" role="alert">{error}</div>}
        <button class="btn btn-primary btn-block" type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
