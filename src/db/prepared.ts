import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, Kysely, QueryResult, RootOperationNode } from 'kysely';
import { directSqlite } from './database.js';
import { rowStatement, type RowStatement } from './row-statements.js';
import type { Database } from './types.js';

/** Stands for a named parameter while a prepared query is built; replaced by the call's value each run. */
class Placeholder {
  constructor(readonly name: string) {}
}

/** A query compiled once for one dialect: its SQL, and where each parameter's value comes from. */
interface Compiled {
  readonly sql: string;
  readonly query: RootOperationNode;
  readonly queryId: CompiledQuery['queryId'];
  /** For each parameter position: the name of the call's value, or undefined for a constant. */
  readonly names: ReadonlyArray<string | undefined>;
  /** For each parameter position: the constant compiled in (when names[i] is undefined). */
  readonly constants: readonly unknown[];
  /** The SQLite statement of this SQL, per open database file (see run()). */
  readonly statements: WeakMap<SQLite.Database, RowStatement>;
}

export interface PreparedQuery<P, R> {
  /** Every row of the answer (none for a write without RETURNING). */
  execute(db: Kysely<Database>, params: P): Promise<R[]>;
  executeTakeFirst(db: Kysely<Database>, params: P): Promise<R | undefined>;
  /** The SQL and parameters a run with these values sends (what building the query with them would compile to). */
  compile(db: Kysely<Database>, params: P): { sql: string; parameters: readonly unknown[] };
}

/**
 * A Kysely query built and compiled once per dialect, then run with new values: building and compiling
 * a query costs Kysely about as much as SQLite spends running one of ours, on every call.
 *
 * `build` receives the handle and an object whose properties stand for the values of each call: it must
 * use them only as values (in a where, values() or set()), never to choose the query's shape, since it
 * runs once. The same SQL is sent, with the same parameters in the same order, as building the query
 * with the values each time.
 *
 * It runs like any query of the handle it is given (a transaction's connection, or the pool), so it
 * works inside transactions on both dialects. On SQLite, when the handle may use the one connection now
 * (its own transaction of inTransaction, or no transaction open), it runs the statement at once, without
 * Kysely's executor (see directSqlite).
 */
export function prepareQuery<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>, params: P) => Compilable<R>): PreparedQuery<P, R> {
  // One compiled form per dialect: the adapter's class tells them apart (a transaction shares its database's).
  const byDialect = new Map<unknown, Compiled>();

  function compiled(db: Kysely<Database>): Compiled {
    const dialect = db.getExecutor().adapter.constructor;
    let found = byDialect.get(dialect);
    if (!found) {
      found = compile(db, build);
      byDialect.set(dialect, found);
    }
    return found;
  }

  async function execute(db: Kysely<Database>, params: P): Promise<R[]> {
    const query = compiled(db);
    const parameters = valuesOf(query, params);
    const sqlite = directSqlite(db);
    if (sqlite) return run(sqlite, query, parameters) as R[];
    const result = (await db.executeQuery({ sql: query.sql, parameters, query: query.query, queryId: query.queryId })) as QueryResult<R>;
    return result.rows;
  }

  return {
    execute,
    async executeTakeFirst(db, params) {
      return (await execute(db, params))[0];
    },
    compile(db, params) {
      const query = compiled(db);
      return { sql: query.sql, parameters: valuesOf(query, params) };
    },
  };
}

function compile<P>(db: Kysely<Database>, build: (db: Kysely<Database>, params: P) => Compilable<unknown>): Compiled {
  const used = new Set<string>();
  const placeholders = new Proxy({} as Record<string, Placeholder>, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      used.add(name);
      return new Placeholder(name);
    },
  }) as P;
  const query = build(db, placeholders).compile();
  const names = query.parameters.map((value) => (value instanceof Placeholder ? value.name : undefined));
  const constants = query.parameters.map((value) => (value instanceof Placeholder ? undefined : value));
  const found = new Set(names.filter((name) => name !== undefined));
  for (const name of used) {
    // A value the query inlined, or used to choose its shape, would be the placeholder on every call.
    if (!found.has(name)) throw new Error(`prepared query: "${name}" is not sent as a parameter of ${query.sql}`);
  }
  if (query.sql.includes('[object Object]')) throw new Error(`prepared query: a value was written into the SQL: ${query.sql}`);
  return { sql: query.sql, query: query.query, queryId: query.queryId, names, constants, statements: new WeakMap() };
}

function valuesOf(query: Compiled, params: Record<string, unknown>): unknown[] {
  const { names, constants } = query;
  const values = new Array<unknown>(names.length);
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i];
    if (name === undefined) {
      values[i] = constants[i];
    } else {
      const value = params[name];
      // Kysely would refuse undefined too (it is not a value SQL knows); say which one is missing.
      if (value === undefined) throw new Error(`prepared query: no value for "${name}"`);
      values[i] = value;
    }
  }
  return values;
}

/** What Kysely's SQLite connection does with a compiled query, with the statement kept. */
function run(sqlite: SQLite.Database, query: Compiled, parameters: unknown[]): unknown[] {
  let statement = query.statements.get(sqlite);
  if (!statement) {
    statement = rowStatement(sqlite, query.sql);
    query.statements.set(sqlite, statement);
  }
  if (statement.reader) return statement.all(parameters);
  statement.run(parameters);
  return [];
}
