import { sql, type RawBuilder } from 'kysely';

/**
 * Text as search compares it: in lower case, by JavaScript's toLowerCase on both databases. The folded
 * columns (migration 0010) hold it, written by the repositories with the text they copy.
 */
export function foldCase(text: string): string {
  return text.toLowerCase();
}

/**
 * Case-insensitive "column contains text": instr() of the lower-cased column (SQLite's built-in; a SQL
 * function of ours on PostgreSQL, migration 0007). Both lower() fold Unicode (openSqlite replaces SQLite's
 * with a JavaScript function, which costs about 0.3 µs a row: tables searched often keep a folded copy
 * instead, see containsFolded).
 *
 * Not LIKE '%text%': on SQLite, a LIKE whose pattern is a bound parameter makes its statement be prepared
 * again every time the parameter is bound (the LIKE optimisation depends on the pattern), which cost more
 * than the rest of a search query. instr() also has no wildcards to escape.
 */
export function containsText(column: string, text: string): RawBuilder<boolean> {
  return sql<boolean>`instr(lower(${sql.ref(column)}), ${foldCase(text)}) > 0`;
}

/** "This folded column (already lower case) contains the needle", the needle folded by foldCase or a placeholder for one (prepared.ts). */
export function containsFolded(column: string, needle: unknown): RawBuilder<boolean> {
  return sql<boolean>`instr(${sql.ref(column)}, ${needle}) > 0`;
}

/**
 * A LIMIT (or OFFSET) of this value that SQLite does not read while it prepares the statement. SQLite plans
 * a bare `LIMIT ?` for the value bound (3.53), and so prepares the statement again every time it is bound
 * anew, which cost more than running a list query itself; `? + 0` is an expression left to run time.
 * PostgreSQL reads it the same.
 */
export function rowCount(value: unknown): RawBuilder<number> {
  return sql<number>`${value} + 0`;
}
