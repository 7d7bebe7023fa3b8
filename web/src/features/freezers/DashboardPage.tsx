import { useT } from '../../i18n';
import { usePageTitle } from '../../router';

export default function DashboardPage() {
  const t = useT('freezers');
  const common = useT('common');
  usePageTitle(t('dashboardTitle'), common('appName'));
  return (
    <section className="page">
      <h1>{t('dashboardTitle')}</h1>
    </section>
  );
}
