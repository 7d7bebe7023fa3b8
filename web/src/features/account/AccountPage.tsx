import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { LANGUAGES, useT, type Language } from '../../i18n';
import { usePageTitle } from '../../router';
import { useSession, useUser } from '../../session';
import { Button, ErrorMessage, Field } from '../../ui';
import { TokensSection } from './TokensSection';

function LanguageSection() {
  const t = useT('account');
  const common = useT('common');
  const user = useUser();
  const { update } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  const change = async (language: Language) => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const me = await unwrap(api.PATCH('/api/v1/me', { body: { language } }));
      // The whole interface switches, and the server answers in the new language from now on.
      update(me);
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="profile-title">
      <h2 id="profile-title">{t('profile')}</h2>
      <dl className="facts">
        <dt>{t('email')}</dt>
        <dd>{user.email}</dd>
        <dt>{t('role')}</dt>
        <dd>{user.isAdmin ? t('roleAdmin') : t('roleUser')}</dd>
      </dl>
      <Field label={common('language')}>
        <select value={user.language} disabled={busy} onChange={(e) => void change(e.target.value as Language)}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {l === 'en' ? common('english') : common('french')}
            </option>
          ))}
        </select>
      </Field>
      {saved ? (
        <p className="notice" role="status">
          {t('languageSaved')}
        </p>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}

function PasswordSection() {
  const t = useT('account');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState(false);
  const mismatch = again.length > 0 && again !== next;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== again) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await unwrap(api.PUT('/api/v1/me/password', { body: { currentPassword: current, newPassword: next } }));
      setCurrent('');
      setNext('');
      setAgain('');
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t('changePassword')}</h2>
      <form className="form" onSubmit={submit}>
        <Field label={t('currentPassword')}>
          <input type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field label={t('newPassword')} hint={t('passwordHint')}>
          <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        <Field label={t('passwordAgain')} error={mismatch ? t('passwordsDiffer') : undefined}>
          <input type="password" autoComplete="new-password" required minLength={8} maxLength={256} value={again} onChange={(e) => setAgain(e.target.value)} />
        </Field>
        <ErrorMessage error={error} />
        {done ? (
          <p className="notice" role="status">
            {t('passwordChanged')}
          </p>
        ) : null}
        <div className="actions">
          <Button type="submit" variant="primary" busy={busy} disabled={mismatch}>
            {t('changePassword')}
          </Button>
        </div>
      </form>
    </section>
  );
}

export default function AccountPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('accountTitle'), common('appName'));
  return (
    <section className="page account-page">
      <h1>{t('accountTitle')}</h1>
      <div className="account-grid">
        <LanguageSection />
        <PasswordSection />
      </div>
      <TokensSection />
    </section>
  );
}
