import { useState, type ReactNode } from 'react';
import { useT } from './i18n';
import { Link, useRouter } from './router';
import { useSession } from './session';
import { OfflineBanner } from './ui';

/** The frame of every page: skip link, header with the navigation, the offline banner and the page. */
export function Layout({ children }: { children: ReactNode }) {
  const t = useT('common');
  const { user, logout } = useSession();
  const { navigate } = useRouter();
  const [leaving, setLeaving] = useState(false);
  const onLogout = async () => {
    setLeaving(true);
    try {
      await logout();
    } finally {
      setLeaving(false);
      navigate('/login');
    }
  };
  return (
    <>
      <a className="skip-link" href="#main">
        {t('skipToContent')}
      </a>
      <header className="app-header">
        <Link to={user ? '/' : '/login'} className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>{t('appName')}</span>
        </Link>
        {user ? (
          <nav aria-label={t('mainNavigation')} className="main-nav">
            <ul>
              <li>
                <Link to="/">{t('navDashboard')}</Link>
              </li>
              <li>
                <Link to="/photos">{t('navPhotos')}</Link>
              </li>
              <li>
                <Link to="/trends">{t('navTrends')}</Link>
              </li>
              {user.isAdmin ? (
                <li>
                  <Link to="/admin">{t('navAdmin')}</Link>
                </li>
              ) : null}
              <li>
                <Link to="/account">{t('navAccount')}</Link>
              </li>
              <li>
                <button type="button" className="btn btn-ghost nav-logout" onClick={onLogout} disabled={leaving}>
                  {t('logOut')}
                </button>
              </li>
            </ul>
          </nav>
        ) : null}
      </header>
      <OfflineBanner />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
