import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { useUser } from '../../session';
import { Button, Dialog, ErrorMessage, Field } from '../../ui';
import { loadNextSlots, today, type Freezer, type Product } from './model';
import { setLastTakeOut } from './undo';

/** Takes a product out: every portion, or some (the rest stays inside); remembered for "Undo". */
export function TakeOutDialog({ product, onClose, onDone }: { product: Product | null; onClose(): void; onDone(result: { product: Product; takenOut: Product }): void }) {
  const t = useT('products');
  const user = useUser();
  const [mode, setMode] = useState<'all' | 'some'>('all');
  const [portions, setPortions] = useState('1');
  const [date, setDate] = useState(today);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!product) return;
    setMode('all');
    setPortions('1');
    setDate(today());
    setError(null);
  }, [product]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!product) return;
    setBusy(true);
    setError(null);
    try {
      const count = mode === 'all' ? product.quantity : Number(portions);
      const result = await unwrap(
        api.POST('/api/v1/products/{id}/take-out', {
          params: { path: { id: product.id } },
          body: { ...(mode === 'some' ? { portions: count } : {}), date },
        }),
      );
      setLastTakeOut({ id: result.takenOut.id, name: product.name, portions: result.takenOut.quantity, userId: user.id });
      onDone(result);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={product !== null} title={product ? t('takeOutTitle', { name: product.name }) : ''} onClose={onClose}>
      {product ? (
        <form className="form" onSubmit={submit}>
          <fieldset className="choices">
            <legend>{t('portions')}</legend>
            <label>
              <input type="radio" name="take-out-mode" checked={mode === 'all'} onChange={() => setMode('all')} /> {t('takeOutAll', { count: product.quantity })}
            </label>
            {product.quantity > 1 ? (
              <label>
                <input type="radio" name="take-out-mode" checked={mode === 'some'} onChange={() => setMode('some')} /> {t('takeOutSome')}
              </label>
            ) : null}
          </fieldset>
          {mode === 'some' ? (
            <Field label={t('portions')}>
              <input type="number" inputMode="numeric" min={1} max={product.quantity - 1} required value={portions} onChange={(e) => setPortions(e.target.value)} />
            </Field>
          ) : null}
          <Field label={t('takeOutDate')}>
            <input type="date" required value={date} min={product.dateIn} onChange={(e) => setDate(e.target.value)} />
          </Field>
          <ErrorMessage error={error} />
          <div className="actions">
            <Button type="submit" variant="primary" busy={busy}>
              {t('takeOut')}
            </Button>
            <Button onClick={onClose}>{t('cancel')}</Button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}

/** Moves a product to another freezer, box or slot; the slot is pre-filled with the next free one of the chosen box. */
export function MoveDialog({ product, freezers, onClose, onDone }: { product: Product | null; freezers: Freezer[]; onClose(): void; onDone(product: Product): void }) {
  const t = useT('products');
  const [freezerId, setFreezerId] = useState('');
  const [box, setBox] = useState('');
  const [slot, setSlot] = useState('');
  // The next free slots, with the freezer they belong to (an answer for another freezer is never used).
  const [next, setNext] = useState<{ freezerId: string; slots: Map<number, number> } | null>(null);
  const nextSlots = next && next.freezerId === freezerId ? next.slots : null;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!product) return;
    setFreezerId(String(product.freezerId));
    setBox(String(product.box));
    setSlot(String(product.slot));
    setError(null);
  }, [product]);

  useEffect(() => {
    if (!product || !freezerId) return;
    let stale = false;
    loadNextSlots(Number(freezerId)).then(
      (slots) => !stale && setNext({ freezerId, slots }),
      (err: unknown) => !stale && setError(err),
    );
    return () => {
      stale = true;
    };
  }, [product, freezerId]);

  const chooseFreezer = (value: string) => {
    setFreezerId(value);
    setBox('1');
    setSlot('');
  };
  const chooseBox = (value: string) => {
    setBox(value);
    const same = product && String(product.freezerId) === freezerId && String(product.box) === value;
    setSlot(same ? String(product.slot) : String(nextSlots?.get(Number(value)) ?? 1));
  };
  // After a freezer change the next slots arrive later: fill the slot then.
  useEffect(() => {
    if (nextSlots && slot === '') setSlot(String(nextSlots.get(Number(box)) ?? 1));
  }, [nextSlots, slot, box]);

  const freezer = freezers.find((f) => String(f.id) === freezerId);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!product) return;
    setBusy(true);
    setError(null);
    try {
      const moved = await unwrap(
        api.PATCH('/api/v1/products/{id}', { params: { path: { id: product.id } }, body: { freezerId: Number(freezerId), box: Number(box), slot: Number(slot) } }),
      );
      onDone(moved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={product !== null} title={product ? t('moveTitle', { name: product.name }) : ''} onClose={onClose}>
      {product ? (
        <form className="form" onSubmit={submit}>
          <div className="form-row">
            <Field label={t('freezer')}>
              <select value={freezerId} onChange={(e) => chooseFreezer(e.target.value)}>
                {freezers.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('box')}>
              <select value={box} onChange={(e) => chooseBox(e.target.value)}>
                {Array.from({ length: freezer?.boxCount ?? 0 }, (_, i) => i + 1).map((b) => (
                  <option key={b} value={b}>
                    {b}
                  </option>
                ))}
              </select>
            </Field>
            <Field label={t('slot')} hint={t('slotHint')}>
              <input type="number" inputMode="numeric" min={1} max={100000} required value={slot} onChange={(e) => setSlot(e.target.value)} />
            </Field>
          </div>
          <ErrorMessage error={error} />
          <div className="actions">
            <Button type="submit" variant="primary" busy={busy}>
              {t('move')}
            </Button>
            <Button onClick={onClose}>{t('cancel')}</Button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}

/** "Took out 2 of Soup. [Undo]": offered after a take-out, wherever the user is. */
export function UndoBar({ last, onUndone }: { last: { id: number; name: string; portions: number } | null; onUndone(product: Product): void }) {
  const t = useT('products');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  if (!last && !done && !error) return null;
  const undo = async () => {
    if (!last) return;
    setBusy(true);
    setError(null);
    try {
      const product = await unwrap(api.POST('/api/v1/products/{id}/undo-take-out', { params: { path: { id: last.id } } }));
      setLastTakeOut(null);
      setDone(t('undone', { name: last.name }));
      onUndone(product);
    } catch (err) {
      setError(err);
      // Whatever the refusal (already undone elsewhere, slot taken), this undo is spent.
      setLastTakeOut(null);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="undo-bar" role="status">
      {last ? (
        <>
          <span>{t('takenOut', { portions: last.portions, name: last.name })}</span>
          <Button variant="primary" className="btn-small" busy={busy} onClick={() => void undo()}>
            {t('undo')}
          </Button>
        </>
      ) : done ? (
        <span>{done}</span>
      ) : null}
      <ErrorMessage error={error} />
    </div>
  );
}
