import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate, useLanguage, useT } from '../../i18n';
import { Link, usePageTitle, useRouter } from '../../router';
import { useUser } from '../../session';
import { Button, Dialog, ErrorMessage, Field, Loading, useAsync } from '../../ui';
import { ProductPhotos } from '../photos';
import { daysUntil, DUE_SOON_DAYS, loadFreezers, loadTypes, type Product, type ProductType } from './model';
import { MoveDialog, TakeOutDialog, UndoBar } from './ProductDialogs';
import { useLastTakeOut } from './undo';

function EditForm({ product, types, onSaved, onCancel }: { product: Product; types: ProductType[]; onSaved(product: Product): void; onCancel(): void }) {
  const t = useT('products');
  const [name, setName] = useState(product.name);
  const [description, setDescription] = useState(product.description);
  const [typeId, setTypeId] = useState(String(product.typeId));
  const [dateIn, setDateIn] = useState(product.dateIn);
  const [period, setPeriod] = useState(String(product.periodMonths));
  const [quantity, setQuantity] = useState(String(product.quantity));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await unwrap(
        api.PATCH('/api/v1/products/{id}', {
          params: { path: { id: product.id } },
          body: { name: name.trim(), description: description.trim(), typeId: Number(typeId), dateIn, periodMonths: Number(period), quantity: Number(quantity) },
        }),
      );
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit}>
      <Field label={t('name')}>
        <input required maxLength={256} value={name} onChange={(e) => setName(e.target.value)} />
      </Field>
      <Field label={t('type')}>
        <select required value={typeId} onChange={(e) => setTypeId(e.target.value)}>
          {types.map((type) => (
            <option key={type.id} value={type.id}>
              {type.name}
            </option>
          ))}
        </select>
      </Field>
      <div className="form-row">
        <Field label={t('quantity')}>
          <input type="number" inputMode="numeric" min={1} max={10000} required value={quantity} onChange={(e) => setQuantity(e.target.value)} />
        </Field>
        <Field label={t('dateIn')}>
          <input type="date" required value={dateIn} onChange={(e) => setDateIn(e.target.value)} />
        </Field>
        <Field label={t('period')}>
          <input type="number" inputMode="numeric" min={1} max={120} required value={period} onChange={(e) => setPeriod(e.target.value)} />
        </Field>
      </div>
      <Field label={t('description')}>
        <textarea rows={3} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      <ErrorMessage error={error} />
      <div className="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {t('save')}
        </Button>
        <Button onClick={onCancel}>{t('cancel')}</Button>
      </div>
    </form>
  );
}

