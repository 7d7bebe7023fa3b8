import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { LANGUAGES, useLanguage, useT, type Language } from '../../i18n';
import { Link, usePageTitle, useRouter } from '../../router';
import { useSession } from '../../session';
import { Button, ErrorMessage, Field } from '../../ui';

export default function RegisterPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('registerTitle'), common('appName'));
  const { language, setLanguage } = useLanguage();
  const { login } = useSession();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
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
      // The account comes with an API token; the web app uses a session instead (tokens are on the account page).
      await unwrap(api.POST('/api/v1/users', { body: { email: email.trim(), password, language } }));
      await login(email.trim(), password);
      navigate('/', { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <section className="page page-narrow">
      <h1>{t('registerTitle')}</h1>
      <form className="card form" onSubmit={submit}>
        <Field label={t('email')}>
          <input type="email" name="email" autoComplete="username" required maxLength={254} value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label={t('password')} hint={t('passwordHint')}>
          <input type="password" name="password" autoComplete="new-password" required minLength={8} maxLength={256} value={password} onChange={(e) => setPassword(e.target.value)} />
        </Field>
        <Field label={t('passwordAgain')} error={mismatch ? t('passwordsDiffer') : undefined}>
          <input type="password" name="password-again" autoComplete="new-password" required minLength={8} maxLength={256} value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
        <Field label={common('language')}>
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {l === 'en' ? common('english') : common('french')}
              </option>
            ))}
          </select>
        </Field>
        <ErrorMessage error={error} />
        <Button type="submit" variant="primary" busy={busy} disabled={mismatch}>
          {t('register')}
        </Button>
      </form>
      <p>
        {t('haveAccount')} <Link to="/login">{t('logIn')}</Link>
      </p>
    </section>
  );
}
