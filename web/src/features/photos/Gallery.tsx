import { useState } from 'react';
import { api, unwrap } from '../../api/client';
import { problemText } from '../../api/problem';
import type { Reply } from '../../api/types';
import { formatDate, useLanguage, useT } from '../../i18n';
import { Link } from '../../router';
import { useUser } from '../../session';
import { Button, Dialog, Loading } from '../../ui';

export type Photo = Reply<'/api/v1/photos/{id}', 'get'>;
type Similar = Reply<'/api/v1/photos/{id}/similar', 'get'>;

interface Props {
  photos: Photo[];
  /** In a product's gallery: the product, whose cover can be chosen. */
  productId?: number;
  /** A photo changed or went away: load the list again. */
  onChanged(): void;
}

/** Previews in a grid; a click opens the photo full size with its actions. */
export function Gallery({ photos, productId, onChanged }: Props) {
  const t = useT('photos');
  const [openId, setOpenId] = useState<number | null>(null);
  const [extra, setExtra] = useState<Photo | null>(null);
  const open = photos.find((p) => p.id === openId) ?? (extra && extra.id === openId ? extra : null);
  return (
    <>
      <ul className="photo-grid">
        {photos.map((photo) => (
          <li key={photo.id}>
            <figure className="photo-card">
              <button type="button" className="photo-thumb" onClick={() => setOpenId(photo.id)} aria-label={t('view', { name: photo.caption || photo.name })}>
                <img src={photo.preview_url} alt="" loading="lazy" width={256} height={Math.round((256 * photo.height) / Math.max(1, photo.width))} />
              </button>
              <figcaption>
                {photo.cover ? <span className="photo-badge">{t('cover')}</span> : null}
                <span className="photo-name">{photo.caption || photo.name}</span>
                {photo.productName && productId === undefined ? <span className="photo-product">{t('product', { name: photo.productName })}</span> : null}
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
      <Dialog open={open !== null} title={open ? t('photoOf', { name: open.caption || open.name }) : ''} onClose={() => setOpenId(null)}>
        {open ? (
          <PhotoView
            key={open.id}
            photo={open}
            {...(productId !== undefined ? { productId } : {})}
            onChanged={() => {
              onChanged();
            }}
            onDeleted={() => {
              setOpenId(null);
              onChanged();
            }}
            onShow={(photo) => {
              setExtra(photo);
              setOpenId(photo.id);
            }}
          />
        ) : null}
      </Dialog>
    </>
  );
}

function PhotoView({
  photo,
  productId,
  onChanged,
  onDeleted,
  onShow,
}: {
  photo: Photo;
  productId?: number;
  onChanged(): void;
  onDeleted(): void;
  onShow(photo: Photo): void;
}) {
  const t = useT('photos');
  const common = useT('common');
  const { language } = useLanguage();
  const user = useUser();
  const [busy, setBusy] = useState<'cover' | 'delete' | 'similar' | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');
  const [similar, setSimilar] = useState<Similar | null>(null);
  const mine = photo.ownerId === user.id;
  const errorText = (err: unknown) => problemText(err, { network: common('networkError'), unexpected: common('unexpectedError') });

  const run = async (what: 'cover' | 'delete' | 'similar', action: () => Promise<void>) => {
    setBusy(what);
    setError(null);
    setNotice('');
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const setCover = () =>
    run('cover', async () => {
      await unwrap(api.PUT('/api/v1/products/{id}/cover', { params: { path: { id: productId ?? photo.productId ?? 0 } }, body: { photoId: photo.id } }));
      setNotice(t('coverSet'));
      onChanged();
    });
  const remove = () =>
    run('delete', async () => {
      await unwrap(api.DELETE('/api/v1/photos/{id}', { params: { path: { id: photo.id } } }));
      onDeleted();
    });
  const findSimilar = () =>
    run('similar', async () => {
      setSimilar(await unwrap(api.GET('/api/v1/photos/{id}/similar', { params: { path: { id: photo.id }, query: { maxDistance: 12, limit: 12 } } })));
    });

  return (
    <div className="photo-view">
      <img src={photo.display_url} alt={photo.caption || photo.name} className="photo-full" />
      <ul className="photo-meta">
        <li>{photo.takenAt ? t('takenAt', { date: formatDate(photo.takenAt, language) }) : t('uploadedAt', { date: formatDate(photo.createdAt, language) })}</li>
        <li>{t('size', { width: photo.width, height: photo.height, kb: Math.max(1, Math.round(photo.size / 1024)) })}</li>
        {photo.productName && photo.productId ? (
          <li>
            {t('product', { name: photo.productName })} · <Link to={`/products/${photo.productId}`}>{t('openProduct')}</Link>
          </li>
        ) : null}
      </ul>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <p className="field-error" role="alert">{errorText(error)}</p> : null}
      <div className="actions">
        {mine && photo.productId && !photo.cover ? (
          <Button onClick={setCover} busy={busy === 'cover'}>
            {t('setCover')}
          </Button>
        ) : null}
        <Button onClick={findSimilar} busy={busy === 'similar'}>
          {t('findSimilar')}
        </Button>
        {mine && !confirming ? (
          <Button variant="danger" onClick={() => setConfirming(true)}>
            {t('delete')}
          </Button>
        ) : null}
      </div>
      {confirming ? (
        <div className="photo-confirm" role="group" aria-label={t('deleteConfirm')}>
          <p>{t('deleteConfirm')}</p>
          <div className="actions">
            <Button variant="danger" onClick={remove} busy={busy === 'delete'}>
              {t('delete')}
            </Button>
            <Button onClick={() => setConfirming(false)}>{common('cancel')}</Button>
          </div>
        </div>
      ) : null}
      {busy === 'similar' && !similar ? <Loading /> : null}
      {similar ? (
        <section className="similar" aria-label={t('similar')}>
          <h3>{t('similar')}</h3>
          {similar.length === 0 ? (
            <p>{t('noSimilar')}</p>
          ) : (
            <ul className="photo-grid photo-grid-small">
              {similar.map(({ distance, photo: other }) => (
                <li key={other.id}>
                  <figure className="photo-card">
                    <button type="button" className="photo-thumb" onClick={() => onShow(other)} aria-label={t('view', { name: other.caption || other.name })}>
                      <img src={other.preview_url} alt="" loading="lazy" width={128} height={Math.round((128 * other.height) / Math.max(1, other.width))} />
                    </button>
                    <figcaption>{t('distance', { bits: distance })}</figcaption>
                  </figure>
                </li>
              ))}
            </ul>
          )}
        </section>
      ) : null}
    </div>
  );
}
