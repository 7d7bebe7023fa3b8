import { useEffect, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { useT } from '../../i18n';
import { Button, Dialog, ErrorMessage, Field } from '../../ui';
import { loadNextSlots, today, type Freezer, type Product, type ProductType } from './model';

interface Props {
  open: boolean;
  freezers: Freezer[];
  types: ProductType[];
  /** Pre-selected freezer and box (a click on a box of the drawing). */
  initial?: { freezerId: number; box: number } | undefined;
  onClose(): void;
  onCreated(product: Product): void;
}

/**
 * Puts a product in: the slot is pre-filled with the next free slot of the chosen box, the period with
 * the chosen type's default; both stay editable.
 */
export function AddProductDialog({ open, freezers, types, initial, onClose, onCreated }: Props) {
  const t = useT('products');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [typeId, setTypeId] = useState('');
  const [freezerId, setFreezerId] = useState('');
  const [box, setBox] = useState('1');
  const [slot, setSlot] = useState('');
  // The next free slots, with the freezer they belong to (an answer for another freezer is never used).
  const [next, setNext] = useState<{ freezerId: string; slots: Map<number, number> } | null>(null);
  const nextSlots = next && next.freezerId === freezerId ? next.slots : null;
  const [dateIn, setDateIn] = useState(today);
  const [period, setPeriod] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  // A fresh form each time the dialog opens.
  useEffect(() => {
    if (!open) return;
    setName('');
    setDescription('');
    setTypeId('');
    setPeriod('');
    setQuantity('1');
    setDateIn(today());
    setError(null);
    setFreezerId(String(initial?.freezerId ?? freezers[0]?.id ?? ''));
    setBox(String(initial?.box ?? 1));
  }, [open, initial, freezers]);

  const freezer = freezers.find((f) => String(f.id) === freezerId);

  useEffect(() => {
    if (!open || !freezerId) return;
    let stale = false;
    loadNextSlots(Number(freezerId)).then(
      (slots) => {
        if (!stale) setNext({ freezerId, slots });
      },
      (err: unknown) => {
        if (!stale) setError(err);
      },
    );
    return () => {
      stale = true;
    };
  }, [open, freezerId]);

  useEffect(() => {
    setSlot(nextSlots ? String(nextSlots.get(Number(box)) ?? 1) : '');
  }, [nextSlots, box]);

  const chooseType = (value: string) => {
    setTypeId(value);
    const type = types.find((ty) => String(ty.id) === value);
    if (type) setPeriod(String(type.periodMonths));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const product = await unwrap(
        api.POST('/api/v1/products', {
          body: {
            name: name.trim(),
            ...(description.trim() ? { description: description.trim() } : {}),
            typeId: Number(typeId),
            freezerId: Number(freezerId),
            box: Number(box),
            ...(slot ? { slot: Number(slot) } : {}),
            dateIn,
            ...(period ? { periodMonths: Number(period) } : {}),
            quantity: Number(quantity),
          },
        }),
      );
      onCreated(product);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} title={t('addTitle')} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <Field label={t('name')}>
          <input required maxLength={256} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </Field>
        <Field label={t('type')}>
          <select required value={typeId} onChange={(e) => chooseType(e.target.value)}>
            <option value="">{t('chooseType')}</option>
            {types.map((type) => (
              <option key={type.id} value={type.id}>
                {type.name}
              </option>
            ))}
          </select>
        </Field>
        <div className="form-row">
          <Field label={t('freezer')}>
            <select
              required
              value={freezerId}
              onChange={(e) => {
                setFreezerId(e.target.value);
                setBox('1');
              }}
            >
              {freezers.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('box')}>
            <select required value={box} onChange={(e) => setBox(e.target.value)}>
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
        <div className="form-row">
          <Field label={t('quantity')}>
            <input type="number" inputMode="numeric" min={1} max={10000} required value={quantity} onChange={(e) => setQuantity(e.target.value)} />
          </Field>
          <Field label={t('dateIn')}>
            <input type="date" required value={dateIn} onChange={(e) => setDateIn(e.target.value)} />
          </Field>
          <Field label={t('period')} hint={t('periodHint')}>
            <input type="number" inputMode="numeric" min={1} max={120} required value={period} onChange={(e) => setPeriod(e.target.value)} />
          </Field>
        </div>
        <Field label={t('description')}>
          <textarea rows={2} maxLength={4000} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
        <ErrorMessage error={error} />
        <div className="actions">
          <Button type="submit" variant="primary" busy={busy}>
            {t('create')}
          </Button>
          <Button onClick={onClose}>{t('cancel')}</Button>
        </div>
      </form>
    </Dialog>
  );
}
