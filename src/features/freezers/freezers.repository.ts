import type { Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { Database, FreezerRow } from '../../db/types.js';

export interface FreezerWithCounts extends FreezerRow {
  products_inside: number;
  portions_inside: number;
}

function withCounts(db: Kysely<Database>, userId: number) {
  return db
    .selectFrom('freezers')
    .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'freezers.id').on('m.user_id', '=', userId))
    .leftJoin('products', (join) => join.onRef('products.freezer_id', '=', 'freezers.id').on('products.date_out', 'is', null))
    .select(['freezers.id', 'freezers.name', 'freezers.box_count', 'freezers.created_at', 'freezers.updated_at'])
    .select((eb) => [
      eb.fn.count<number>('products.id').as('products_inside'),
      eb.fn.coalesce(eb.fn.sum<number>('products.quantity'), eb.lit(0)).as('portions_inside'),
    ])
    .groupBy(['freezers.id', 'freezers.name', 'freezers.box_count', 'freezers.created_at', 'freezers.updated_at']);
}

// Queries of the product write path, compiled once (see prepared.ts).

const boxCountOfMember = prepareQuery((db, p: { userId: number; id: number }) =>
  db
    .selectFrom('freezers as f')
    .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'f.id').on('m.user_id', '=', p.userId))
    .select('f.box_count')
    .where('f.id', '=', p.id),
);

const boxCountOf = prepareQuery((db, p: { id: number }) => db.selectFrom('freezers').select('box_count').where('id', '=', p.id));

const usedSlotsOfBox = prepareQuery((db, p: { id: number; box: number }) =>
  db.selectFrom('products').select(['box', 'slot']).where('freezer_id', '=', p.id).where('date_out', 'is', null).where('box', '=', p.box).orderBy('box').orderBy('slot'),
);

export const freezersRepository = {
  /** The freezers the user is a member of, with what is inside them. */
  async listByMember(db: Kysely<Database>, userId: number): Promise<FreezerWithCounts[]> {
    const rows = await withCounts(db, userId).orderBy('freezers.id').execute();
    return rows.map((r) => ({ ...r, products_inside: Number(r.products_inside), portions_inside: Number(r.portions_inside) }));
  },

  async getForMember(db: Kysely<Database>, userId: number, id: number): Promise<FreezerWithCounts | undefined> {
    const row = await withCounts(db, userId).where('freezers.id', '=', id).executeTakeFirst();
    return row && { ...row, products_inside: Number(row.products_inside), portions_inside: Number(row.portions_inside) };
  },

  /** True when the user may see and change this freezer. */
  async isMember(db: Kysely<Database>, userId: number, id: number): Promise<boolean> {
    const row = await db.selectFrom('freezer_members').select('freezer_id').where('user_id', '=', userId).where('freezer_id', '=', id).executeTakeFirst();
    return row !== undefined;
  },

  /** The box count of a freezer the user is a member of; undefined when not a member (or no such freezer). One query. */
  async boxCountForMember(db: Kysely<Database>, userId: number, id: number): Promise<number | undefined> {
    const row = await boxCountOfMember.executeTakeFirst(db, { userId, id });
    return row?.box_count;
  },

  /** The other members of the freezers the user is a member of. */
  async coMemberIds(db: Kysely<Database>, userId: number): Promise<number[]> {
    const rows = await db
      .selectFrom('freezer_members as mine')
      .innerJoin('freezer_members as other', 'other.freezer_id', 'mine.freezer_id')
      .where('mine.user_id', '=', userId)
      .where('other.user_id', '!=', userId)
      .select('other.user_id')
      .distinct()
      .execute();
    return rows.map((r) => r.user_id);
  },

  async getBoxCount(db: Kysely<Database>, id: number): Promise<number | undefined> {
    const row = await boxCountOf.executeTakeFirst(db, { id });
    return row?.box_count;
  },

  async create(db: Kysely<Database>, userId: number, freezer: { name: string; box_count: number; created_at: string }): Promise<number> {
    const row = await db
      .insertInto('freezers')
      .values({ name: freezer.name, box_count: freezer.box_count, created_at: freezer.created_at, updated_at: freezer.created_at })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db.insertInto('freezer_members').values({ freezer_id: row.id, user_id: userId, role: 'owner', created_at: freezer.created_at }).execute();
    return row.id;
  },

  async update(db: Kysely<Database>, id: number, changes: { name?: string; box_count?: number; updated_at: string }): Promise<void> {
    await db.updateTable('freezers').set(changes).where('id', '=', id).execute();
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('freezer_members').where('freezer_id', '=', id).execute();
    await db.deleteFrom('freezers').where('id', '=', id).execute();
  },

  /** Every product row of the freezer, inside or in its history. */
  async countAllProducts(db: Kysely<Database>, id: number): Promise<number> {
    const row = await db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).where('freezer_id', '=', id).executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** The highest box number that still holds a product inside, or 0. */
  async highestBoxInUse(db: Kysely<Database>, id: number): Promise<number> {
    const row = await db
      .selectFrom('products')
      .select((eb) => eb.fn.max<number>('box').as('box'))
      .where('freezer_id', '=', id)
      .where('date_out', 'is', null)
      .executeTakeFirst();
    return Number(row?.box ?? 0);
  },

  /** (box, slot) of every product inside the freezer, ordered. */
  usedSlots(db: Kysely<Database>, id: number, box?: number): Promise<Array<{ box: number; slot: number }>> {
    if (box !== undefined) return usedSlotsOfBox.execute(db, { id, box });
    let query = db.selectFrom('products').select(['box', 'slot']).where('freezer_id', '=', id).where('date_out', 'is', null);
    if (box !== undefined) query = query.where('box', '=', box);
    return query.orderBy('box').orderBy('slot').execute();
  },
};
