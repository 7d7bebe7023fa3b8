import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { Button, Dialog, ErrorMessage, Field } from '../../ui';
import type { Freezer } from '../products/model';

/** Name and number of boxes: creates a freezer, or changes one. */
export function FreezerForm({ freezer, onSaved, onCancel }: { freezer?: Freezer | undefined; onSaved(freezer: Freezer): void; onCancel?: () => void }) {
  const t = useT('freezers');
  const common = useT('common');
  const [name, setName] = useState(freezer?.name ?? '');
  const [boxCount, setBoxCount] = useState(String(freezer?.boxCount ?? 4));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setName(freezer?.name ?? '');
    setBoxCount(String(freezer?.boxCount ?? 4));
    setError(null);
  }, [freezer]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { name: name.trim(), boxCount: Number(boxCount) };
      const saved = freezer
        ? await unwrap(api.PATCH('/api/v1/freezers/{id}', { params: { path: { id: freezer.id } }, body }))
        : await unwrap(api.POST('/api/v1/freezers', { body }));
      if (!freezer) {
        setName('');
        setBoxCount('4');
      }
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={submit}>
      <div className="form-row">
        <Field label={t('freezerName')}>
          <input required maxLength={256} value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label={t('boxCount')} hint={t('boxCountHint')}>
          <input type="number" inputMode="numeric" min={1} max={1000} required value={boxCount} onChange={(e) => setBoxCount(e.target.value)} />
        </Field>
      </div>
      <ErrorMessage error={error} />
      <div className="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {freezer ? t('save') : t('create')}
        </Button>
        {onCancel ? <Button onClick={onCancel}>{common('cancel')}</Button> : null}
      </div>
    </form>
  );
}

export function EditFreezerDialog({ freezer, onClose, onSaved }: { freezer: Freezer | null; onClose(): void; onSaved(freezer: Freezer): void }) {
  const t = useT('freezers');
  return (
    <Dialog open={freezer !== null} title={freezer ? t('editTitle', { name: freezer.name }) : ''} onClose={onClose}>
      {freezer ? <FreezerForm freezer={freezer} onSaved={onSaved} onCancel={onClose} /> : null}
    </Dialog>
  );
}

export function AddFreezerDialog({ open, onClose, onSaved }: { open: boolean; onClose(): void; onSaved(freezer: Freezer): void }) {
  const t = useT('freezers');
  return (
    <Dialog open={open} title={t('addFreezer')} onClose={onClose}>
      {open ? <FreezerForm onSaved={onSaved} onCancel={onClose} /> : null}
    </Dialog>
  );
}

/** Deletes a freezer; the server refuses (409, its reason shown) while the freezer has products or a history. */
export function DeleteFreezerDialog({ freezer, onClose, onDeleted }: { freezer: Freezer | null; onClose(): void; onDeleted(freezer: Freezer): void }) {
  const t = useT('freezers');
  const common = useT('common');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setError(null), [freezer]);
  const remove = async () => {
    if (!freezer) return;
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.DELETE('/api/v1/freezers/{id}', { params: { path: { id: freezer.id } } }));
      onDeleted(freezer);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={freezer !== null} title={freezer ? t('deleteTitle', { name: freezer.name }) : ''} onClose={onClose}>
      <div className="form">
        <p>{t('deleteText')}</p>
        <ErrorMessage error={error} />
        <div className="actions">
          <Button variant="danger" busy={busy} onClick={() => void remove()}>
            {t('deleteConfirm')}
          </Button>
          <Button onClick={onClose}>{common('cancel')}</Button>
        </div>
      </div>
    </Dialog>
  );
}
