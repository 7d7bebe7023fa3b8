import type SQLite from 'better-sqlite3';

/**
 * The statements Kysely and prepareQuery run on a SQLite connection, with their rows built faster.
 *
 * better-sqlite3 builds each row object one property at a time, which for our list queries (19 columns,
 * up to 50 rows) costs more than SQLite spends finding the rows. These statements are in raw mode (rows as
 * arrays), and each row becomes an object through a function compiled once per statement for its column
 * names: an object literal, the same keys in the same order (a later column of the same name wins, as in
 * better-sqlite3).
 *
 * Kept per connection by SQL text, least recently used dropped first, apart from the statements
 * `sqlite.prepare` hands out (see openSqlite), so the raw mode set here is never seen elsewhere.
 */
export interface RowStatement {
  readonly reader: boolean;
  all(parameters: readonly unknown[]): unknown[];
  run(parameters: readonly unknown[]): SQLite.RunResult;
  iterate(parameters: readonly unknown[]): IterableIterator<unknown>;
}

const CACHE_SIZE = 500;
const caches = new WeakMap<SQLite.Database, Map<string, RowStatement>>();
const nativePrepare = (sqlite: SQLite.Database, source: string): SQLite.Statement =>
  (Object.getPrototypeOf(sqlite) as { prepare: SQLite.Database['prepare'] }).prepare.call(sqlite, source);

/** The statement of this SQL on this connection, prepared once. */
export function rowStatement(sqlite: SQLite.Database, source: string): RowStatement {
  let cache = caches.get(sqlite);
  if (!cache) {
    cache = new Map();
    caches.set(sqlite, cache);
  }
  let statement = cache.get(source);
  if (statement) {
    cache.delete(source);
  } else {
    statement = wrap(nativePrepare(sqlite, source));
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(source, statement);
  return statement;
}

function wrap(statement: SQLite.Statement): RowStatement {
  if (!statement.reader) return statement as RowStatement;
  let build = rowBuilder(statement);
  // SQLite prepares a statement again by itself after a schema change (another process migrating the
  // file): a `select *` may then have more or fewer columns than the names compiled in.
  const builderFor = (row: unknown[]) => {
    if (row.length !== build.columns) build = rowBuilder(statement);
    return build;
  };
  statement.raw(true);
  return {
    reader: true,
    all(parameters) {
      const rows = statement.all(parameters) as unknown[][];
      const objects = new Array<unknown>(rows.length);
      if (rows.length === 0) return objects;
      const make = builderFor(rows[0] as unknown[]);
      for (let i = 0; i < rows.length; i += 1) objects[i] = make(rows[i] as unknown[]);
      return objects;
    },
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const row of statement.iterate(parameters)) yield builderFor(row as unknown[])(row as unknown[]);
    },
  };
}

type RowBuilder = ((row: unknown[]) => Record<string, unknown>) & { columns: number };

/** A function turning a raw row of the statement's columns now into the object better-sqlite3 would have built from it. */
function rowBuilder(statement: SQLite.Statement): RowBuilder {
  const names = statement.columns().map((column) => column.name);
  const fields = names.map((name, i) => `${JSON.stringify(name)}: row[${i}]`).join(', ');
  return Object.assign(new Function('row', `return { ${fields} };`) as (row: unknown[]) => Record<string, unknown>, { columns: names.length });
}
