import { sql, type RawBuilder } from 'kysely';

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Case-insensitive "column contains text", with LIKE wildcards in the text escaped. The explicit
 * ESCAPE clause makes it behave the same on SQLite (no default escape) and PostgreSQL.
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${`%${escapeLike(text.toLowerCase())}%`} escape '\\'`;
}
