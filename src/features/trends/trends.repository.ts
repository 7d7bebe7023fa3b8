import { sql, type Kysely } from 'kysely';
import { rowCount } from '../../db/sql.js';
import { prepareQuery } from '../../db/prepared.js';
import type { Database } from '../../db/types.js';

export interface TypeFrequency {
  type_id: number;
  name_en: string;
  name_fr: string;
  freq: number;
}

// Both trends are asked for far more often than anything changes them, by every user: compiled once (prepared.ts).
// A type's count is the sum of its shards (migration 0013): 43 rows on SQLite, up to 16 times that on PostgreSQL.
const generalQuery = prepareQuery((db, p: { limit: number }) =>
  db
    .selectFrom('product_type_counts as c')
    .innerJoin('product_types as t', 't.id', 'c.type_id')
    .groupBy(['c.type_id', 't.name_en', 't.name_fr'])
    .having((eb) => eb.fn.sum('c.freq'), '>', 0)
    .select((eb) => ['c.type_id', 't.name_en', 't.name_fr', eb.fn.sum<number>('c.freq').as('freq')])
    .orderBy((eb) => eb.fn.sum('c.freq'), 'desc')
    .orderBy('c.type_id')
    .limit(rowCount(p.limit)),
);

/**
 * The user's (freezer, type) statistics with the type's names: a few index lookups. Summed per type in
 * JavaScript (see personal): at a million products, SQLite's GROUP BY and ORDER BY through temporary
 * B-trees cost twice as much as reading these few dozen rows.
 */
const personalRows = prepareQuery((db, p: { userId: number }) =>
  db
    .selectFrom('freezer_members as m')
    .innerJoin('freezer_type_stats as s', 's.freezer_id', 'm.freezer_id')
    .innerJoin('product_types as t', 't.id', 's.type_id')
    .where('m.user_id', '=', p.userId)
    .where('s.row_count', '>', 0)
    .select(['s.type_id', 's.freq', 's.latest', 't.name_en', 't.name_fr']),
);

export const trendsRepository = {
  /**
   * How often each type appears among everybody's products (inside and history), most frequent first.
   * The history row of a partial take-out records portions of a product already counted: not another product.
   */
  async general(db: Kysely<Database>, limit: number): Promise<TypeFrequency[]> {
    // product_type_counts is kept in step with every product write (see the products repository).
    const rows = await generalQuery.execute(db, { limit });
    return rows.map((r) => ({ ...r, freq: Number(r.freq) }));
  },

  /**
   * Per type, among the products of the user's freezers: how often (products, not the history rows of
   * partial take-outs), and when last taken out (partial take-outs included). Read from freezer_type_stats,
   * which the products repository keeps in step with every product write: a few rows per freezer.
   */
  async personal(db: Kysely<Database>, userId: number, limit: number): Promise<Array<TypeFrequency & { latest: string | null }>> {
    const byType = new Map<number, TypeFrequency & { latest: string | null }>();
    for (const row of await personalRows.execute(db, { userId })) {
      const seen = byType.get(row.type_id);
      if (!seen) {
        byType.set(row.type_id, { type_id: row.type_id, name_en: row.name_en, name_fr: row.name_fr, freq: Number(row.freq), latest: row.latest });
        continue;
      }
      seen.freq += Number(row.freq);
      if (row.latest !== null && (seen.latest === null || row.latest > seen.latest)) seen.latest = row.latest;
    }
    // Latest take-out first (types never taken out last), then the most frequent, then by id.
    return [...byType.values()]
      .sort((a, b) => {
        if (a.latest !== b.latest) {
          if (a.latest === null) return 1;
          if (b.latest === null) return -1;
          return a.latest < b.latest ? 1 : -1;
        }
        return b.freq - a.freq || a.type_id - b.type_id;
      })
      .slice(0, limit);
  },

  /** Portions and products taken out per month (YYYY-MM) since a date, from the user's freezers. */
  async consumption(db: Kysely<Database>, userId: number, since: string): Promise<Array<{ month: string; portions: number; products: number }>> {
    const month = sql<string>`substr(p.date_out, 1, 7)`;
    const rows = await db
      .selectFrom('products as p')
      .innerJoin('freezer_members as m', (join) => join.onRef('m.freezer_id', '=', 'p.freezer_id').on('m.user_id', '=', userId))
      .where('p.date_out', '>=', since)
      .select(month.as('month'))
      .select((eb) => [eb.fn.sum<number>('p.quantity').as('portions'), eb.fn.countAll<number>().as('products')])
      .groupBy(month)
      .orderBy(month)
      .execute();
    return rows.map((r) => ({ month: r.month, portions: Number(r.portions), products: Number(r.products) }));
  },
};
