import { useT } from '../../i18n';
import { usePageTitle } from '../../router';
import { useUser } from '../../session';

export default function AccountPage() {
  const t = useT('account');
  const common = useT('common');
  usePageTitle(t('accountTitle'), common('appName'));
  const user = useUser();
  return (
    <section className="page">
      <h1>{t('accountTitle')}</h1>
      <p>{user.email}</p>
    </section>
  );
}
