import type { Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import { foldCase } from '../../db/sql.js';
import type { Database, ProductTypeRow } from '../../db/types.js';

/** The columns of a type row (the folded copies of its names stay in the table). */
const TYPE_COLUMNS = ['id', 'name_en', 'name_fr', 'period_months', 'created_at', 'updated_at'] as const satisfies ReadonlyArray<keyof ProductTypeRow>;

/** The folded copies of the names among these columns, to be written with them. */
function withFolded<T extends { name_en?: string; name_fr?: string }>(row: T) {
  return {
    ...row,
    ...(row.name_en !== undefined ? { name_en_folded: foldCase(row.name_en) } : {}),
    ...(row.name_fr !== undefined ? { name_fr_folded: foldCase(row.name_fr) } : {}),
  };
}

/** Compiled once (see prepared.ts): a product's change of type looks its type up. */
const byId = prepareQuery((db, p: { id: number }) => db.selectFrom('product_types').select(TYPE_COLUMNS).where('id', '=', p.id));

export const typesRepository = {
  list(db: Kysely<Database>): Promise<ProductTypeRow[]> {
    return db.selectFrom('product_types').select(TYPE_COLUMNS).orderBy('id').execute();
  },

  getById(db: Kysely<Database>, id: number): Promise<ProductTypeRow | undefined> {
    return byId.executeTakeFirst(db, { id });
  },

  create(db: Kysely<Database>, row: Omit<ProductTypeRow, 'id'>): Promise<ProductTypeRow> {
    return db
      .insertInto('product_types')
      .values({ ...row, name_en_folded: foldCase(row.name_en), name_fr_folded: foldCase(row.name_fr) })
      .returning(TYPE_COLUMNS)
      .executeTakeFirstOrThrow();
  },

  update(db: Kysely<Database>, id: number, changes: Partial<Omit<ProductTypeRow, 'id' | 'created_at'>>): Promise<ProductTypeRow | undefined> {
    return db.updateTable('product_types').set(withFolded(changes)).where('id', '=', id).returning(TYPE_COLUMNS).executeTakeFirst();
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('product_types').where('id', '=', id).execute();
  },

  /** A type, other than `exceptId`, whose English or French name equals one of these, ignoring case. */
  findByNameIgnoringCase(db: Kysely<Database>, names: { nameEn?: string; nameFr?: string }, exceptId?: number): Promise<ProductTypeRow | undefined> {
    let query = db.selectFrom('product_types').select(TYPE_COLUMNS);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    return query
      .where((eb) =>
        eb.or([
          ...(names.nameEn !== undefined ? [eb('name_en_folded', '=', foldCase(names.nameEn))] : []),
          ...(names.nameFr !== undefined ? [eb('name_fr_folded', '=', foldCase(names.nameFr))] : []),
        ]),
      )
      .executeTakeFirst();
  },

  async countProducts(db: Kysely<Database>, id: number): Promise<number> {
    const row = await db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).where('type_id', '=', id).executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
