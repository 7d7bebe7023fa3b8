import { useT } from '../../i18n';
import { usePageTitle } from '../../router';

/** The admin panel: types, users, statistics, audit log (route /admin, admins only). */
export function AdminPage() {
  const t = useT('admin');
  const common = useT('common');
  usePageTitle(t('title'), common('appName'));
  return (
    <section className="page">
      <h1>{t('title')}</h1>
    </section>
  );
}
