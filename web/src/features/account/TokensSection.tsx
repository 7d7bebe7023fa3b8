import { useRef, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import type { Reply } from '../../api/types';
import { formatDate, useLanguage, useT } from '../../i18n';
import { Button, Dialog, EmptyState, ErrorMessage, Field, Loading, useAsync } from '../../ui';

type Token = Reply<'/api/v1/tokens', 'get'>[number];

/** End of the chosen day in the user's time zone, as the API's date-time. */
function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const t = useT('account');
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setStatus('copied');
    } catch {
      setStatus('failed');
    }
  };
  return (
    <>
      <Button onClick={() => void copy()} aria-label={label}>
        {t('copy')}
      </Button>
      <span role="status" className="copy-status">
        {status === 'copied' ? t('copied') : status === 'failed' ? t('copyFailed') : ''}
      </span>
    </>
  );
}

function ApiPanel({ secret }: { secret: string | null }) {
  const t = useT('account');
  const example = `curl -H "Authorization: Bearer ${secret ?? t('useApiPlaceholder')}" \\\n  ${window.location.origin}/api/v1/freezers`;
  return (
    <section className="card" aria-labelledby="use-api-title">
      <h2 id="use-api-title">{t('useApiTitle')}</h2>
      <p>{t('useApiIntro')}</p>
      <figure className="code-example" aria-label="curl">
        {/* Focusable: a long line scrolls sideways, with the keyboard too. */}
        <pre tabIndex={0}>
          <code>{example}</code>
        </pre>
      </figure>
      <p>
        {t('useApiDocs')} <a href="/docs">{t('openDocs')}</a>
      </p>
    </section>
  );
}

export function TokensSection() {
  const t = useT('account');
  const common = useT('common');
  const { language } = useLanguage();
  const tokens = useAsync(() => unwrap(api.GET('/api/v1/tokens')), []);
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'read' | 'write'>('write');
  const [expiry, setExpiry] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<{ name: string; secret: string } | null>(null);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [revokeError, setRevokeError] = useState<unknown>(null);
  const [revokeBusy, setRevokeBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const secretRef = useRef<HTMLInputElement>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const answer = await unwrap(api.POST('/api/v1/tokens', { body: { name: name.trim(), scope, ...(expiry ? { expiresAt: endOfDay(expiry) } : {}) } }));
      setCreated({ name: answer.token.name, secret: answer.secret });
      setName('');
      setExpiry('');
      await tokens.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const revoke = async () => {
    if (!revoking) return;
    setRevokeBusy(true);
    setRevokeError(null);
    try {
      await unwrap(api.DELETE('/api/v1/tokens/{id}', { params: { path: { id: revoking.id } } }));
      setNotice(t('revoked', { name: revoking.name }));
      setRevoking(null);
      await tokens.reload();
    } catch (err) {
      setRevokeError(err);
    } finally {
      setRevokeBusy(false);
    }
  };

  return (
    <>
      <section className="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">{t('tokensTitle')}</h2>
        <p>{t('tokensIntro')}</p>
        <form className="form" onSubmit={create}>
          <div className="form-row">
            <Field label={t('tokenName')}>
              <input required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label={t('tokenScope')}>
              <select value={scope} onChange={(e) => setScope(e.target.value as 'read' | 'write')}>
                <option value="write">{t('scopeWrite')}</option>
                <option value="read">{t('scopeRead')}</option>
              </select>
            </Field>
            <Field label={t('tokenExpiry')} hint={t('tokenExpiryHint')}>
              <input type="date" min={tomorrow()} value={expiry} onChange={(e) => setExpiry(e.target.value)} />
            </Field>
          </div>
          <ErrorMessage error={error} />
          <div className="actions">
            <Button type="submit" variant="primary" busy={busy}>
              {t('createToken')}
            </Button>
          </div>
        </form>

        {created ? (
          <div className="new-token" role="region" aria-labelledby="new-token-title">
            <h3 id="new-token-title">{t('newTokenTitle')}</h3>
            <p>{t('newTokenOnce')}</p>
            <Field label={`${t('secret')} (${created.name})`}>
              <input ref={secretRef} readOnly value={created.secret} onFocus={(e) => e.currentTarget.select()} className="secret" />
            </Field>
            <div className="actions">
              <CopyButton text={created.secret} label={`${t('copy')}: ${t('secret')}`} />
            </div>
          </div>
        ) : null}

        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}

        {tokens.loading && !tokens.data ? <Loading /> : null}
        <ErrorMessage error={tokens.error} onRetry={() => void tokens.reload()} />
        {tokens.data && tokens.data.length === 0 ? <EmptyState title={t('noTokens')} /> : null}
        {tokens.data && tokens.data.length > 0 ? (
          <ul className="token-list">
            {tokens.data.map((token) => (
              <li key={token.id} className="token">
                <div>
                  <strong>{token.name}</strong> <span className="badge">{token.scope === 'read' ? t('scopeRead') : t('scopeWrite')}</span>
                  <div className="muted">
                    <code>{token.prefix}…</code> · {t('tokenCreated')} {formatDate(token.createdAt, language)} · {t('tokenLastUsed')}{' '}
                    {token.lastUsedAt ? formatDate(token.lastUsedAt, language) : t('never')} ·{' '}
                    {token.expiresAt ? t('expiresOn', { date: formatDate(token.expiresAt, language) }) : t('noExpiry')}
                  </div>
                </div>
                <Button variant="danger" className="btn-small" onClick={() => {
                    setRevokeError(null);
                    setRevoking(token);
                  }} aria-label={t('revokeNamed', { name: token.name })}>
                  {t('revoke')}
                </Button>
              </li>
            ))}
          </ul>
        ) : null}
      </section>

      <ApiPanel secret={created?.secret ?? null} />

      <Dialog open={revoking !== null} title={t('revoke')} onClose={() => setRevoking(null)}>
        {revoking ? (
          <div className="form">
            <p>{t('revokeConfirm', { name: revoking.name })}</p>
            <ErrorMessage error={revokeError} />
            <div className="actions">
              <Button variant="danger" busy={revokeBusy} onClick={() => void revoke()}>
                {t('revoke')}
              </Button>
              <Button onClick={() => setRevoking(null)}>{common('cancel')}</Button>
            </div>
          </div>
        ) : null}
      </Dialog>
    </>
  );
}
