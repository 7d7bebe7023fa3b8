import { sql, type Kysely, type QueryCreator, type Updateable } from 'kysely';
import { isPostgres } from '../../db/database.js';
import { prepareQuery, type PreparedQuery } from '../../db/prepared.js';
import { containsFolded, foldCase, rowCount } from '../../db/sql.js';
import type { Database, ProductFoldedColumn, ProductRow, ProductsTable, ProductUpdate } from '../../db/types.js';

/** A product row with the names the API shows next to it. */
export interface ProductView extends ProductRow {
  type_name_en: string;
  type_name_fr: string;
  freezer_name: string;
}

/** Every column of a new product row (the id comes from the database). */
export type NewProduct = Omit<ProductRow, 'id'>;

/** What putting a product into a freezer needs: the freezer as its member sees it, and the type (absent when unknown). */
export interface Placement {
  box_count: number;
  freezer_name: string;
  period_months: number | null;
  type_name_en: string | null;
  type_name_fr: string | null;
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

type SortColumn = 'p.due_date' | 'p.date_in' | 'p.date_out' | 'p.name_folded' | 'p.name' | 'p.quantity' | 'p.freezer_id' | 'p.box' | 'p.slot' | 't.name_en';

const SORT_COLUMNS: Record<ProductSort, SortColumn[]> = {
  dueDate: ['p.due_date'],
  dateIn: ['p.date_in'],
  dateOut: ['p.date_out'],
  // Alphabetical for people: "apple" before "Banana" (a plain text sort puts every capital first).
  name: ['p.name_folded', 'p.name'],
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

/** The columns of a product row (the folded copies of its texts stay in the table). */
const PRODUCT_COLUMNS = [
  'p.id',
  'p.user_id',
  'p.freezer_id',
  'p.type_id',
  'p.name',
  'p.description',
  'p.box',
  'p.slot',
  'p.date_in',
  'p.date_out',
  'p.period_months',
  'p.due_date',
  'p.quantity',
  'p.source_product_id',
  'p.created_at',
  'p.updated_at',
] as const satisfies ReadonlyArray<`p.${keyof ProductRow}`>;

function selectView(query: Visible) {
  return query.select(PRODUCT_COLUMNS).select(['t.name_en as type_name_en', 't.name_fr as type_name_fr', 'f.name as freezer_name']);
}

/** The values a list query sends; which of them it uses depends on the filter's shape (see listQueries). */
type FilterValues = {
  userId: number;
  freezerId?: number;
  typeId?: number;
  box?: number;
  today: string;
  dueBy?: string;
  /** The search text in lower case (foldCase). */
  needle?: string;
  limit: number;
  offset: number;
};

/** The filter's conditions: which ones from `filter`, their values from `v` (the same values, or a prepared query's placeholders). */
function applyFilter(query: Visible, filter: ProductFilter, v: FilterValues): Visible {
  let q = query;
  if (filter.status === 'inside' || filter.overdue || filter.dueBy) q = q.where('p.date_out', 'is', null);
  else if (filter.status === 'outside') q = q.where('p.date_out', 'is not', null);
  if (filter.freezerId !== undefined) q = q.where('p.freezer_id', '=', v.freezerId!);
  if (filter.typeId !== undefined) q = q.where('p.type_id', '=', v.typeId!);
  if (filter.box !== undefined) q = q.where('p.box', '=', v.box!);
  if (filter.overdue) q = q.where('p.due_date', '<', v.today);
  if (filter.dueBy) q = q.where('p.due_date', '>=', v.today).where('p.due_date', '<=', v.dueBy!);
  if (filter.q) {
    const needle = v.needle;
    // The type names are matched once per query (43 types), not once per product row.
    q = q.where((eb) =>
      eb.or([
        containsFolded('p.name_folded', needle),
        containsFolded('p.description_folded', needle),
        eb('p.type_id', 'in', eb.selectFrom('product_types as st').select('st.id').where((inner) => inner.or([containsFolded('st.name_en_folded', needle), containsFolded('st.name_fr_folded', needle)]))),
      ]),
    );
  }
  return q;
}

interface ListQueries {
  rows: PreparedQuery<FilterValues, ProductView>;
  count: PreparedQuery<FilterValues, { n: number }>;
}

/**
 * The list's two queries (a page, and the count), compiled once per shape of filter: which conditions it
 * has and how it sorts (a few hundred shapes at most), the values being parameters. A list is read far
 * more often than anything else, and building a query costs Kysely about what SQLite spends running it.
 */
const listQueries = new Map<string, ListQueries>();

function listQueriesFor(filter: ProductFilter): ListQueries {
  const key = [filter.status, filter.freezerId !== undefined, filter.typeId !== undefined, filter.box !== undefined, Boolean(filter.overdue), Boolean(filter.dueBy), Boolean(filter.q), filter.sort, filter.order].join(',');
  let queries = listQueries.get(key);
  if (!queries) {
    queries = {
      rows: prepareQuery((db, v: FilterValues) => {
        let query = selectView(applyFilter(visibleTo(db, v.userId), filter, v));
        for (const column of SORT_COLUMNS[filter.sort]) query = query.orderBy(column, filter.order);
        return query.orderBy('p.id', filter.order).limit(rowCount(v.limit)).offset(rowCount(v.offset));
      }) as ListQueries['rows'],
      count: prepareQuery((db, v: FilterValues) =>
        applyFilter(visibleTo(db, v.userId), filter, v).select((eb) => eb.fn.countAll<number>().as('n')),
      ),
    };
    listQueries.set(key, queries);
  }
  return queries;
}

// The queries of the write path, compiled once (see prepared.ts); the same SQL as building them each time.

const viewById = prepareQuery((db, p: { userId: number; id: number }) => selectView(visibleTo(db, p.userId).where('p.id', '=', p.id)));

const placementQuery = prepareQuery((db, p: { userId: number; freezerId: number; typeId: number }) =>
  db
    .selectFrom('freezers as f')
    .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'f.id').on('m.user_id', '=', p.userId))
    .leftJoin('product_types as t', (join) => join.on('t.id', '=', p.typeId))
    .select(['f.box_count', 'f.name as freezer_name', 't.period_months', 't.name_en as type_name_en', 't.name_fr as type_name_fr'])
    .where('f.id', '=', p.freezerId),
);

