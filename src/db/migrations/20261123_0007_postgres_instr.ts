import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * PostgreSQL: SQLite's instr(haystack, needle) (the position of needle in haystack, from 1; 0 when absent),
 * which text search uses on both databases (see containsText in db/sql.ts). A plain SQL function, which
 * PostgreSQL inlines into the query as strpos(). Nothing to do on SQLite, which has it built in.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`create function instr(haystack text, needle text) returns integer language sql immutable strict parallel safe as $$ select strpos(haystack, needle) $$`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`drop function if exists instr(text, text)`.execute(db);
}
