import { useEffect, useState } from 'react';
import { useT } from '../i18n';

/** navigator.onLine, kept current. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    window.addEventListener('online', update);
    window.addEventListener('offline', update);
    return () => {
      window.removeEventListener('online', update);
      window.removeEventListener('offline', update);
    };
  }, []);
  return online;
}

/** A banner while the browser is offline. */
export function OfflineBanner() {
  const online = useOnline();
  const t = useT('common');
  if (online) return null;
  return (
    <div className="offline-banner" role="status">
      {t('offline')}
    </div>
  );
}
