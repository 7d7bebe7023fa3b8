import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { Link, usePageTitle, useRouter } from '../../router';
import { useSession } from '../../session';
import { Button, ErrorMessage, Field } from '../../ui';

/** The page of the e-mailed link, PUBLIC_URL/reset-password#token=… (the token stays out of server logs). */
export default function ResetPasswordPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('resetTitle'), common('appName'));
  const { hash, navigate } = useRouter();
  const { user, logout } = useSession();
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mismatch = again.length > 0 && again !== password;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password !== again) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST('/api/v1/password-resets/confirm', { body: { token, password } }));
      // The reset ends every session of the account; a session open in this browser goes too.
      if (user) await logout().catch(() => undefined);
      navigate('/login?reset=done', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <section className="page page-narrow">
        <h1>{t('resetTitle')}</h1>
        <p role="alert" className="error-message">
          {t('resetMissingToken')}
        </p>
        <Link to="/forgot-password">{t('askNewLink')}</Link>
      </section>
    );
  }

  return (
    <section className="page page-narrow">
      <h1>{t('resetTitle')}</h1>
      <form className="card form" onSubmit={submit}>
        <Field label={t('newPassword')} hint={t('passwordHint')}>
          <input type="password" name="new-password" autoComplete="new-password" required minLength={8} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label={t('passwordAgain')} error={mismatch ? t('passwordsDiffer') : undefined}>
          <input type="password" name="password-again" autoComplete="new-password" required minLength={8} maxLength={256} value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy} disabled={mismatch}>
          {t('setPassword')}
        </Button>
      </form>
      <p>
        <Link to="/forgot-password">{t('askNewLink')}</Link>
      </p>
    </section>
  );
}
