import { useT } from '../../i18n';
import { usePageTitle } from '../../router';

/** General and personal tendencies and consumption over time (route /trends). */
export function TrendsPage() {
  const t = useT('trends');
  const common = useT('common');
  usePageTitle(t('title'), common('appName'));
  return (
    <section className="page">
      <h1>{t('title')}</h1>
    </section>
  );
}
