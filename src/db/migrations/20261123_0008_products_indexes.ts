import type { Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * One index on products instead of two: (type_id, freezer_id, date_out, source_product_id) serves what
 * products_type_idx (type_id, date_out) served (a type's products: is it in use, a list by type) and what
 * products_freezer_type_idx (freezer_id, type_id, …) served (recounting one freezer and type for
 * freezer_type_stats: both are equalities). Every product write maintained both; at 32 concurrent writes,
 * each index a write touches costs about 8 µs in the INSERT and as much again in the COMMIT.
 *
 * products_user_idx goes too: no query reads products by the user who put them in (lists go through
 * the freezers' members), and accounts are disabled, never deleted, so the foreign key never looks for a
 * user's products either. A feature that deletes accounts should bring it back.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('products_type_freezer_idx').on('products').columns(['type_id', 'freezer_id', 'date_out', 'source_product_id']).execute();
  await db.schema.dropIndex('products_type_idx').execute();
  await db.schema.dropIndex('products_freezer_type_idx').execute();
  await db.schema.dropIndex('products_user_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('products_user_idx').on('products').column('user_id').execute();
  await db.schema.createIndex('products_freezer_type_idx').on('products').columns(['freezer_id', 'type_id', 'date_out', 'source_product_id']).execute();
  await db.schema.createIndex('products_type_idx').on('products').columns(['type_id', 'date_out']).execute();
  await db.schema.dropIndex('products_type_freezer_idx').execute();
}
