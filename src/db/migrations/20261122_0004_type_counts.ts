import { sql, type Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * How many products (not the history rows of partial take-outs) each type has, kept up to date by
 * the products repository in the same transaction as every write: the general trend reads 43 rows
 * instead of grouping every product of every user.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product_type_counts')
    .addColumn('type_id', 'integer', (c) => c.primaryKey().references('product_types.id').onDelete('cascade'))
    .addColumn('freq', 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into product_type_counts (type_id, freq)
    select type_id, count(*) from products where source_product_id is null group by type_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('product_type_counts').execute();
}
