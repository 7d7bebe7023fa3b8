import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { containsText } from '../../db/sql.js';
import type { Database, NewProductRow, ProductRow, ProductUpdate } from '../../db/types.js';

/** A product row with the names the API shows next to it. */
export interface ProductView extends ProductRow {
  type_name_en: string;
  type_name_fr: string;
  freezer_name: string;
}

export type ProductStatus = 'inside' | 'outside' | 'all';
export type ProductSort = 'dueDate' | 'dateIn' | 'dateOut' | 'name' | 'quantity' | 'location' | 'type';

export interface ProductFilter {
  status: ProductStatus;
  freezerId?: number;
  typeId?: number;
  box?: number;
  /** Inside and past their due date (due_date < today). */
  overdue?: boolean;
  /** Inside, not yet overdue, due on or before this date. */
  dueBy?: string;
  today: string;
  q?: string;
  sort: ProductSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

type SortColumn = 'p.due_date' | 'p.date_in' | 'p.date_out' | 'p.name' | 'p.quantity' | 'p.freezer_id' | 'p.box' | 'p.slot' | 't.name_en';

const SORT_COLUMNS: Record<ProductSort, Array<SortColumn | RawBuilder<string>>> = {
  dueDate: ['p.due_date'],
  dateIn: ['p.date_in'],
  dateOut: ['p.date_out'],
  // Alphabetical for people: "apple" before "Banana" (a plain text sort puts every capital first).
  name: [sql<string>`lower(${sql.ref('p.name')})`, 'p.name'],
  quantity: ['p.quantity'],
  location: ['p.freezer_id', 'p.box', 'p.slot'],
  type: ['t.name_en'],
};

/** Products of the freezers this user is a member of: the one place visibility is decided. */
function visibleTo(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('products as p')
    .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'p.freezer_id').on('m.user_id', '=', userId))
    .innerJoin('product_types as t', 't.id', 'p.type_id')
    .innerJoin('freezers as f', 'f.id', 'p.freezer_id');
}

type Visible = ReturnType<typeof visibleTo>;

function selectView<QB extends SelectQueryBuilder<any, any, any>>(query: QB) {
  return query.selectAll('p').select(['t.name_en as type_name_en', 't.name_fr as type_name_fr', 'f.name as freezer_name']);
}

function applyFilter(query: Visible, filter: ProductFilter): Visible {
  let q = query;
  if (filter.status === 'inside' || filter.overdue || filter.dueBy) q = q.where('p.date_out', 'is', null);
  else if (filter.status === 'outside') q = q.where('p.date_out', 'is not', null);
  if (filter.freezerId !== undefined) q = q.where('p.freezer_id', '=', filter.freezerId);
  if (filter.typeId !== undefined) q = q.where('p.type_id', '=', filter.typeId);
  if (filter.box !== undefined) q = q.where('p.box', '=', filter.box);
  if (filter.overdue) q = q.where('p.due_date', '<', filter.today);
  if (filter.dueBy) q = q.where('p.due_date', '>=', filter.today).where('p.due_date', '<=', filter.dueBy);
  if (filter.q) {
    const text = filter.q;
    // The type names are matched once per query (43 types), not once per product row.
    q = q.where((eb) =>
      eb.or([
        containsText('p.name', text),
        containsText('p.description', text),
        eb('p.type_id', 'in', eb.selectFrom('product_types as st').select('st.id').where((inner) => inner.or([containsText('st.name_en', text), containsText('st.name_fr', text)]))),
      ]),
    );
  }
  return q;
}

export const productsRepository = {
  async list(db: Kysely<Database>, userId: number, filter: ProductFilter): Promise<{ rows: ProductView[]; total: number }> {
    const base = applyFilter(visibleTo(db, userId), filter);
    let rowsQuery = selectView(base);
    for (const column of SORT_COLUMNS[filter.sort]) rowsQuery = rowsQuery.orderBy(column, filter.order);
    rowsQuery = rowsQuery.orderBy('p.id', filter.order);
    const rows = (await rowsQuery.limit(filter.limit).offset(filter.offset).execute()) as ProductView[];
    // A page that is not full ends the list, so it tells the total: counting is only needed otherwise
    // (an empty page past the start may mean fewer rows than the offset, so that one is counted too).
    if (rows.length < filter.limit && (rows.length > 0 || filter.offset === 0)) return { rows, total: filter.offset + rows.length };
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return { rows, total: Number(total.n) };
  },

  async getForMember(db: Kysely<Database>, userId: number, id: number): Promise<ProductView | undefined> {
    return (await selectView(visibleTo(db, userId).where('p.id', '=', id)).executeTakeFirst()) as ProductView | undefined;
  },

  /** The product inside this slot, if any. */
  async findInsideAt(db: Kysely<Database>, freezerId: number, box: number, slot: number): Promise<{ id: number } | undefined> {
    return db
      .selectFrom('products')
      .select('id')
      .where('freezer_id', '=', freezerId)
      .where('box', '=', box)
      .where('slot', '=', slot)
      .where('date_out', 'is', null)
      .executeTakeFirst();
  },

  async insert(db: Kysely<Database>, row: NewProductRow): Promise<number> {
    const created = await db.insertInto('products').values(row).returning('id').executeTakeFirstOrThrow();
    if (row.source_product_id == null) await adjustTypeCount(db, row.type_id, 1);
    return created.id;
  },

  async update(db: Kysely<Database>, id: number, changes: ProductUpdate): Promise<void> {
    const countsChange = changes.type_id !== undefined || changes.source_product_id !== undefined;
    const before = countsChange ? await db.selectFrom('products').select(['type_id', 'source_product_id']).where('id', '=', id).executeTakeFirst() : undefined;
    await db.updateTable('products').set(changes).where('id', '=', id).execute();
    if (before) {
      const typeAfter = (changes.type_id as number | undefined) ?? before.type_id;
      const countedAfter = (changes.source_product_id === undefined ? before.source_product_id : changes.source_product_id) === null;
      if (before.source_product_id === null) await adjustTypeCount(db, before.type_id, -1);
      if (countedAfter) await adjustTypeCount(db, typeAfter, 1);
    }
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    const before = await db.selectFrom('products').select(['type_id', 'source_product_id']).where('id', '=', id).executeTakeFirst();
    await db.deleteFrom('products').where('id', '=', id).execute();
    if (before && before.source_product_id === null) await adjustTypeCount(db, before.type_id, -1);
  },

  /** Deletes the history rows of the partial take-outs of a product; returns how many. */
  async deleteTakeOutsOf(db: Kysely<Database>, sourceId: number): Promise<number> {
    const result = await db.deleteFrom('products').where('source_product_id', '=', sourceId).executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};

/**
 * Keeps product_type_counts (products per type, history rows of partial take-outs excluded) in step
 * with the products table, in the caller's transaction. Every write to products goes through this
 * repository, so the general trend never reads a stale count.
 */
async function adjustTypeCount(db: Kysely<Database>, typeId: number, delta: number): Promise<void> {
  await db
    .insertInto('product_type_counts')
    .values({ type_id: typeId, freq: delta })
    .onConflict((oc) => oc.column('type_id').doUpdateSet((eb) => ({ freq: eb(eb.ref('product_type_counts.freq'), '+', eb.ref('excluded.freq')) })))
    .execute();
}
