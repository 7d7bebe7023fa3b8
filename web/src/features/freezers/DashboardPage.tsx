import { useState } from 'react';
import { useLanguage, useT } from '../../i18n';
import { usePageTitle } from '../../router';
import { useUser } from '../../session';
import { Button, EmptyState, ErrorMessage, Loading, useAsync } from '../../ui';
import { AddProductDialog } from '../products/AddProductDialog';
import { loadFreezers, loadTypes, type Freezer, type Product } from '../products/model';
import { MoveDialog, TakeOutDialog, UndoBar } from '../products/ProductDialogs';
import { ProductList } from '../products/ProductList';
import { useLastTakeOut } from '../products/undo';
import { FreezerCard } from './FreezerCard';
import { AddFreezerDialog, DeleteFreezerDialog, EditFreezerDialog, FreezerForm } from './FreezerDialogs';

/** Freezers drawn box by box, and the products: the household's whole freezer at a glance. */
export default function DashboardPage() {
  const t = useT('freezers');
  const pt = useT('products');
  const common = useT('common');
  usePageTitle(t('dashboardTitle'), common('appName'));
  const user = useUser();
  const { language } = useLanguage();
  // Bumped after every write: the drawings and the list load again.
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const freezers = useAsync(loadFreezers, [version]);
  const types = useAsync(loadTypes, [language]);
  const lastTakeOut = useLastTakeOut(user.id);

  const [notice, setNotice] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<Freezer | null>(null);
  const [deleting, setDeleting] = useState<Freezer | null>(null);
  const [addingProduct, setAddingProduct] = useState<{ freezerId: number; box: number } | undefined | null>(null);
  const [takingOut, setTakingOut] = useState<Product | null>(null);
  const [moving, setMoving] = useState<Product | null>(null);

  const say = (text: string) => {
    setNotice(text);
    changed();
  };

  if (!freezers.data) {
    return (
      <section className="page">
        <h1>{t('dashboardTitle')}</h1>
        {freezers.error ? <ErrorMessage error={freezers.error} onRetry={() => void freezers.reload()} /> : <Loading />}
      </section>
    );
  }

  const list = freezers.data;
  const typeList = types.data ?? [];

  return (
    <section className="page dashboard">
      <h1>{t('dashboardTitle')}</h1>
      {notice ? (
        <p className="notice" role="status">
          {notice}
        </p>
      ) : null}
      <UndoBar last={lastTakeOut} onUndone={changed} />
      <ErrorMessage error={freezers.error} onRetry={() => void freezers.reload()} />
      <ErrorMessage error={types.error} onRetry={() => void types.reload()} />

      {list.length === 0 ? (
        <EmptyState title={t('firstRunTitle')}>
          <p>{t('firstRunText')}</p>
          <div className="first-run-form">
            <FreezerForm onSaved={(f) => say(t('created', { name: f.name }))} />
          </div>
        </EmptyState>
      ) : (
        <>
          <section aria-labelledby="freezers-title">
            <div className="section-header">
              <h2 id="freezers-title">{t('freezersTitle')}</h2>
              <div className="actions">
                <Button variant="primary" onClick={() => setAddingProduct(undefined)} disabled={!types.data}>
                  {pt('addProduct')}
                </Button>
                <Button onClick={() => setAdding(true)}>{t('addFreezer')}</Button>
              </div>
            </div>
            <div className="freezer-grid">
              {list.map((f) => (
                <FreezerCard key={f.id} freezer={f} version={version} onEdit={setEditing} onDelete={setDeleting} onAddTo={(freezerId, box) => setAddingProduct({ freezerId, box })} />
              ))}
            </div>
          </section>
          <ProductList freezers={list} types={typeList} version={version} onTakeOut={setTakingOut} onMove={setMoving} onAdd={() => setAddingProduct(undefined)} />
        </>
      )}

      <AddFreezerDialog
        open={adding}
        onClose={() => setAdding(false)}
        onSaved={(f) => {
          setAdding(false);
          say(t('created', { name: f.name }));
        }}
      />
      <EditFreezerDialog
        freezer={editing}
        onClose={() => setEditing(null)}
        onSaved={(f) => {
          setEditing(null);
          say(t('saved', { name: f.name }));
        }}
      />
      <DeleteFreezerDialog
        freezer={deleting}
        onClose={() => setDeleting(null)}
        onDeleted={(f) => {
          setDeleting(null);
          say(t('deleted', { name: f.name }));
        }}
      />
      <AddProductDialog
        open={addingProduct !== null}
        freezers={list}
        types={typeList}
        initial={addingProduct ?? undefined}
        onClose={() => setAddingProduct(null)}
        onCreated={(p) => {
          setAddingProduct(null);
          say(pt('created', { name: p.name, freezer: p.freezerName, box: p.box, slot: p.slot }));
        }}
      />
      <TakeOutDialog
        product={takingOut}
        onClose={() => setTakingOut(null)}
        onDone={() => {
          setTakingOut(null);
          setNotice(null);
          changed();
        }}
      />
      <MoveDialog
        product={moving}
        freezers={list}
        onClose={() => setMoving(null)}
        onDone={(p) => {
          setMoving(null);
          say(pt('moved', { name: p.name, freezer: p.freezerName, box: p.box, slot: p.slot }));
        }}
      />
    </section>
  );
}