/** One product: where it is, until when, and what can be done with it; its photos below. */
export default function ProductPage({ params }: { params: Record<string, string> }) {
  const t = useT('products');
  const common = useT('common');
  const { language } = useLanguage();
  const { navigate } = useRouter();
  const user = useUser();
  const id = /^\d{1,10}$/.test(params.id ?? '') ? Number(params.id) : NaN;
  const [version, setVersion] = useState(0);
  const product = useAsync(() => unwrap(api.GET('/api/v1/products/{id}', { params: { path: { id } } })), [id, version, language]);
  const freezers = useAsync(loadFreezers, [version]);
  const types = useAsync(loadTypes, [language]);
  const lastTakeOut = useLastTakeOut(user.id);
  const [editing, setEditing] = useState(false);
  const [takingOut, setTakingOut] = useState<Product | null>(null);
  const [moving, setMoving] = useState<Product | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [deleteBusy, setDeleteBusy] = useState(false);
  const [deleteError, setDeleteError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  usePageTitle(product.data?.name ?? t('productTitle'), common('appName'));
  useEffect(() => setEditing(false), [id]);

  if (!Number.isSafeInteger(id) || id < 1) {
    return (
      <section className="page">
        <h1>{t('productTitle')}</h1>
        <p role="alert" className="error-message">
          {t('invalidId')}
        </p>
        <Link to="/">{t('back')}</Link>
      </section>
    );
  }
  if (!product.data) {
    return (
      <section className="page">
        <h1>{t('productTitle')}</h1>
        {product.error ? <ErrorMessage error={product.error} onRetry={() => void product.reload()} /> : <Loading />}
        <p>
          <Link to="/">{t('back')}</Link>
        </p>
      </section>
    );
  }

  const p = product.data;
  const soon = p.inside && !p.overdue && daysUntil(p.dueDate) <= DUE_SOON_DAYS;
  const changed = (text: string | null) => {
    setNotice(text);
    setVersion((v) => v + 1);
  };
  const remove = async () => {
    setDeleteBusy(true);
    setDeleteError(null);
    try {
      await unwrap(api.DELETE('/api/v1/products/{id}', { params: { path: { id: p.id } } }));
      navigate('/');
    } catch (err) {
      setDeleteError(err);
      setDeleteBusy(false);
    }
  };

  return (
    <section className="page product-page">
      <p>
        <Link to="/">← {t('back')}</Link>
      </p>
      <h1>
        {p.name}{' '}
        {p.overdue ? <span className="badge badge-overdue">{t('overdue')}</span> : null}
        {soon ? <span className="badge badge-soon">{t('dueSoonBadge')}</span> : null}
        {p.inside ? null : <span className="badge">{t('out')}</span>}
      </h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <UndoBar last={lastTakeOut} onUndone={() => changed(null)} />
      <ErrorMessage error={product.error} onRetry={() => void product.reload()} />

      <div className={`card product-card${p.overdue ? ' overdue' : ''}`}>
        {editing && types.data ? (
          <EditForm
            product={p}
            types={types.data}
            onSaved={() => {
              setEditing(false);
              changed(t('saved'));
            }}
            onCancel={() => setEditing(false)}
          />
        ) : (
          <>
            <dl className="facts">
              <dt>{t('type')}</dt>
              <dd>{p.typeName}</dd>
              <dt>{t('location')}</dt>
              <dd>{t('locationValue', { freezer: p.freezerName, box: p.box, slot: p.slot })}</dd>
              <dt>{t('quantity')}</dt>
              <dd>{p.quantity}</dd>
              <dt>{t('dateIn')}</dt>
              <dd>{formatDate(p.dateIn, language)}</dd>
              <dt>{t('period')}</dt>
              <dd>{t('months', { count: p.periodMonths })}</dd>
              <dt>{t('dueDate')}</dt>
              <dd>{formatDate(p.dueDate, language)}</dd>
              {p.dateOut ? (
                <>
                  <dt>{t('dateOut')}</dt>
                  <dd>{formatDate(p.dateOut, language)}</dd>
                </>
              ) : null}
              {p.description ? (
                <>
                  <dt>{t('description')}</dt>
                  <dd className="pre-line">{p.description}</dd>
                </>
              ) : null}
            </dl>
            <div className="actions">
              {p.inside ? (
                <>
                  <Button variant="primary" onClick={() => setTakingOut(p)}>
                    {t('takeOut')}
                  </Button>
                  <Button onClick={() => setMoving(p)} disabled={!freezers.data}>
                    {t('move')}
                  </Button>
                </>
              ) : null}
              <Button onClick={() => setEditing(true)} disabled={!types.data}>
                {t('edit')}
              </Button>
              <Button variant="danger" onClick={() => {
                  setDeleteError(null);
                  setDeleting(true);
                }}>
                {t('delete')}
              </Button>
            </div>
          </>
        )}
      </div>

      <ProductPhotos productId={p.id} />

      <TakeOutDialog
        product={takingOut}
        onClose={() => setTakingOut(null)}
        onDone={() => {
          setTakingOut(null);
          changed(null);
        }}
      />
      <MoveDialog
        product={moving}
        freezers={freezers.data ?? []}
        onClose={() => setMoving(null)}
        onDone={(moved) => {
          setMoving(null);
          changed(t('moved', { name: moved.name, freezer: moved.freezerName, box: moved.box, slot: moved.slot }));
        }}
      />
      <Dialog open={deleting} title={t('deleteTitle', { name: p.name })} onClose={() => setDeleting(false)}>
        <div className="form">
          <p>{t('deleteText')}</p>
          <ErrorMessage error={deleteError} />
          <div className="actions">
            <Button variant="danger" busy={deleteBusy} onClick={() => void remove()}>
              {t('delete')}
            </Button>
            <Button onClick={() => setDeleting(false)}>{t('cancel')}</Button>
          </div>
        </div>
      </Dialog>
    </section>
  );
}
