/**
 * The benchmark on PostgreSQL (--database postgres): the dataset is generated as usual (SQLite, fast
 * bulk load), then copied row for row into a PostgreSQL database migrated by the application's own
 * migrations: the "pristine" database of that dataset. Every run works on a fresh copy of it
 * (CREATE DATABASE … TEMPLATE), as the SQLite runs work on a copy of the file.
 */
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest, openDatabase } from '../../src/db/database.js';

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables copied into PostgreSQL, parent tables first (foreign keys hold at every insert); the rest is the migrations' bookkeeping and SQLite's photo search index. */
export const COPIED_TABLES = [
  'users',
  'api_tokens',
  'sessions',
  'password_resets',
  'product_types',
  'freezers',
  'freezer_members',
  'products',
  'audit_log',
  'legacy_import_map',
  'product_type_counts',
  'freezer_type_stats',
  'photos',
];
/** Tables with a serial id: their sequence continues after the copied rows. */
const SERIAL_TABLES = ['users', 'api_tokens', 'sessions', 'password_resets', 'product_types', 'freezers', 'products', 'audit_log', 'photos'];

/** Same collation and character type as the test databases: answers (sort orders) as on SQLite. */
const LOCALE = "encoding 'UTF8' lc_collate 'C' lc_ctype 'C.UTF-8'";

function urlOf(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The database names of a dataset (a key such as "1000u-100000p-s20261122"). */
export function postgresNames(key: string): { pristine: string; run: string } {
  const safe = key.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  return { pristine: `fm_bench_${safe}`, run: `fm_bench_${safe}_run` };
}

/**
 * Makes the pristine PostgreSQL database of a dataset unless it exists and was copied from this very
 * SQLite file (its generation time is kept as the database's comment). Returns the seconds spent.
 */
export async function preparePostgresDataset(options: { adminUrl: string; key: string; sqliteFile: string; generatedAt: string; log: (line: string) => void }): Promise<number> {
  const started = performance.now();
  const { pristine } = postgresNames(options.key);
  const stamp = `freezer-manager bench dataset ${options.generatedAt}`;
  const existing = await withAdmin(options.adminUrl, async (client) => {
    const { rows } = await client.query<{ comment: string | null }>('select shobj_description(oid, $1) as comment from pg_database where datname = $2', ['pg_database', pristine]);
    return rows[0];
  });
  if (existing?.comment === stamp) {
    options.log(`dataset: reusing PostgreSQL database ${pristine}`);
    return 0;
  }
  await withAdmin(options.adminUrl, async (client) => {
    await client.query(`drop database if exists ${ident(pristine)} with (force)`);
    await client.query(`create database ${ident(pristine)} template template0 ${LOCALE}`);
  });
  const db = openDatabase({ kind: 'postgres', url: urlOf(options.adminUrl, pristine), poolMax: 1 });
  const source = new SQLite(options.sqliteFile, { readonly: true, fileMustExist: true });
  try {
    await migrateToLatest(db);
    await db.transaction().execute(async (trx) => {
      // A verbatim copy of rows already checked (the generator ran PRAGMA foreign_key_check): no
      // foreign-key or search triggers while loading, whatever the order of self-references.
      await sql`set local session_replication_role = replica`.execute(trx);
      // The migrations' own rows (the 43 default types) are replaced by the dataset's.
      for (const table of [...COPIED_TABLES].reverse()) await sql`delete from ${sql.table(table)}`.execute(trx);
      for (const table of COPIED_TABLES) {
        const info = source.prepare(`select name, pk from pragma_table_info(?)`).all(table) as Array<{ name: string; pk: number }>;
        const columns = info.map((c) => c.name);
        if (!columns.length) continue;
        // In the primary key's order: a WITHOUT ROWID table (freezer_type_stats) has no rowid to sort by.
        const key = info
          .filter((c) => c.pk > 0)
          .sort((a, b) => a.pk - b.pk)
          .map((c) => ident(c.name));
        const perBatch = Math.max(1, Math.floor(30_000 / columns.length));
        const rows = source.prepare(`select ${columns.map(ident).join(', ')} from ${ident(table)} order by ${key.length ? key.join(', ') : 'rowid'}`).raw().iterate() as Iterable<unknown[]>;
        let batch: unknown[][] = [];
        let copied = 0;
        const flush = async () => {
          if (!batch.length) return;
          const values = batch.map((row) => sql`(${sql.join(row.map((v) => sql`${v}`))})`);
          await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${sql.join(values)}`.execute(trx);
          copied += batch.length;
          batch = [];
        };
        for (const row of rows) {
          batch.push(row);
          if (batch.length >= perBatch) await flush();
        }
        await flush();
        if (copied) options.log(`  ${table}: ${copied.toLocaleString('en-US')} rows`);
      }
      for (const table of SERIAL_TABLES) {
        await sql`select setval(pg_get_serial_sequence(${table}, 'id'), coalesce((select max(id) from ${sql.table(table)}), 0) + 1, false)`.execute(trx);
      }
    });
    await sql`analyze`.execute(db);
  } finally {
    source.close();
    await db.destroy();
  }
  await withAdmin(options.adminUrl, (client) => client.query(`comment on database ${ident(pristine)} is '${stamp.replace(/'/g, "''")}'`));
  return Math.round((performance.now() - started) / 100) / 10;
}

/** A fresh copy of the pristine database for this run; returns its URL. */
export async function postgresRunCopy(adminUrl: string, key: string): Promise<string> {
  const { pristine, run } = postgresNames(key);
  await withAdmin(adminUrl, async (client) => {
    await client.query(`drop database if exists ${ident(run)} with (force)`);
    await client.query(`create database ${ident(run)} template ${ident(pristine)}`);
  });
  return urlOf(adminUrl, run);
}

/** Rows of a query on the run's PostgreSQL database (the take-out pool). */
export async function postgresRows<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
