import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrateToLatest, openDatabase, type Db } from '../src/db/database.js';

/**
 * Which database the suite runs on: FM_TEST_DATABASE=postgres runs every server on a PostgreSQL database
 * of its own on FM_TEST_POSTGRES_URL (default: the local server, user postgres, trust authentication).
 */
export const TEST_DATABASE: 'sqlite' | 'postgres' = process.env.FM_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

const ADMIN_URL = process.env.FM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Connections per test server: enough for real concurrency, few enough for many servers at once. */
const TEST_POOL_MAX = '5';

/** A database a test server or CLI run uses: the environment that selects it, and how to remove it. */
export interface TestDatabase {
  /** DATABASE_URL and DATABASE_POOL_MAX on PostgreSQL; nothing on SQLite (the file lives in DATA_DIR). */
  env: Record<string, string>;
  drop(): Promise<void>;
}

let admin: pg.Pool | undefined;

function adminPool(): pg.Pool {
  admin ??= new pg.Pool({ connectionString: ADMIN_URL, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true });
  return admin;
}

function urlOf(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * C collation (text sorts by code point, as SQLite's), a UTF-8 character type (lower() folds É to é,
 * as the JavaScript lower() SQLite is given): the answers match SQLite's.
 */
const LOCALE = "encoding 'UTF8' lc_collate 'C' lc_ctype 'C.UTF-8'";

/** Brings the named PostgreSQL database's schema up to date. */
async function migrate(name: string): Promise<void> {
  const db = openDatabase({ kind: 'postgres', url: urlOf(name), poolMax: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
}

/**
 * The migrated database every test database is copied from (CREATE DATABASE ... TEMPLATE is much
 * faster than migrating each one). Made once per run by the global setup (test/global-setup.ts).
 */
export async function createTemplateDatabase(): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `fm_test_template_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminPool().query(`create database ${ident(name)} template template0 ${LOCALE}`);
  await migrate(name);
  return {
    name,
    drop: async () => {
      await adminPool().query(`drop database if exists ${ident(name)} with (force)`);
      await adminPool().end();
      admin = undefined;
    },
  };
}

/**
 * A fresh database for one server or CLI run. On SQLite: nothing to make (each server has its own
 * DATA_DIR). On PostgreSQL: a uniquely named database, migrated (a copy of the run's template) unless
 * `empty` asks for one without any table (to test the migrations themselves).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE === 'sqlite') return { env: {}, drop: async () => undefined };
  const name = `fm_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? undefined : process.env.FM_TEST_POSTGRES_TEMPLATE;
  await adminPool().query(`create database ${ident(name)} template ${template ? ident(template) : 'template0'} ${LOCALE}`);
  // A commit does not wait for its WAL flush (as SQLite's WAL with synchronous=NORMAL): a test database
  // never has to survive a crash of the PostgreSQL server, only of the application, which this keeps.
  await adminPool().query(`alter database ${ident(name)} set synchronous_commit = off`);
  if (!options.empty && !template) {
    // Run without the global setup (a single file from an editor): migrate this one.
    await migrate(name);
  }
  return {
    env: { DATABASE_URL: urlOf(name), DATABASE_POOL_MAX: TEST_POOL_MAX },
    drop: async () => {
      await adminPool().query(`drop database if exists ${ident(name)} with (force)`);
    },
  };
}

/**
 * A handle on a fresh, migrated database of the suite's kind, for tests of the data layer without a server:
 * a SQLite file in a temporary directory, or a PostgreSQL database of its own. close() removes it.
 */
export async function openTestDatabase(tag: string): Promise<{ db: Db; close(): Promise<void> }> {
  const database = await createTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `fm-${tag}-`));
  const db =
    TEST_DATABASE === 'postgres'
      ? openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string, poolMax: 3 })
      : openDatabase({ kind: 'sqlite', file: path.join(dir, 'test.sqlite') });
  await migrateToLatest(db);
  return {
    db,
    async close() {
      await db.destroy();
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
