import { api, unwrap } from '../../api/client';
import { useLanguage, useT } from '../../i18n';
import { Link } from '../../router';
import { Button, ErrorMessage, useAsync } from '../../ui';
import type { Freezer } from '../products/model';

interface Props {
  freezer: Freezer;
  version: number;
  onEdit(freezer: Freezer): void;
  onDelete(freezer: Freezer): void;
  onAddTo(freezerId: number, box: number): void;
}

/** A freezer drawn as its boxes, each with its occupied slots (overdue ones in orange); a slot opens its product. */
export function FreezerCard({ freezer, version, onEdit, onDelete, onAddTo }: Props) {
  const t = useT('freezers');
  const products = useT('products');
  const { language } = useLanguage();
  const contents = useAsync(() => unwrap(api.GET('/api/v1/freezers/{id}/boxes', { params: { path: { id: freezer.id } } })), [freezer.id, freezer.boxCount, version, language]);
  const headingId = `freezer-${freezer.id}-title`;

  return (
    <article className="card freezer" aria-labelledby={headingId}>
      <header className="freezer-header">
        <div>
          <h3 id={headingId}>{freezer.name}</h3>
          <p className="muted">{t('summary', { boxes: freezer.boxCount, products: freezer.productsInside })}</p>
        </div>
        <div className="actions">
          <Button className="btn-small" onClick={() => onEdit(freezer)} aria-label={t('editFreezerNamed', { name: freezer.name })}>
            {t('editFreezer')}
          </Button>
          <Button className="btn-small" variant="danger" onClick={() => onDelete(freezer)} aria-label={t('deleteFreezerNamed', { name: freezer.name })}>
            {t('deleteFreezer')}
          </Button>
        </div>
      </header>
      <ErrorMessage error={contents.error} onRetry={() => void contents.reload()} />
      {contents.data ? (
        <ol className="boxes" aria-label={freezer.name}>
          {contents.data.boxes.map((box) => (
            <li key={box.box} className="box">
              <div className="box-title">
                <span>{t('box', { box: box.box })}</span>
                <button
                  type="button"
                  className="box-add"
                  onClick={() => onAddTo(freezer.id, box.box)}
                  aria-label={`${products('addProduct')} (${freezer.name}, ${t('box', { box: box.box })})`}
                  title={products('addProduct')}
                >
                  +
                </button>
              </div>
              {box.products.length === 0 ? (
                <span className="muted">{t('emptyBox')}</span>
              ) : (
                <ul className="slots" aria-label={t('boxSummary', { box: box.box, count: box.products.length })}>
                  {box.products.map((p) => (
                    <li key={p.id}>
                      <Link
                        to={`/products/${p.id}`}
                        className={p.overdue ? 'slot slot-overdue' : 'slot'}
                        title={`${p.slot}. ${p.name}`}
                        aria-label={`${t('slotLabel', { slot: p.slot, name: p.name })}${p.overdue ? ` (${t('slotOverdue')})` : ''}`}
                      >
                        {p.slot}
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ol>
      ) : contents.loading ? (
        <p className="muted" role="status">
          {t('loadingContents')}
        </p>
      ) : null}
    </article>
  );
}
