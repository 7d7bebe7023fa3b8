import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { formatDate, useLanguage, useT } from '../../i18n';
import { Link } from '../../router';
import { Button, EmptyState, ErrorMessage, Field, Loading, useAsync } from '../../ui';
import { daysUntil, DUE_SOON_DAYS, type Freezer, type Product, type ProductType } from './model';

type Status = 'inside' | 'outside' | 'all';
type Sort = 'dueDate' | 'dateIn' | 'dateOut' | 'name' | 'quantity' | 'location' | 'type';

const PAGE = 100;

interface Props {
  freezers: Freezer[];
  types: ProductType[];
  /** Changes after every write elsewhere on the page: the list loads again. */
  version: number;
  onTakeOut(product: Product): void;
  onMove(product: Product): void;
  /** Opens the add-product dialog (from the first-product guide). */
  onAdd(): void;
}

/** What a user types, applied after a short pause (one request per pause, not per key). */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => setDebounced(value), ms);
    return () => window.clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

/**
 * The products, filtered and sorted by the server (indexed queries), a page at a time. Overdue rows
 * are highlighted (orange, as in the report's figure 15) and say so in words; products due within
 * 30 days carry a badge.
 */
export function ProductList({ freezers, types, version, onTakeOut, onMove, onAdd }: Props) {
  const t = useT('products');
  const { language } = useLanguage();
  const [status, setStatus] = useState<Status>('inside');
  const [freezerId, setFreezerId] = useState('');
  const [typeId, setTypeId] = useState('');
  const [text, setText] = useState('');
  const [dueSoon, setDueSoon] = useState(false);
  const [overdueOnly, setOverdueOnly] = useState(false);
  const [sort, setSort] = useState<Sort>('dueDate');
  const [order, setOrder] = useState<'asc' | 'desc'>('asc');
  const [limit, setLimit] = useState(PAGE);
  const q = useDebounced(text.trim(), 250);

  const list = useAsync(
    () =>
      unwrap(
        api.GET('/api/v1/products', {
          params: {
            query: {
              status,
              ...(freezerId ? { freezerId: Number(freezerId) } : {}),
              ...(typeId ? { typeId: Number(typeId) } : {}),
              ...(q ? { q } : {}),
              ...(dueSoon ? { dueWithinDays: DUE_SOON_DAYS } : {}),
              ...(overdueOnly ? { overdue: true } : {}),
              sort,
              order,
              limit,
            },
          },
        }),
      ),
    [status, freezerId, typeId, q, dueSoon, overdueOnly, sort, order, limit, version, language],
  );

  const header = (column: Sort, label: string) => {
    const active = sort === column;
    return (
      <th scope="col" aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button
          type="button"
          onClick={() => {
            if (active) setOrder(order === 'asc' ? 'desc' : 'asc');
            else {
              setSort(column);
              setOrder('asc');
            }
          }}
          aria-label={t('sortBy', { column: label })}
        >
          {label}
          <span aria-hidden="true">{active ? (order === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };

  const items = list.data?.items ?? [];
  const onlyInside = status === 'inside';
  const unfiltered = onlyInside && !freezerId && !typeId && !q && !dueSoon && !overdueOnly;

  return (
    <section className="card products" aria-labelledby="products-title">
      <h2 id="products-title">{t('productsTitle')}</h2>
      <div className="filters" role="search">
        <Field label={t('search')} hint={t('searchHint')}>
          <input type="search" value={text} maxLength={200} onChange={(e) => setText(e.target.value)} />
        </Field>
        <Field label={t('status')}>
          <select value={status} onChange={(e) => setStatus(e.target.value as Status)}>
            <option value="inside">{t('statusInside')}</option>
            <option value="outside">{t('statusOutside')}</option>
            <option value="all">{t('statusAll')}</option>
          </select>
        </Field>
        <Field label={t('freezer')}>
          <select value={freezerId} onChange={(e) => setFreezerId(e.target.value)}>
            <option value="">{t('allFreezers')}</option>
            {freezers.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('type')}>
          <select value={typeId} onChange={(e) => setTypeId(e.target.value)}>
            <option value="">{t('allTypes')}</option>
            {types.map((type) => (
              <option key={type.id} value={type.id}>
                {type.name}
              </option>
            ))}
          </select>
        </Field>
        <div className="checks">
          <label>
            <input type="checkbox" checked={dueSoon} onChange={(e) => setDueSoon(e.target.checked)} /> {t('dueSoon')}
          </label>
          <label>
            <input type="checkbox" checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)} /> {t('overdueOnly')}
          </label>
        </div>
      </div>

      <ErrorMessage error={list.error} onRetry={() => void list.reload()} />
      {list.loading && !list.data ? <Loading /> : null}
      {list.data ? (
        <>
          <p className="muted" aria-live="polite">
            {t('count', { shown: items.length, total: list.data.total })}
            {list.loading ? <span className="spinner inline-spinner" aria-hidden="true" /> : null}
          </p>
          {items.length === 0 && unfiltered ? (
            <EmptyState
              title={t('noProductsYet')}
              action={
                <Button variant="primary" onClick={onAdd} disabled={types.length === 0}>
                  {t('addProduct')}
                </Button>
              }
            >
              <p>{t('noProductsYetText')}</p>
            </EmptyState>
          ) : items.length === 0 ? (
            <p className="empty-row">{t('noProducts')}</p>
          ) : (
            <div className="table-wrap">
              <table className="product-table">
                <caption className="visually-hidden">{t('productsTitle')}</caption>
                <thead>
                  <tr>
                    {header('name', t('name'))}
                    {header('type', t('type'))}
                    {header('location', t('location'))}
                    {header('quantity', t('quantity'))}
                    {header('dateIn', t('dateIn'))}
                    {header('dueDate', t('dueDate'))}
                    {onlyInside ? null : header('dateOut', t('dateOut'))}
                    <th scope="col">{t('actions')}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((p) => {
                    const soon = p.inside && !p.overdue && daysUntil(p.dueDate) <= DUE_SOON_DAYS;
                    return (
                      <tr key={p.id} className={p.overdue ? 'overdue' : soon ? 'due-soon' : p.inside ? undefined : 'outside'}>
                        <td data-label={t('name')}>
                          <Link to={`/products/${p.id}`} className="product-name">
                            {p.name}
                          </Link>
                          {p.overdue ? <span className="badge badge-overdue">{t('overdue')}</span> : null}
                          {soon ? <span className="badge badge-soon">{t('dueSoonBadge')}</span> : null}
                          {p.inside ? null : <span className="badge">{t('out')}</span>}
                        </td>
                        <td data-label={t('type')}>{p.typeName}</td>
                        <td data-label={t('location')}>{t('locationValue', { freezer: p.freezerName, box: p.box, slot: p.slot })}</td>
                        <td data-label={t('quantity')}>{p.quantity}</td>
                        <td data-label={t('dateIn')}>{formatDate(p.dateIn, language)}</td>
                        <td data-label={t('dueDate')}>{formatDate(p.dueDate, language)}</td>
                        {onlyInside ? null : <td data-label={t('dateOut')}>{formatDate(p.dateOut, language)}</td>}
                        <td data-label={t('actions')} className="row-actions">
                          {p.inside ? (
                            <>
                              <Button className="btn-small" onClick={() => onTakeOut(p)} aria-label={t('takeOutNamed', { name: p.name })}>
                                {t('takeOut')}
                              </Button>
                              <Button className="btn-small" onClick={() => onMove(p)} aria-label={t('moveNamed', { name: p.name })}>
                                {t('move')}
                              </Button>
                            </>
                          ) : null}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          {list.data.total > items.length ? (
            <Button onClick={() => setLimit(Math.min(limit + PAGE, 500))} disabled={limit >= 500 || list.loading}>
              {t('more')}
            </Button>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
