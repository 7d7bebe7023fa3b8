import { sql, type Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * Per freezer and type: how many product rows (history included), how many products (the history rows of
 * partial take-outs excluded) and the latest take-out. Kept by the products repository in the same
 * transaction as every product write, so personal trends add up a few rows per freezer instead of grouping
 * every product of the user's freezers. The index lets the repository recount one (freezer, type) pair
 * from the products alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('freezer_type_stats')
    .addColumn('freezer_id', 'integer', (c) => c.notNull().references('freezers.id').onDelete('cascade'))
    .addColumn('type_id', 'integer', (c) => c.notNull().references('product_types.id').onDelete('cascade'))
    .addColumn('row_count', 'integer', (c) => c.notNull())
    .addColumn('freq', 'integer', (c) => c.notNull())
    .addColumn('latest', 'text')
    .addPrimaryKeyConstraint('freezer_type_stats_pk', ['freezer_id', 'type_id'])
    .execute();
  await db.schema.createIndex('products_freezer_type_idx').on('products').columns(['freezer_id', 'type_id', 'date_out', 'source_product_id']).execute();
  await sql`insert into freezer_type_stats (freezer_id, type_id, row_count, freq, latest)
    select freezer_id, type_id, count(*), count(case when source_product_id is null then 1 end), max(date_out)
    from products group by freezer_id, type_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('products_freezer_type_idx').execute();
  await db.schema.dropTable('freezer_type_stats').execute();
}