const insideAt = prepareQuery((db, p: { freezerId: number; box: number; slot: number }) =>
  db.selectFrom('products').select('id').where('freezer_id', '=', p.freezerId).where('box', '=', p.box).where('slot', '=', p.slot).where('date_out', 'is', null),
);

type StoredProduct = NewProduct & Pick<ProductsTable, ProductFoldedColumn>;

/** The columns of a new product row (with the folded copies of its texts). */
function productValues(p: StoredProduct) {
  return {
    user_id: p.user_id,
    freezer_id: p.freezer_id,
    type_id: p.type_id,
    name: p.name,
    description: p.description,
    box: p.box,
    slot: p.slot,
    date_in: p.date_in,
    date_out: p.date_out,
    period_months: p.period_months,
    due_date: p.due_date,
    quantity: p.quantity,
    source_product_id: p.source_product_id,
    created_at: p.created_at,
    updated_at: p.updated_at,
    name_folded: p.name_folded,
    description_folded: p.description_folded,
  };
}

const insertRow = prepareQuery((db, p: StoredProduct) => db.insertInto('products').values(productValues(p)).returning('id'));

/**
 * PostgreSQL: the product row and the counters it adds to, in one statement (data-modifying WITH clauses)
 * instead of three, each a round trip to the server: a product counted by the general trend (not a history
 * row of a partial take-out) adds to product_type_counts too. The statements see the same snapshot and
 * touch different tables, so this is what running them one after the other does.
 */
