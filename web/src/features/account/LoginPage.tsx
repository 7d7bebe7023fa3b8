import { useState, type FormEvent } from 'react';
import { useT } from '../../i18n';
import { Link, safeNext, usePageTitle, useRouter } from '../../router';
import { useSession } from '../../session';
import { Button, ErrorMessage, Field } from '../../ui';

export default function LoginPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('loginTitle'), common('appName'));
  const { login, ended } = useSession();
  const { navigate, search } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const notice = search.get('reset') === 'done' ? t('resetDone') : ended ? common('sessionExpired') : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(safeNext(search.get('next')), { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="page page-narrow">
      <h1>{t('loginTitle')}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <form className="card form" onSubmit={submit}>
        <Field label={t('email')}>
          <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label={t('password')}>
          <input type="password" name="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy}>
          {t('logIn')}
        </Button>
      </form>
      <p>
        <Link to="/forgot-password">{t('forgotPassword')}</Link>
      </p>
      <p>
        {t('noAccount')} <Link to="/register">{t('createAccount')}</Link>
      </p>
    </section>
  );
}
