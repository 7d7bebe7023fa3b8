import type { Kysely } from 'kysely';
import { isUniqueViolation, inTransaction } from '../../db/database.js';
import type { Database } from '../../db/types.js';
import type { Actor } from '../../lib/actor.js';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.js';
import { addDays, addMonths, isCalendarDate, latestToday, nowIso, todayUtc } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { freezersRepository } from '../freezers/freezers.repository.js';
import { nextFreeSlot } from '../freezers/slots.js';
import { typesRepository } from '../types/types.repository.js';
import { toProductDto, type ProductDto } from './products.dto.js';
import { productsRepository, type ProductSort, type ProductStatus, type ProductView } from './products.repository.js';

export interface ProductInput {
  name: string;
  description?: string;
  typeId: number;
  freezerId: number;
  box: number;
  /** Omitted: the next free slot of the box. */
  slot?: number;
  /** Omitted: today. A date-time is accepted; its date part is used. */
  dateIn?: string;
  /** Omitted: the type's default period. */
  periodMonths?: number;
  quantity: number;
}

export interface ProductChanges extends Partial<ProductInput> {
  /** A date takes the product out entirely; null puts it back inside. */
  dateOut?: string | null;
}

export interface ProductQuery {
  status?: ProductStatus;
  freezerId?: number;
  typeId?: number;
  box?: number;
  overdue?: boolean;
  dueWithinDays?: number;
  q?: string;
  sort?: ProductSort;
  order?: 'asc' | 'desc';
  limit?: number;
  offset?: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

const TIME_RE = /^[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?$/;

/** True for the time part of a date-time (after the date) when it is a real time of day: 10:30 yes, 25:99 no. */
function isTimeOfDay(rest: string): boolean {
  const m = TIME_RE.exec(rest);
  if (!m) return false;
  const [h, min, s, oh, om] = [m[1], m[2], m[3] ?? '0', m[4] ?? '0', m[5] ?? '0'].map(Number) as [number, number, number, number, number];
  return h < 24 && min < 60 && s < 60 && oh <= 14 && om < 60;
}

/** 'YYYY-MM-DD' from a date or a date-time (what a browser's date-time input sends); 400 otherwise. */
export function parseDate(value: string, field: string): string {
  const trimmed = value.trim();
  const date = trimmed.slice(0, 10);
  if (!isCalendarDate(date) || (trimmed.length > 10 && !isTimeOfDay(trimmed.slice(10)))) {
    throw badRequest('invalid-date', { value: value.slice(0, 40) }, field);
  }
  return date;
}

type Tx = Kysely<Database>;

export function createProductsService(db: Kysely<Database>) {
  async function load(trx: Tx, actor: Actor, id: number): Promise<ProductView> {
    const row = await productsRepository.getForMember(trx, actor.userId, id);
    if (!row) throw notFound('product-not-found');
    return row;
  }

  async function dto(trx: Tx, actor: Actor, id: number): Promise<ProductDto> {
    return toProductDto(await load(trx, actor, id), actor.language, todayUtc());
  }

  /** The freezer must be the caller's and the box must exist in it. */
  async function checkBox(trx: Tx, actor: Actor, freezerId: number, box: number): Promise<void> {
    const boxCount = await freezersRepository.boxCountForMember(trx, actor.userId, freezerId);
    if (boxCount === undefined) throw new AppError(404, 'freezer-not-found', {}, 'freezerId');
    if (box < 1 || box > boxCount) throw badRequest('box-out-of-range', { boxCount }, 'box');
  }

  /** A free slot for a product going inside: the one asked for (409 when taken) or the next free one. */
  async function placeSlot(trx: Tx, freezerId: number, box: number, slot: number | undefined, selfId?: number): Promise<number> {
    if (slot === undefined) {
      const used = await freezersRepository.usedSlots(trx, freezerId, box);
      return nextFreeSlot(used.map((u) => u.slot));
    }
    const occupant = await productsRepository.findInsideAt(trx, freezerId, box, slot);
    if (occupant && occupant.id !== selfId) throw conflict('slot-taken', { box, slot }, 'slot');
    return slot;
  }

  function checkDates(dateIn: string, dateOut: string | null): void {
    const limit = latestToday();
    if (dateIn > limit) throw badRequest('date-in-future', {}, 'dateIn');
    if (dateOut !== null) {
      if (dateOut < dateIn) throw badRequest('date-out-before-in', { dateIn }, 'dateOut');
      if (dateOut > limit) throw badRequest('date-out-future', {}, 'dateOut');
    }
  }

  async function periodOf(trx: Tx, typeId: number, given: number | undefined): Promise<number> {
    const type = await typesRepository.getById(trx, typeId);
    if (!type) throw badRequest('type-not-found', {}, 'typeId');
    return given ?? type.period_months;
  }

  const audit = (trx: Tx, actor: Actor, action: string, id: number, details?: Record<string, unknown>) =>
    auditRepository.insert(trx, { userId: actor.userId, action, objectType: 'product', objectId: id, ip: actor.ip, ...(details ? { details } : {}) });

  /** Runs a write; a slot taken by a concurrent write (the unique index) becomes the same 409 as the check. */
  async function write<T>(fn: (trx: Tx) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(db, fn);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict('slot-taken', { box: '?', slot: '?' }, 'slot');
      throw err;
    }
  }

  return {
    async list(actor: Actor, query: ProductQuery): Promise<Page<ProductDto>> {
      const today = todayUtc();
      const limit = query.limit ?? 50;
      const offset = query.offset ?? 0;
      const { rows, total } = await productsRepository.list(db, actor.userId, {
        status: query.status ?? 'inside',
        ...(query.freezerId !== undefined ? { freezerId: query.freezerId } : {}),
        ...(query.typeId !== undefined ? { typeId: query.typeId } : {}),
        ...(query.box !== undefined ? { box: query.box } : {}),
        ...(query.overdue ? { overdue: true } : {}),
        ...(query.dueWithinDays !== undefined ? { dueBy: addDays(today, query.dueWithinDays) } : {}),
        ...(query.q?.trim() ? { q: query.q.trim() } : {}),
        today,
        sort: query.sort ?? 'dueDate',
        order: query.order ?? 'asc',
        limit,
        offset,
      });
      return { items: rows.map((r) => toProductDto(r, actor.language, today)), total, limit, offset };
    },

    get: (actor: Actor, id: number) => dto(db, actor, id),

    async create(actor: Actor, input: ProductInput): Promise<ProductDto> {
      const dateIn = input.dateIn === undefined ? todayUtc() : parseDate(input.dateIn, 'dateIn');
      checkDates(dateIn, null);
      return write(async (trx) => {
        // The checks of checkBox then periodOf, in that order, from one query.
        const place = await productsRepository.placement(trx, actor.userId, input.freezerId, input.typeId);
        if (place === undefined) throw new AppError(404, 'freezer-not-found', {}, 'freezerId');
        if (input.box < 1 || input.box > place.box_count) throw badRequest('box-out-of-range', { boxCount: place.box_count }, 'box');
        if (place.period_months === null || place.type_name_en === null || place.type_name_fr === null) throw badRequest('type-not-found', {}, 'typeId');
        const periodMonths = input.periodMonths ?? place.period_months;
        const slot = await placeSlot(trx, input.freezerId, input.box, input.slot);
        const now = nowIso();
        const row = {
          user_id: actor.userId,
          freezer_id: input.freezerId,
          type_id: input.typeId,
          name: input.name.trim(),
          description: input.description ?? '',
          box: input.box,
          slot,
          date_in: dateIn,
          date_out: null,
          period_months: periodMonths,
          due_date: addMonths(dateIn, periodMonths),
          quantity: input.quantity,
          source_product_id: null,
          created_at: now,
          updated_at: now,
        };
        const id = await productsRepository.insert(trx, row);
        await audit(trx, actor, 'product.create', id, { freezerId: input.freezerId, box: input.box, slot });
        // What reading it back would answer: the row as written, with the names read above.
        const view: ProductView = { id, ...row, type_name_en: place.type_name_en, type_name_fr: place.type_name_fr, freezer_name: place.freezer_name };
        return toProductDto(view, actor.language, todayUtc());
      });
    },

    /** Changes any field; the result is checked as a whole, as if it were created that way. */
    async update(actor: Actor, id: number, changes: ProductChanges): Promise<ProductDto> {
      const dateIn = changes.dateIn === undefined ? undefined : parseDate(changes.dateIn, 'dateIn');
      const dateOut = changes.dateOut === undefined || changes.dateOut === null ? changes.dateOut : parseDate(changes.dateOut, 'dateOut');
      return write(async (trx) => {
        const current = await load(trx, actor, id);
        const next = {
          freezerId: changes.freezerId ?? current.freezer_id,
          box: changes.box ?? current.box,
          typeId: changes.typeId ?? current.type_id,
          dateIn: dateIn ?? current.date_in,
          dateOut: dateOut === undefined ? current.date_out : dateOut,
          periodMonths: changes.periodMonths ?? current.period_months,
        };
        checkDates(next.dateIn, next.dateOut);
        if (changes.typeId !== undefined) await periodOf(trx, next.typeId, next.periodMonths);
        const moved = next.freezerId !== current.freezer_id || next.box !== current.box;
        if (moved || (next.dateOut === null && current.date_out !== null)) await checkBox(trx, actor, next.freezerId, next.box);
        let slot = changes.slot ?? current.slot;
        if (next.dateOut === null) {
          // Inside after the change: its slot must be free (a move without a slot takes the next free one).
          const wanted = changes.slot ?? (moved ? undefined : current.slot);
          slot = await placeSlot(trx, next.freezerId, next.box, wanted, id);
        }
        await productsRepository.update(trx, id, {
          ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.quantity !== undefined ? { quantity: changes.quantity } : {}),
          type_id: next.typeId,
          freezer_id: next.freezerId,
          box: next.box,
          slot,
          date_in: next.dateIn,
          date_out: next.dateOut,
          period_months: next.periodMonths,
          due_date: addMonths(next.dateIn, next.periodMonths),
          // Portions put back inside are a product of their own again, no longer a history row of another.
          ...(next.dateOut === null && current.source_product_id !== null ? { source_product_id: null } : {}),
          updated_at: nowIso(),
        });
        await audit(trx, actor, 'product.update', id, { fields: Object.keys(changes) });
        return dto(trx, actor, id);
      });
    },

    /** Deletes a product entered by mistake, with the history rows of its partial take-outs (they were portions of it). */
    async delete(actor: Actor, id: number): Promise<void> {
      await write(async (trx) => {
        const current = await load(trx, actor, id);
        const takeOuts = await productsRepository.deleteTakeOutsOf(trx, id);
        await productsRepository.delete(trx, id);
        await audit(trx, actor, 'product.delete', id, { name: current.name, freezerId: current.freezer_id, takeOuts });
      });
    },

    /**
     * Takes portions out. All of them (the default): the product gets its date out and stays in the
     * history. Some of them: the product keeps the rest inside, and a history row records the
     * portions taken, linked to it so the take-out can be undone.
     */
    async takeOut(actor: Actor, id: number, input: { portions?: number; date?: string }): Promise<{ product: ProductDto; takenOut: ProductDto }> {
      const given = input.date === undefined ? undefined : parseDate(input.date, 'date');
      return write(async (trx) => {
        const current = await load(trx, actor, id);
        if (current.date_out !== null) throw conflict('already-out');
        // Without a date: today, or the day it went in when that is "today" east of UTC (dates in may be up to UTC+14).
        const date = given ?? (current.date_in > todayUtc() ? current.date_in : todayUtc());
        const portions = input.portions ?? current.quantity;
        if (portions > current.quantity) throw badRequest('too-many-portions', { quantity: current.quantity, portions }, 'portions');
        if (date < current.date_in) throw badRequest('date-out-before-in', { dateIn: current.date_in }, 'date');
        if (date > latestToday()) throw badRequest('date-out-future', {}, 'date');
        const now = nowIso();
        // What reading them back would answer: the rows as written (the product's names do not change here).
        let product: ProductView;
        let takenOut: ProductView;
        if (portions === current.quantity) {
          await productsRepository.update(trx, id, { date_out: date, updated_at: now });
          product = { ...current, date_out: date, updated_at: now };
          takenOut = product;
        } else {
          await productsRepository.update(trx, id, { quantity: current.quantity - portions, updated_at: now });
          const taken = {
            user_id: actor.userId,
            freezer_id: current.freezer_id,
            type_id: current.type_id,
            name: current.name,
            description: current.description,
            box: current.box,
            slot: current.slot,
            date_in: current.date_in,
            date_out: date,
            period_months: current.period_months,
            due_date: current.due_date,
            quantity: portions,
            source_product_id: id,
            created_at: now,
            updated_at: now,
          };
          const takenId = await productsRepository.insert(trx, taken);
          product = { ...current, quantity: current.quantity - portions, updated_at: now };
          takenOut = { ...current, ...taken, id: takenId };
        }
        await audit(trx, actor, 'product.take-out', id, { portions, date, historyId: takenOut.id });
        const today = todayUtc();
        const productDto = toProductDto(product, actor.language, today);
        return { product: productDto, takenOut: takenOut === product ? productDto : toProductDto(takenOut, actor.language, today) };
      });
    },

    /**
     * Undoes a take-out, given the product (or history row) that was taken out. Portions taken from a
     * product still inside go back to it; otherwise the product itself goes back to its slot.
     */
    async undoTakeOut(actor: Actor, id: number): Promise<ProductDto> {
      return write(async (trx) => {
        const taken = await load(trx, actor, id);
        if (taken.date_out === null) throw conflict('not-taken-out');
        const source = taken.source_product_id === null ? undefined : await productsRepository.getForMember(trx, actor.userId, taken.source_product_id);
        const now = nowIso();
        if (source && source.date_out === null) {
          await productsRepository.update(trx, source.id, { quantity: source.quantity + taken.quantity, updated_at: now });
          await productsRepository.delete(trx, taken.id);
          await audit(trx, actor, 'product.undo-take-out', source.id, { portions: taken.quantity, historyId: taken.id });
          return dto(trx, actor, source.id);
        }
        // The freezer may have shrunk since: its box must still exist (the product cannot go back into a box that is gone).
        const boxCount = (await freezersRepository.getBoxCount(trx, taken.freezer_id)) ?? 0;
        if (taken.box > boxCount) throw conflict('box-out-of-range', { boxCount }, 'box');
        await placeSlot(trx, taken.freezer_id, taken.box, taken.slot, taken.id);
        await productsRepository.update(trx, taken.id, { date_out: null, source_product_id: null, updated_at: now });
        await audit(trx, actor, 'product.undo-take-out', taken.id, { portions: taken.quantity });
        return dto(trx, actor, taken.id);
      });
    },
  };
}

export type ProductsService = ReturnType<typeof createProductsService>;
