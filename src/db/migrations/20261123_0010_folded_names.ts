import { type Kysely, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * Lower-cased copies of the names that text search and the alphabetical sort read: products' name and
 * description, product types' English and French names. Written by the repositories with every change of
 * the name they copy (foldCase in db/sql.ts).
 *
 * On SQLite, lower() is a JavaScript function (SQLite's own folds ASCII only), and calling it costs about
 * 0.3 µs a value: a search called it for both texts of every product inside the user's freezers and for the
 * 86 type names, about 40 of its 100 µs. Reading a stored copy costs nothing more than the column.
 *
 * The copies of existing rows are made with the lower() of the connection migrating (the application's own,
 * on SQLite: the same JavaScript toLowerCase as foldCase).
 */
const FOLDED: ReadonlyArray<readonly [table: string, columns: readonly string[]]> = [
  ['products', ['name', 'description']],
  ['product_types', ['name_en', 'name_fr']],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of FOLDED) {
    for (const column of columns) {
      await db.schema.alterTable(table).addColumn(`${column}_folded`, 'text', (c) => c.notNull().defaultTo('')).execute();
    }
    await db
      .updateTable(table)
      .set(Object.fromEntries(columns.map((column) => [`${column}_folded`, sql`lower(${sql.ref(column)})`])))
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, columns] of FOLDED) {
    for (const column of columns) await db.schema.alterTable(table).dropColumn(`${column}_folded`).execute();
  }
}