const insertRowWithCounts = {
  counted: prepareQuery((db, p: StoredProduct & { shard: number }) =>
    db
      .with('type_count', () => addToTypeCount(db, { typeId: p.type_id, shard: p.shard, delta: 1 }))
      .with('stats', () => addToStats(db, { freezerId: p.freezer_id, typeId: p.type_id, counted: 1, dateOut: p.date_out }))
      .insertInto('products')
      .values(productValues(p))
      .returning('id'),
  ),
  history: prepareQuery((db, p: StoredProduct) =>
    db
      .with('stats', () => addToStats(db, { freezerId: p.freezer_id, typeId: p.type_id, counted: 0, dateOut: p.date_out }))
      .insertInto('products')
      .values(productValues(p))
      .returning('id'),
  ),
};

const countedAs = prepareQuery((db, p: { id: number }) => db.selectFrom('products').select(['freezer_id', 'type_id', 'source_product_id', 'date_out']).where('id', '=', p.id));

/**
 * A product of this (freezer, type) pair that was inside went out on this date: the pair keeps its rows and
 * products, and its latest date out becomes this one if later. What recounting the pair would give, without
 * reading its rows (the common take-out; anything else is recounted).
 */
const statsTakenOut = prepareQuery((db, p: { freezerId: number; typeId: number; dateOut: string }) =>
  db
    .updateTable('freezer_type_stats')
    .set({ latest: p.dateOut })
    .where('freezer_id', '=', p.freezerId)
    .where('type_id', '=', p.typeId)
    .where((eb) => eb.or([eb('latest', 'is', null), eb('latest', '<', p.dateOut)])),
);

/** A new product row in freezer_type_stats: one more row, one more product unless a history row, a later take-out maybe. */
function addToStats(db: QueryCreator<Database>, p: { freezerId: number; typeId: number; counted: number; dateOut: string | null }) {
  return db
    .insertInto('freezer_type_stats')
    .values({ freezer_id: p.freezerId, type_id: p.typeId, row_count: 1, freq: p.counted, latest: p.dateOut })
    .onConflict((oc) =>
      oc.columns(['freezer_id', 'type_id']).doUpdateSet((eb) => ({
        row_count: eb(eb.ref('freezer_type_stats.row_count'), '+', 1),
        freq: eb(eb.ref('freezer_type_stats.freq'), '+', eb.ref('excluded.freq')),
        // The later of the two dates (either may be null; SQLite's max(a, b) would answer null then).
        latest: eb
          .case()
          .when(eb.ref('excluded.latest'), 'is', null)
          .then(eb.ref('freezer_type_stats.latest'))
          .when(eb.or([eb(eb.ref('freezer_type_stats.latest'), 'is', null), eb(eb.ref('excluded.latest'), '>', eb.ref('freezer_type_stats.latest'))]))
          .then(eb.ref('excluded.latest'))
          .else(eb.ref('freezer_type_stats.latest'))
          .end(),
      })),
    );
}

const statsAdd = prepareQuery((db, p: { freezerId: number; typeId: number; counted: number; dateOut: string | null }) => addToStats(db, p));

/** One (freezer, type) pair of freezer_type_stats counted again from the products (an index-only scan of a few rows). */
const statsRecount = prepareQuery((db, p: { freezerId: number; typeId: number }) =>
  db
    .insertInto('freezer_type_stats')
    .columns(['freezer_id', 'type_id', 'row_count', 'freq', 'latest'])
    .expression((eb) =>
      eb
        .selectFrom('products')
        .select((inner) => [
          sql<number>`cast(${p.freezerId} as integer)`.as('freezer_id'),
          sql<number>`cast(${p.typeId} as integer)`.as('type_id'),
          inner.fn.countAll<number>().as('row_count'),
          inner.fn.count<number>(inner.case().when('source_product_id', 'is', null).then(1).end()).as('freq'),
          inner.fn.max('date_out').as('latest'),
        ])
        .where('freezer_id', '=', p.freezerId)
        .where('type_id', '=', p.typeId),
    )
    .onConflict((oc) =>
      oc.columns(['freezer_id', 'type_id']).doUpdateSet((eb) => ({ row_count: eb.ref('excluded.row_count'), freq: eb.ref('excluded.freq'), latest: eb.ref('excluded.latest') })),
    ),
);

