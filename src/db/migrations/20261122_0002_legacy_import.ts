import type { Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * What `import-legacy` brought in from an original freezer-manager database: one row per imported
 * object, keyed by its kind and its id over there, so a second run imports nothing twice.
 * A user's legacy id is the SHA-256 of its old token (never the token itself).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('legacy_import_map')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('legacy_id', 'text', (c) => c.notNull())
    .addColumn('new_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('legacy_import_map_pk', ['kind', 'legacy_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('legacy_import_map').execute();
}
