import { useState, type FormEvent } from 'react';
import { useDash, useDashboard, useT } from '../context';

export function Login() {
  const dashboard = useDashboard();
  const busy = useDash((s) => s.busy);
  const notice = useDash((s) => s.loginNotice);
  const { t } = useT();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void dashboard.login(username, password).then(() => setPassword(''));
  };
  return (
    <main className="login">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t('loginTitle')}</h1>
        <label className="field">
          {t('username')}
          <input data-testid="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required />
        </label>
        <label className="field">
          {t('password')}
          <input data-testid="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {notice ? (
          <p className="notice notice-error" role="alert" data-testid="login-error">
            {t(notice.key, notice.vars)}
          </p>
        ) : null}
        <button className="btn btn-primary btn-wide" type="submit" disabled={busy} data-testid="login">
          {t('login')}
        </button>
      </form>
    </main>
  );
}
