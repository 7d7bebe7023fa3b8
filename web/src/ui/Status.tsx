import type { ReactNode } from 'react';
import { problemText } from '../api/problem';
import { useT } from '../i18n';
import { Button } from './Button';

/** A loading indicator that screen readers announce. */
export function Loading({ label }: { label?: string }) {
  const t = useT('common');
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label ?? t('loading')}</span>
    </div>
  );
}

/** A failed request: the server's problem detail in the user's language, and a retry when there is one. */
export function ErrorMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT('common');
  if (!error) return null;
  return (
    <div className="error-message" role="alert">
      <p>{problemText(error, { network: t('networkError'), unexpected: t('unexpectedError') })}</p>
      {onRetry ? <Button onClick={onRetry}>{t('retry')}</Button> : null}
    </div>
  );
}

/** Nothing to show yet: what this place is for and the first thing to do. */
export function EmptyState({ title, children, action }: { title: ReactNode; children?: ReactNode; action?: ReactNode }) {
  return (
    <section className="empty-state">
      <h2>{title}</h2>
      {children}
      {action ? <div className="empty-state-action">{action}</div> : null}
    </section>
  );
}
