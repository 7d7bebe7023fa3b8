import { sql, type RawBuilder } from 'kysely';

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Case-insensitive "column contains text", with LIKE wildcards in the text escaped. The explicit
 * ESCAPE clause makes it behave the same on SQLite (no default escape) and PostgreSQL.
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  return matchesPattern(column, containsPattern(text));
}

/** The LIKE pattern of containsText for this text (lower case, wildcards escaped). */
export function containsPattern(text: string): string {
  return `%${escapeLike(text.toLowerCase())}%`;
}

/** containsText with the pattern given (containsPattern), for a query compiled once (prepared.ts). */
export function matchesPattern(column: string, pattern: unknown): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
