import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { Link, usePageTitle } from '../../router';
import { Button, ErrorMessage, Field } from '../../ui';

export default function ForgotPasswordPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('forgotTitle'), common('appName'));
  const [email, setEmail] = useState('');
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST('/api/v1/password-resets', { body: { email: email.trim() } }));
      setSentTo(email.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="page page-narrow">
      <h1>{t('forgotTitle')}</h1>
      {sentTo ? (
        <p className="notice" role="status">
          {t('linkSent', { email: sentTo })}
        </p>
      ) : (
        <form className="card form" onSubmit={submit}>
          <p>{t('forgotIntro')}</p>
          <Field label={t('email')}>
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <ErrorMessage error={error} />
          <Button type="submit" variant="primary" busy={busy}>
            {t('sendLink')}
          </Button>
        </form>
      )}
      <p>
        <Link to="/login">{t('backToLogin')}</Link>
      </p>
    </section>
  );
}