/** Counts these (freezer, type) pairs again, each once. */
async function recountStats(db: Kysely<Database>, pairs: ReadonlyArray<{ freezer_id: number; type_id: number }>): Promise<void> {
  const seen = new Set<string>();
  for (const pair of pairs) {
    const key = `${pair.freezer_id}:${pair.type_id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    await statsRecount.execute(db, { freezerId: pair.freezer_id, typeId: pair.type_id });
  }
}

/** Adds delta to one shard of a type's count of products (product_type_counts). */
function addToTypeCount(db: QueryCreator<Database>, p: { typeId: number; shard: number; delta: number }) {
  return db
    .insertInto('product_type_counts')
    .values({ type_id: p.typeId, shard: p.shard, freq: p.delta })
    .onConflict((oc) => oc.columns(['type_id', 'shard']).doUpdateSet((eb) => ({ freq: eb(eb.ref('product_type_counts.freq'), '+', eb.ref('excluded.freq')) })));
}

const typeCountUpsert = prepareQuery((db, p: { typeId: number; shard: number; delta: number }) => addToTypeCount(db, p));

/** Shards of a type's count on PostgreSQL (see migration 0013); SQLite runs one writer at a time and keeps one row per type. */
const TYPE_COUNT_SHARDS = 16;

/** The shard of product_type_counts that a write to this freezer's products adds to. */
function typeCountShard(db: Kysely<Database>, freezerId: number): number {
  return isPostgres(db) ? freezerId % TYPE_COUNT_SHARDS : 0;
}

/** UPDATE products SET <these columns> WHERE id = ?, one compiled query per set of columns changed. */
const updates = new Map<string, PreparedQuery<Record<string, unknown>, unknown>>();

function updateOf(columns: string[]): PreparedQuery<Record<string, unknown>, unknown> {
  const key = columns.join(',');
  let query = updates.get(key);
  if (!query) {
    // The id is a parameter of its own: `id` could be a column changed too.
    query = prepareQuery((db, p: Record<string, unknown>) =>
      db
        .updateTable('products')
        .set(Object.fromEntries(columns.map((column) => [column, p[column]])) as Updateable<ProductsTable>)
        .where('id', '=', p['$id'] as number),
    );
    updates.set(key, query);
  }
  return query;
}

export const productsRepository = {
  async list(db: Kysely<Database>, userId: number, filter: ProductFilter): Promise<{ rows: ProductView[]; total: number }> {
    const queries = listQueriesFor(filter);
    const values: FilterValues = {
      userId,
      freezerId: filter.freezerId,
      typeId: filter.typeId,
      box: filter.box,
      today: filter.today,
      dueBy: filter.dueBy,
      needle: filter.q ? foldCase(filter.q) : undefined,
      limit: filter.limit,
      offset: filter.offset,
    };
    const rows = await queries.rows.execute(db, values);
    // A page that is not full ends the list, so it tells the total: counting is only needed otherwise
    // (an empty page past the start may mean fewer rows than the offset, so that one is counted too).
    if (rows.length < filter.limit && (rows.length > 0 || filter.offset === 0)) return { rows, total: filter.offset + rows.length };
    const total = await queries.count.executeTakeFirst(db, values);
    return { rows, total: Number(total?.n ?? 0) };
  },

  async getForMember(db: Kysely<Database>, userId: number, id: number): Promise<ProductView | undefined> {
    return (await viewById.executeTakeFirst(db, { userId, id })) as ProductView | undefined;
  },

  /**
   * For a new product: the box count and name of the freezer when the user is a member of it (undefined
   * otherwise), with the type's period and names (null when there is no such type). One query.
   */
  placement(db: Kysely<Database>, userId: number, freezerId: number, typeId: number): Promise<Placement | undefined> {
    return placementQuery.executeTakeFirst(db, { userId, freezerId, typeId });
  },

  /** The product inside this slot, if any. */
  findInsideAt(db: Kysely<Database>, freezerId: number, box: number, slot: number): Promise<{ id: number } | undefined> {
    return insideAt.executeTakeFirst(db, { freezerId, box, slot });
  },

  async insert(db: Kysely<Database>, row: NewProduct): Promise<number> {
    const stored = { ...row, name_folded: foldCase(row.name), description_folded: foldCase(row.description) };
    const counted = row.source_product_id === null;
    if (isPostgres(db)) {
      const created = await (counted ? insertRowWithCounts.counted : insertRowWithCounts.history).executeTakeFirst(db, { ...stored, shard: typeCountShard(db, row.freezer_id) });
      if (!created) throw new Error('insert into products returned no id');
      return created.id;
    }
    const created = await insertRow.executeTakeFirst(db, stored);
    if (!created) throw new Error('insert into products returned no id');
    if (counted) await adjustTypeCount(db, row.type_id, row.freezer_id, 1);
    await statsAdd.execute(db, { freezerId: row.freezer_id, typeId: row.type_id, counted: counted ? 1 : 0, dateOut: row.date_out });
    return created.id;
  },

  async update(db: Kysely<Database>, id: number, changes: ProductUpdate): Promise<void> {
    const countsChange = changes.type_id !== undefined || changes.source_product_id !== undefined;
    const statsChange = countsChange || changes.freezer_id !== undefined || changes.date_out !== undefined;
    const before = statsChange ? await countedAs.executeTakeFirst(db, { id }) : undefined;
    // A text changed changes its folded copy with it.
    const stored: Record<string, unknown> = { ...changes };
    if (changes.name !== undefined) stored.name_folded = foldCase(changes.name);
    if (changes.description !== undefined) stored.description_folded = foldCase(changes.description);
    // Like Kysely's set(): a column given as undefined is left as it is.
    const columns = Object.keys(stored).filter((column) => stored[column] !== undefined);
    if (columns.length > 0) await updateOf(columns).execute(db, { ...stored, $id: id });
    if (before) {
      const typeAfter = (changes.type_id as number | undefined) ?? before.type_id;
      const freezerAfter = (changes.freezer_id as number | undefined) ?? before.freezer_id;
      if (countsChange) {
        const countedAfter = (changes.source_product_id === undefined ? before.source_product_id : changes.source_product_id) === null;
        if (before.source_product_id === null) await adjustTypeCount(db, before.type_id, before.freezer_id, -1);
        if (countedAfter) await adjustTypeCount(db, typeAfter, freezerAfter, 1);
      }
      const takenOut = before.date_out === null && typeof changes.date_out === 'string' && !countsChange && freezerAfter === before.freezer_id;
      if (takenOut) await statsTakenOut.execute(db, { freezerId: freezerAfter, typeId: typeAfter, dateOut: changes.date_out as string });
      else await recountStats(db, [before, { freezer_id: freezerAfter, type_id: typeAfter }]);
    }
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    const before = await countedAs.executeTakeFirst(db, { id });
    await db.deleteFrom('products').where('id', '=', id).execute();
    if (before && before.source_product_id === null) await adjustTypeCount(db, before.type_id, before.freezer_id, -1);
    if (before) await recountStats(db, [before]);
  },

  /** Deletes the history rows of the partial take-outs of a product; returns how many. */
  async deleteTakeOutsOf(db: Kysely<Database>, sourceId: number): Promise<number> {
    const pairs = await db.selectFrom('products').select(['freezer_id', 'type_id']).distinct().where('source_product_id', '=', sourceId).execute();
    const result = await db.deleteFrom('products').where('source_product_id', '=', sourceId).executeTakeFirst();
    await recountStats(db, pairs);
    return Number(result.numDeletedRows);
  },
};

/**
 * Keeps product_type_counts (products per type, history rows of partial take-outs excluded) in step
 * with the products table, in the caller's transaction. Every write to products goes through this
 * repository, so the general trend never reads a stale count.
 */
async function adjustTypeCount(db: Kysely<Database>, typeId: number, freezerId: number, delta: number): Promise<void> {
  await typeCountUpsert.execute(db, { typeId, shard: typeCountShard(db, freezerId), delta });
}
