import type { Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { Database, ProductTypeRow } from '../../db/types.js';

/** Compiled once (see prepared.ts): a product's change of type looks its type up. */
const byId = prepareQuery((db, p: { id: number }) => db.selectFrom('product_types').selectAll().where('id', '=', p.id));

export const typesRepository = {
  list(db: Kysely<Database>): Promise<ProductTypeRow[]> {
    return db.selectFrom('product_types').selectAll().orderBy('id').execute();
  },

  getById(db: Kysely<Database>, id: number): Promise<ProductTypeRow | undefined> {
    return byId.executeTakeFirst(db, { id });
  },

  create(db: Kysely<Database>, row: Omit<ProductTypeRow, 'id'>): Promise<ProductTypeRow> {
    return db.insertInto('product_types').values(row).returningAll().executeTakeFirstOrThrow();
  },

  update(db: Kysely<Database>, id: number, changes: Partial<Omit<ProductTypeRow, 'id' | 'created_at'>>): Promise<ProductTypeRow | undefined> {
    return db.updateTable('product_types').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('product_types').where('id', '=', id).execute();
  },

  /** A type, other than `exceptId`, whose English or French name equals one of these, ignoring case. */
  findByNameIgnoringCase(db: Kysely<Database>, names: { nameEn?: string; nameFr?: string }, exceptId?: number): Promise<ProductTypeRow | undefined> {
    let query = db.selectFrom('product_types').selectAll();
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    return query
      .where((eb) =>
        eb.or([
          ...(names.nameEn !== undefined ? [eb(eb.fn('lower', ['name_en']), '=', names.nameEn.toLowerCase())] : []),
          ...(names.nameFr !== undefined ? [eb(eb.fn('lower', ['name_fr']), '=', names.nameFr.toLowerCase())] : []),
        ]),
      )
      .executeTakeFirst();
  },

  async countProducts(db: Kysely<Database>, id: number): Promise<number> {
    const row = await db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).where('type_id', '=', id).executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
