import { useT } from '../../i18n';
import { usePageTitle } from '../../router';

/** The photos page: timeline, search, bulk upload (route /photos). */
export function PhotosPage() {
  const t = useT('photos');
  const common = useT('common');
  usePageTitle(t('title'), common('appName'));
  return (
    <section className="page">
      <h1>{t('title')}</h1>
    </section>
  );
}

/** The gallery of one product, embedded in the product's page. */
export function ProductPhotos({ productId }: { productId: number }) {
  const t = useT('photos');
  return (
    <section className="card" aria-labelledby={`product-photos-${productId}`}>
      <h2 id={`product-photos-${productId}`}>{t('productPhotos')}</h2>
    </section>
  );
}
