import { ProductPhotos } from '../photos';
import { useT } from '../../i18n';
import { usePageTitle } from '../../router';

export default function ProductPage({ params }: { params: Record<string, string> }) {
  const t = useT('products');
  const common = useT('common');
  usePageTitle(t('productTitle'), common('appName'));
  const id = Number(params.id);
  return (
    <section className="page">
      <h1>{t('productTitle')}</h1>
      {Number.isInteger(id) && id > 0 ? <ProductPhotos productId={id} /> : null}
    </section>
  );
}
