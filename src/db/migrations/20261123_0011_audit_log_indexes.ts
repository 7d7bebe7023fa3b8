import type { Kysely } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * audit_log_created_idx goes: nothing reads the audit log by date (the administrators' list is newest
 * first by id, and nothing purges by age), yet every write of the application adds an entry to it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_created_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').column('created_at').execute();
}
