import { sql, type Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * product_type_counts keeps a type's count in several rows (shards), which the general trend adds up.
 * Every product put in adds one to its type's count; on PostgreSQL, two SERIALIZABLE transactions that
 * update the same row cannot both commit, so with one row per type most concurrent writers of a common type
 * were rolled back and run again (28–31 % of add-products under 32 concurrent writers). Each write now adds
 * to the shard of its freezer (see the products repository), so two writers collide only in the same shard.
 * Existing counts move to shard 0; a shard may go below zero (a product counted in shard 0 and later
 * deleted from its freezer's shard): only the sum per type means anything.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product_type_counts_sharded')
    .addColumn('type_id', 'integer', (c) => c.notNull().references('product_types.id').onDelete('cascade'))
    .addColumn('shard', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('freq', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('product_type_counts_pk', ['type_id', 'shard'])
    .execute();
  await sql`insert into product_type_counts_sharded (type_id, shard, freq) select type_id, 0, freq from product_type_counts`.execute(db);
  await db.schema.dropTable('product_type_counts').execute();
  await db.schema.alterTable('product_type_counts_sharded').renameTo('product_type_counts').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('product_type_counts_single')
    .addColumn('type_id', 'integer', (c) => c.primaryKey().references('product_types.id').onDelete('cascade'))
    .addColumn('freq', 'integer', (c) => c.notNull())
    .execute();
  await sql`insert into product_type_counts_single (type_id, freq) select type_id, sum(freq) from product_type_counts group by type_id`.execute(db);
  await db.schema.dropTable('product_type_counts').execute();
  await db.schema.alterTable('product_type_counts_single').renameTo('product_type_counts').execute();
}
