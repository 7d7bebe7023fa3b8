import { lazy, Suspense, useEffect, type ComponentType, type LazyExoticComponent } from 'react';
import { useT } from './i18n';
import { Layout } from './Layout';
import { Link, matchPath, safeNext, usePageTitle, useRouter } from './router';
import { useSession } from './session';
import { ErrorMessage, Loading } from './ui';

type Page = LazyExoticComponent<ComponentType<{ params: Record<string, string> }>>;

// Every page is its own chunk: the first load carries only the shell and the page it shows.
const LoginPage = lazy(() => import('./features/account/LoginPage'));
const RegisterPage = lazy(() => import('./features/account/RegisterPage'));
const ForgotPasswordPage = lazy(() => import('./features/account/ForgotPasswordPage'));
const ResetPasswordPage = lazy(() => import('./features/account/ResetPasswordPage'));
const AccountPage = lazy(() => import('./features/account/AccountPage'));
const DashboardPage = lazy(() => import('./features/freezers/DashboardPage'));
const ProductPage = lazy(() => import('./features/products/ProductPage'));
const PhotosPage = lazy(() => import('./features/photos').then((m) => ({ default: m.PhotosPage })));
const TrendsPage = lazy(() => import('./features/trends').then((m) => ({ default: m.TrendsPage })));
const AdminPage = lazy(() => import('./features/admin').then((m) => ({ default: m.AdminPage })));

interface Route {
  path: string;
  page: Page;
  /** 'user': logged-in users only; 'admin': admins only; 'guest': only when logged out; 'any': both. */
  access: 'user' | 'admin' | 'guest' | 'any';
}

/** The client routes; the server answers index.html for each of them (WEB_APP_ROUTES in src/app.ts). */
export const ROUTES: Route[] = [
  { path: '/', page: DashboardPage, access: 'user' },
  { path: '/login', page: LoginPage, access: 'guest' },
  { path: '/register', page: RegisterPage, access: 'guest' },
  { path: '/forgot-password', page: ForgotPasswordPage, access: 'any' },
  { path: '/reset-password', page: ResetPasswordPage, access: 'any' },
  { path: '/account', page: AccountPage, access: 'user' },
  { path: '/products/:id', page: ProductPage, access: 'user' },
  { path: '/photos', page: PhotosPage, access: 'user' },
  { path: '/photos/*', page: PhotosPage, access: 'user' },
  { path: '/trends', page: TrendsPage, access: 'user' },
  { path: '/trends/*', page: TrendsPage, access: 'user' },
  // AdminPage tells non-admins the page is for administrators (a clearer answer than "not found").
  { path: '/admin', page: AdminPage, access: 'user' },
  { path: '/admin/*', page: AdminPage, access: 'user' },
];

function Redirect({ to }: { to: string }) {
  const { navigate } = useRouter();
  useEffect(() => navigate(to, { replace: true }), [navigate, to]);
  return null;
}

function NotFound() {
  const t = useT('common');
  usePageTitle(t('notFoundTitle'), t('appName'));
  return (
    <section className="page">
      <h1>{t('notFoundTitle')}</h1>
      <p>{t('notFoundText')}</p>
      <Link to="/">{t('backHome')}</Link>
    </section>
  );
}

export function App() {
  const { user, loadError, reload } = useSession();
  const { path, search } = useRouter();
  const t = useT('common');

  let content;
  if (user === undefined) {
    content = loadError ? <ErrorMessage error={loadError} onRetry={() => void reload()} /> : <Loading />;
  } else {
    let params: Record<string, string> | null = null;
    const route = ROUTES.find((r) => (params = matchPath(r.path, path)) !== null);
    if (!route || !params) content = <NotFound />;
    else if (route.access === 'guest' && user) content = <Redirect to={safeNext(search.get('next'))} />;
    else if ((route.access === 'user' || route.access === 'admin') && !user) content = <Redirect to={`/login?next=${encodeURIComponent(path + window.location.search)}`} />;
    else if (route.access === 'admin' && !user?.isAdmin) content = <NotFound />;
    else {
      const Page = route.page;
      content = <Page params={params} />;
    }
  }
  return (
    <Layout>
      <Suspense fallback={<Loading label={t('loading')} />}>{content}</Suspense>
    </Layout>
  );
}
