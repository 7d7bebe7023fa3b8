import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { usePageTitle, useRouter } from '../../router';
import { Button, EmptyState, ErrorMessage, Field, Loading } from '../../ui';
import { Gallery, type Photo } from './Gallery';
import { Uploader } from './Uploader';
import './photos.css';

const PAGE = 24;

interface Listing {
  items: Photo[];
  total: number;
  loading: boolean;
  error: unknown;
}

/** Pages of photos from a list route, with "show more"; reload() starts over (after a change). */
function usePhotoPages(load: (offset: number) => Promise<{ items: Photo[]; total: number }>, deps: readonly unknown[]) {
  const [state, setState] = useState<Listing>({ items: [], total: 0, loading: true, error: null });
  const [generation, setGeneration] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const loader = useCallback(load, deps);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    loader(0).then(
      (page) => current && setState({ items: page.items, total: page.total, loading: false, error: null }),
      (error: unknown) => current && setState((s) => ({ ...s, loading: false, error })),
    );
    return () => {
      current = false;
    };
  }, [loader, generation]);
  const more = async () => {
    setState((s) => ({ ...s, loading: true, error: null }));
    try {
      const page = await loader(state.items.length);
      setState((s) => ({ items: [...s.items, ...page.items.filter((p) => !s.items.some((q) => q.id === p.id))], total: page.total, loading: false, error: null }));
    } catch (error) {
      setState((s) => ({ ...s, loading: false, error }));
    }
  };
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, more, reload };
}

/** The photos page: upload, timeline, search (route /photos, `?q=` searches). */
export function PhotosPage() {
  const t = useT('photos');
  const common = useT('common');
  usePageTitle(t('title'), common('appName'));
  const { search, navigate } = useRouter();
  const q = (search.get('q') ?? '').trim();
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const listing = usePhotoPages(
    (offset) => unwrap(api.GET('/api/v1/photos', { params: { query: { limit: PAGE, offset, ...(q ? { q } : {}) } } })),
    [q],
  );
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    const next = draft.trim();
    navigate(next ? `/photos?q=${encodeURIComponent(next)}` : '/photos');
  };
  const resultsId = useId();

  return (
    <section className="page photos-page">
      <h1>{t('title')}</h1>
      <p>{t('intro')}</p>
      <Uploader onUploaded={listing.reload} />
      <form className="card form photo-search" role="search" onSubmit={onSearch}>
        <Field label={t('searchLabel')} hint={t('searchHint')}>
          <input type="search" value={draft} onChange={(event) => setDraft(event.target.value)} maxLength={200} />
        </Field>
        <div className="actions">
          <Button type="submit" variant="primary">
            {t('search')}
          </Button>
          {q ? <Button onClick={() => navigate('/photos')}>{t('clearSearch')}</Button> : null}
        </div>
      </form>
      <section aria-labelledby={resultsId}>
        <h2 id={resultsId} className={q ? undefined : 'visually-hidden'}>
          {q ? t('resultsFor', { count: listing.total, q }) : t('title')}
        </h2>
        <ErrorMessage error={listing.error} onRetry={listing.reload} />
        {listing.items.length > 0 ? <Gallery photos={listing.items} onChanged={listing.reload} /> : null}
        {listing.loading ? <Loading /> : null}
        {!listing.loading && !listing.error && listing.items.length === 0 ? (
          q ? <p>{t('noResults', { q })}</p> : <EmptyState title={t('emptyTitle')}>{<p>{t('emptyText')}</p>}</EmptyState>
        ) : null}
        {!listing.loading && listing.items.length < listing.total ? <Button onClick={() => void listing.more()}>{t('loadMore')}</Button> : null}
      </section>
    </section>
  );
}

/** The gallery of one product, embedded in the product's page: its photos (cover first), upload, cover, delete. */
export function ProductPhotos({ productId }: { productId: number }) {
  const t = useT('photos');
  const headingId = useId();
  const listing = usePhotoPages(
    (offset) => unwrap(api.GET('/api/v1/products/{id}/photos', { params: { path: { id: productId }, query: { limit: PAGE, offset } } })),
    [productId],
  );
  return (
    <section className="card product-photos" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('productPhotos')}</h2>
      <ErrorMessage error={listing.error} onRetry={listing.reload} />
      {listing.items.length > 0 ? <Gallery photos={listing.items} productId={productId} onChanged={listing.reload} /> : null}
      {listing.loading && listing.items.length === 0 ? <Loading /> : null}
      {!listing.loading && !listing.error && listing.items.length === 0 ? <p>{t('productEmpty')}</p> : null}
      {!listing.loading && listing.items.length < listing.total ? <Button onClick={() => void listing.more()}>{t('loadMore')}</Button> : null}
      <Uploader productId={productId} onUploaded={listing.reload} />
    </section>
  );
}
