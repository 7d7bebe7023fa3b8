import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import type { Database } from './types.js';
import { migrationProvider } from './migrations/index.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { rowStatement } from './row-statements.js';
import { ChangeFeed } from './change-feed.js';

export type Db = Kysely<Database>;

export interface OpenOptions {
  /** SQLite: WAL checkpoints on a worker thread instead of in the commits (see checkpointer.ts); for the server. */
  backgroundCheckpoints?: boolean;
  /** Told when the checkpoint worker fails (SQLite then checkpoints in the commits again). */
  onCheckpointError?: (err: Error) => void;
  /** PostgreSQL: told when the change feed's connection fails (it connects again by itself). */
  onChangeFeedError?: (err: unknown) => void;
}

/** Opens the configured database through Kysely: the SQLite file (see openSqlite) or a PostgreSQL pool (see openPostgresPool). */
export function openDatabase(database: DatabaseConfig, options: OpenOptions = {}): Db {
  if (database.kind === 'postgres') {
    const feed = (database.changeFeed ?? true) ? new ChangeFeed(database.url, options.onChangeFeedError) : undefined;
    const pool = openPostgresPool(database.url, database.poolMax, { preparedStatements: database.preparedStatements ?? true, ...(feed ? { feed } : {}) });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.set(db, pool);
    if (feed) feeds.set(db, feed);
    return db;
  }
  const sqlite = openSqlite(database.file);
  const checkpointer = options.backgroundCheckpoints && !sqlite.memory ? startCheckpointer(sqlite, { onError: options.onCheckpointError }) : undefined;
  const db = new Kysely<Database>({
    dialect: new GroupCommitSqliteDialect({
      // Kysely's statements build their rows faster (see row-statements.ts).
      database: { prepare: (source: string) => rowStatement(sqlite, source), close: () => sqlite.close() },
      sqlite,
      onDestroy: () => checkpointer?.close(),
    }),
  });
  if (checkpointer) checkpointers.set(db, checkpointer);
  const dataVersion = sqlite.prepare('pragma data_version').pluck();
  // Read once per turn of the event loop: every request handled in a turn arrived before it began, so
  // none of them can follow a commit made after the first read (and the read costs about 10 µs).
  let current: number | undefined;
  const forget = () => {
    current = undefined;
  };
  sqliteHandles.set(db, sqlite);
  dataVersions.set(db, () => {
    if (current === undefined) {
      current = dataVersion.get() as number;
      setImmediate(forget);
    }
    return current;
  });
  return db;
}

const dataVersions = new WeakMap<Db, () => number>();
const checkpointers = new WeakMap<Db, Checkpointer>();

/** The handle's background checkpointer (SQLite opened with backgroundCheckpoints), for tests and tools. */
export function checkpointerOf(db: Db): Checkpointer | undefined {
  return checkpointers.get(db);
}
/** The better-sqlite3 connection behind each SQLite handle (its one connection). */
const sqliteHandles = new WeakMap<Db, SQLite.Database>();

/** Registers an SQL function that calls back into the process, once per handle and name. */
function registerCallback(sqlite: SQLite.Database, name: string, callback: (value: unknown) => void): void {
  sqlite.function(name, { deterministic: false, varargs: false }, (value: unknown) => {
    callback(value);
    return null;
  });
}

/**
 * Calls `onChange(userId)` whenever what authenticates that user is written to (their account row, one of
 * their API tokens or sessions; a token's last_used_at excepted), whatever the code path (Kysely, raw SQL, a
 * compiled statement). SQLite: this handle's writes, told by TEMP triggers on its connection that call back
 * into the process; writes by other connections are not seen, `watchVersion` tells those. PostgreSQL:
 * everybody's writes, heard by the handle's change feed (started here; see ChangeFeed). Call it once the
 * schema exists.
 */
export function watchCredentialWrites(db: Db, onChange: (userId: number) => void): boolean {
  const sqlite = sqliteHandles.get(db);
  if (!sqlite) return watchFeed(db, (feed) => feed.onCredentials(onChange));
  registerCallback(sqlite, 'fm_credentials_changed', (userId) => {
    if (typeof userId === 'number' || typeof userId === 'bigint') onChange(Number(userId));
  });
  sqlite.exec(`
    create temp trigger if not exists fm_users_updated after update on main.users begin select fm_credentials_changed(old.id); end;
    create temp trigger if not exists fm_users_deleted after delete on main.users begin select fm_credentials_changed(old.id); end;
    create temp trigger if not exists fm_tokens_updated after update of user_id, scope, token_hash, expires_at on main.api_tokens begin select fm_credentials_changed(old.user_id); end;
    create temp trigger if not exists fm_tokens_deleted after delete on main.api_tokens begin select fm_credentials_changed(old.user_id); end;
    create temp trigger if not exists fm_sessions_updated after update of user_id, token_hash, expires_at on main.sessions begin select fm_credentials_changed(old.user_id); end;
    create temp trigger if not exists fm_sessions_deleted after delete on main.sessions begin select fm_credentials_changed(old.user_id); end;
  `);
  return true;
}

/**
 * Calls `onChange()` whenever a freezer membership is added, changed or removed: SQLite, this handle's
 * writes (TEMP triggers, as above); PostgreSQL, everybody's (the change feed).
 */
export function watchMembershipWrites(db: Db, onChange: () => void): boolean {
  const sqlite = sqliteHandles.get(db);
  if (!sqlite) return watchFeed(db, (feed) => feed.onMemberships(onChange));
  registerCallback(sqlite, 'fm_memberships_changed', () => onChange());
  sqlite.exec(`
    create temp trigger if not exists fm_members_inserted after insert on main.freezer_members begin select fm_memberships_changed(new.user_id); end;
    create temp trigger if not exists fm_members_updated after update on main.freezer_members begin select fm_memberships_changed(old.user_id); end;
    create temp trigger if not exists fm_members_deleted after delete on main.freezer_members begin select fm_memberships_changed(old.user_id); end;
  `);
  return true;
}

/** The change feed of each PostgreSQL handle (started by the first watch). */
const feeds = new WeakMap<Db, ChangeFeed>();

function watchFeed(db: Db, subscribe: (feed: ChangeFeed) => void): boolean {
  const feed = feeds.get(db);
  if (!feed) return false;
  subscribe(feed);
  feed.start();
  return true;
}

/**
 * For what is kept in process from the writes watched above: a number that changes whenever a write may
 * have escaped the watch. SQLite: another connection committed (`externalDataVersion`). PostgreSQL: the
 * change feed's connection started over (NaN while it is not listening, so nothing kept is served then).
 */
export function watchVersion(db: Db): (() => number) | undefined {
  return dataVersions.get(db) ?? feeds.get(db)?.version;
}

/** PostgreSQL: resolves once the change feed has heard every write committed before the call (at once when it is not listening, and on SQLite). */
export function changesHeard(db: Db): Promise<void> {
  return feeds.get(db)?.settle() ?? Promise.resolve();
}

/**
 * SQLite: a function answering a number that changes whenever another connection (the CLI, another
 * process) commits to the file, never for this handle's own writes (`PRAGMA data_version`, a few
 * microseconds). Undefined on PostgreSQL.
 */
export function externalDataVersion(db: Db): (() => number) | undefined {
  return dataVersions.get(db);
}


/** The transactions of inTransaction running now on SQLite, with their connection. */
const sqliteTransactions = new WeakMap<Kysely<any>, SQLite.Database>();

/**
 * The better-sqlite3 connection a statement for this handle may run on directly, now; undefined when it
 * must go through Kysely (PostgreSQL, or another transaction is open on the connection).
 *
 * - A transaction of inTransaction, while its function runs: it holds the one connection (Kysely's
 *   driver lets nobody else use it until the commit or rollback).
 * - The handle itself, while no transaction is open on its connection: the statement runs on its own
 *   (autocommit), as Kysely would run it once it had the connection. Kysely holds the connection between
 *   awaits only to run single statements or a transaction, and an open transaction is what
 *   `inTransaction` (SQLite's autocommit flag) reports; while one is open, the statement waits its turn
 *   through Kysely instead of running inside someone else's transaction.
 * - The handle itself, while a commit group is open but nobody holds the connection (between two of its
 *   members, before its COMMIT): the statement runs inside the group, exactly where Kysely would run it
 *   once it had the free connection (see GroupCommitSqliteDriver).
 *
 * better-sqlite3 runs each statement to its end before returning, so nothing else runs on the
 * connection meanwhile. See prepared.ts.
 */
export function directSqlite(db: Kysely<any>): SQLite.Database | undefined {
  const transaction = sqliteTransactions.get(db);
  if (transaction) return transaction;
  const sqlite = sqliteHandles.get(db as Db);
  if (!sqlite) return undefined;
  if (!sqlite.inTransaction) return sqlite;
  const group = openGroups.get(sqlite);
  return group && !group.failed && !connectionsHeld.get(sqlite) ? sqlite : undefined;
}

/** How many hold each SQLite connection through Kysely's driver now (a transaction, a statement, a COMMIT): 0 or 1. */
const connectionsHeld = new WeakMap<SQLite.Database, number>();

/** The pg.Pool behind each PostgreSQL handle, for the pool gauges of /metrics. */
const pools = new WeakMap<Db, pg.Pool>();

/** Connections of the handle's pool right now (PostgreSQL); undefined on SQLite, which has one connection and no pool. */
export function poolStats(db: Db): { total: number; idle: number; waiting: number } | undefined {
  const pool = pools.get(db);
  return pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : undefined;
}

/** True when this handle (or transaction) talks to PostgreSQL; the few dialect branches of the repositories and migrations ask this. */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * SQLite's transactions, with group commit.
 *
 * They take the write lock when they begin (BEGIN IMMEDIATE), not at their first write: with several
 * processes on one file (serve --workers N, the CLI beside a server), a deferred transaction that read
 * first and then writes fails at once with SQLITE_BUSY when another process wrote meanwhile; an
 * immediate one waits for the lock (busy_timeout) before reading anything.
 *
 * The COMMIT is most of a small write's cost (appending every page the write touched to the WAL), and
 * writes that arrive together touch many of the same pages (the end of the products and audit tables
 * and of their indexes). So the transactions that begin while one is open share it: each runs inside a
 * SAVEPOINT, holding the connection as any transaction does (Kysely's connection lock: no other
 * statement runs in the middle of it), and is undone alone when it fails (ROLLBACK TO). Once the event
 * loop has taken what arrived with the first one, a single COMMIT makes them all durable, and
 * inTransaction answers each caller only then: no write is acknowledged before its COMMIT. Should the
 * COMMIT fail (a full disk, an I/O error), every member fails with it and nothing of the group is
 * written; so does every member when SQLite itself rolls the transaction back in the middle of one.
 *
 * Between two members, statements outside transactions (reads, a token's last use) run inside the
 * open group, as any statement on this connection would: they see the writes that have finished, which
 * the COMMIT that follows a moment later makes durable.
 */
class GroupCommitSqliteDriver extends SqliteDriver {
  readonly #sqlite: SQLite.Database;
  readonly #begin: () => void;
  readonly #savepoint: () => void;
  readonly #release: () => void;
  readonly #commitNow: () => void;
  readonly #onDestroy: () => Promise<void> | undefined;
  constructor(settings: GroupCommitSqliteSettings) {
    super(settings);
    this.#sqlite = settings.sqlite;
    // Prepared once: exec() would parse each of these again on every write.
    const statement = (source: string) => {
      const prepared = this.#sqlite.prepare(source);
      return () => void prepared.run();
    };
    this.#begin = statement('begin immediate');
    this.#savepoint = statement('savepoint fm_write');
    this.#release = statement('release fm_write');
    this.#commitNow = statement('commit');
    this.#onDestroy = settings.onDestroy;
  }
  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    connectionsHeld.set(this.#sqlite, (connectionsHeld.get(this.#sqlite) ?? 0) + 1);
    return connection;
  }
  override async releaseConnection(): Promise<void> {
    connectionsHeld.set(this.#sqlite, (connectionsHeld.get(this.#sqlite) ?? 1) - 1);
    await super.releaseConnection();
  }
  override async beginTransaction(): Promise<void> {
    const sqlite = this.#sqlite;
    let group = openGroups.get(sqlite);
    if (!group || group.failed || !sqlite.inTransaction) {
      this.#begin();
      const opened = newGroup();
      group = opened;
      openGroups.set(sqlite, opened);
      setImmediate(() => void this.#commit(opened).catch((err: unknown) => opened.fail(err)));
    }
    group.writes += 1;
    this.#savepoint();
  }
  override async commitTransaction(): Promise<void> {
    const sqlite = this.#sqlite;
    if (!sqlite.inTransaction) {
      const err = new Error('SQLite rolled the transaction back');
      openGroups.get(sqlite)?.fail(err);
      throw err;
    }
    this.#release();
  }
  override async rollbackTransaction(): Promise<void> {
    const sqlite = this.#sqlite;
    if (sqlite.inTransaction) {
      sqlite.exec('rollback to fm_write; release fm_write');
    } else {
      // SQLite rolled the whole transaction back (an I/O error, a full disk): the group's other
      // writes are gone with it, so none of them may be acknowledged.
      openGroups.get(sqlite)?.fail(new Error('SQLite rolled the transaction back'));
    }
  }
  /** Commits the group once the members that already wait for the connection are done (its lock is first come, first served). */
  async #commit(group: CommitGroup): Promise<void> {
    const sqlite = this.#sqlite;
    await this.acquireConnection();
    try {
      // A group that failed may have been followed by another: that one's transaction is not ours to end.
      if (openGroups.get(sqlite) !== group) return;
      openGroups.delete(sqlite);
      if (group.failed) {
        if (sqlite.inTransaction) sqlite.exec('rollback');
        return;
      }
      try {
        this.#commitNow();
      } catch (err) {
        if (sqlite.inTransaction) sqlite.exec('rollback');
        group.fail(err);
        return;
      }
      const counts = commitCounts.get(sqlite) ?? { commits: 0, writes: 0 };
      counts.commits += 1;
      counts.writes += group.writes;
      commitCounts.set(sqlite, counts);
      group.resolve();
    } finally {
      await this.releaseConnection();
    }
  }
  /** Whatever must stop before the connection closes (the checkpoint worker), then the connection. */
  override async destroy(): Promise<void> {
    // A group still open commits first (closing the connection would roll it back).
    const group = openGroups.get(this.#sqlite);
    if (group) await this.#commit(group).catch((err: unknown) => group.fail(err));
    await this.#onDestroy();
    await super.destroy();
  }
}

interface GroupCommitSqliteSettings extends SqliteDialectConfig {
  /** The connection behind `database`. */
  sqlite: SQLite.Database;
  onDestroy: () => Promise<void> | undefined;
}

class GroupCommitSqliteDialect extends SqliteDialect {
  readonly #settings: GroupCommitSqliteSettings;
  constructor(settings: GroupCommitSqliteSettings) {
    super(settings);
    this.#settings = settings;
  }
  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.#settings);
  }
}

const { builtins } = pg.types;

/**
 * Answers as SQLite gives them: counts and sums (int8, numeric) as numbers, not strings. Every date is a
 * text column (see types.ts), so no date parsing is involved. Set per pool, not globally.
 */
const POSTGRES_TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === builtins.INT8 || oid === builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

/** Statements a connection keeps prepared, at most; any other runs unnamed (parsed and planned each time). */
const MAX_PREPARED_STATEMENTS = 500;
/** What may be prepared: queries and data changes (not BEGIN, COMMIT, SET or the migrations' DDL). */
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * PostgreSQL's "cached plan must not change result type": a statement this connection prepared reads a
 * table whose columns changed since (a migration run by a newer instance beside this one). It fails
 * before running anything, so it can be run again, prepared anew.
 */
export function isStalePreparedStatement(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

/** Statements after which, once no transaction is open, what they changed is committed: the change feed is waited for. */
const COMMITTING = /^\s*(commit|end|insert|update|delete|with|merge|truncate|create|alter|drop)\b/i;

interface PoolConnectionOptions extends pg.ClientConfig {
  /** Prepare each query (see PoolConnection). */
  prepareStatements: boolean;
  /** Waited for after each commit: the change feed has heard what it changed (ChangeFeed.settle). */
  settle: () => Promise<void>;
}

/**
 * A connection of the pool. It prepares each query it is given once (a named statement per SQL text: Kysely
 * sends values as parameters, so the texts repeat) and then only binds and executes it; unnamed, each of an
 * add-product's statements was parsed (0.04–0.1 ms) and planned (0.03–0.3 ms) on every run; prepared, a
 * repeat costs a bind of 0.01–0.06 ms (PostgreSQL's statement log; bench/README, session 8). And after a
 * statement that committed (a COMMIT, or a change run outside a transaction) it answers only once the
 * change feed has heard what it changed, so the credentials and co-members this process keeps never
 * outlive its own writes, whichever code made them (see ChangeFeed).
 */
class PoolConnection extends pg.Client {
  readonly #names = new Map<string, string>();
  /** Names given so far: a statement prepared anew gets a new one, and the old stays on the server. */
  #named = 0;
  readonly #prepare: boolean;
  readonly #settle: () => Promise<void>;

  /** The pool hands every connection its own options (node-postgres types it as taking none). */
  constructor(options?: PoolConnectionOptions) {
    super(options);
    this.#prepare = options?.prepareStatements ?? true;
    this.#settle = options?.settle ?? (() => Promise.resolve());
  }

  override query(config: unknown, values?: unknown, callback?: unknown): any {
    if (typeof config !== 'string' || callback !== undefined) return (super.query as (...args: unknown[]) => unknown)(config, values, callback);
    const result: Promise<unknown> = this.#prepare && Array.isArray(values) && PREPARABLE.test(config) ? this.#prepared(config, values) : super.query(config, values as unknown[]);
    if (!COMMITTING.test(config)) return result;
    return result.then(async (answer) => {
      if (this.getTransactionStatus() === 'I') await this.#settle();
      return answer;
    });
  }

  #prepared(text: string, values: unknown[]): Promise<unknown> {
    let name = this.#names.get(text);
    if (name === undefined && this.#named < MAX_PREPARED_STATEMENTS) {
      name = `fm_${this.#named}`;
      this.#named += 1;
      this.#names.set(text, name);
    }
    // 'I': no transaction is open, so the statement runs alone and may simply be run again.
    const alone = this.getTransactionStatus() === 'I';
    const run = (named: string | undefined) => super.query(named === undefined ? { text, values } : { name: named, text, values });
    return run(name).catch((err: unknown) => {
      if (name === undefined || !isStalePreparedStatement(err)) throw err;
      // Prepared against the old columns: prepared again on its next use, under a new name. In a
      // transaction the error has aborted it, and inTransaction runs it again.
      this.#names.delete(text);
      if (alone) return run(undefined);
      throw err;
    });
  }
}

/**
 * A node-postgres pool: at most `max` connections, each in UTC with a statement timeout so a stuck
 * query cannot hold a connection forever, each preparing the statements it runs unless told not to, and
 * waiting for the change feed after its commits (PoolConnection). An idle connection that fails (server
 * restart) is logged by the pool's user and replaced on next use. Ending the pool closes the feed.
 */
export function openPostgresPool(url: string, max: number, options: { preparedStatements: boolean; feed?: ChangeFeed }): pg.Pool {
  const feed = options.feed;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    Client: PoolConnection,
    prepareStatements: options.preparedStatements,
    settle: feed ? () => feed.settle() : () => Promise.resolve(),
    types: POSTGRES_TYPES,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 10_000,
    options: '-c TimeZone=UTC -c statement_timeout=60000',
  } as pg.PoolConfig & Omit<PoolConnectionOptions, keyof pg.ClientConfig>);
  // Without a listener, an idle client's error (the server went away) would crash the process.
  pool.on('error', () => undefined);
  if (feed) {
    const end = pool.end.bind(pool) as () => Promise<void>;
    pool.end = (async () => {
      await feed.close();
      await end();
    }) as typeof pool.end;
  }
  return pool;
}

/**
 * The configured connection to the SQLite file: WAL journal, foreign keys enforced, a busy timeout for
 * concurrent CLI use, Unicode lower(), prepared statements kept. Tools that need the raw handle (the
 * benchmark's query-plan report) open it here too, so they measure the same connection.
 */
export function openSqlite(file: string): SQLite.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  // Reads straight from the mapped file instead of a read() per page, and a 32 MiB page cache instead of
  // 2 MiB: a 1M-product database no longer pays a system call for most pages a query touches.
  sqlite.pragma('mmap_size = 268435456');
  sqlite.pragma('cache_size = -32768');
  // SQLite's own lower() folds ASCII only; French names need 'É' -> 'é' for case-insensitive search
  // (PostgreSQL's lower() already does this, so queries stay the same on both).
  sqlite.function('lower', { deterministic: true }, (value: unknown) => (typeof value === 'string' ? value.toLowerCase() : value));
  cachePreparedStatements(sqlite);
  return sqlite;
}

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; preparing costs more than running most of ours. Statements are
 * kept by SQL text (Kysely sends values as parameters, so the texts repeat), least recently used
 * dropped first. SQLite re-prepares a kept statement by itself after a schema change.
 */
function cachePreparedStatements(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, SQLite.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
    } else {
      statement = prepare(source);
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * The write transactions of one SQLite connection that share a COMMIT: opened (BEGIN IMMEDIATE) by the
 * first, committed once the event loop has run what arrived with it.
 */
interface CommitGroup {
  /** Settles when the group's COMMIT has succeeded (or the group has failed: see `fail`). */
  readonly committed: Promise<void>;
  resolve(): void;
  fail(err: unknown): void;
  failed: boolean;
  writes: number;
}

/** The group open now on each SQLite connection, if any. */
const openGroups = new WeakMap<SQLite.Database, CommitGroup>();
const commitCounts = new WeakMap<SQLite.Database, { commits: number; writes: number }>();

/** SQLite: how many COMMITs the handle's transactions have made, and how many transactions they held. */
export function commitStats(db: Db): { commits: number; writes: number } | undefined {
  const sqlite = sqliteHandles.get(db);
  return sqlite ? { ...(commitCounts.get(sqlite) ?? { commits: 0, writes: 0 }) } : undefined;
}

function newGroup(): CommitGroup {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting yet (the first member is still running): no unhandled rejection meanwhile.
  committed.catch(() => undefined);
  const group: CommitGroup = {
    committed,
    resolve,
    fail(err) {
      group.failed = true;
      reject(err);
    },
    failed: false,
    writes: 0,
  };
  return group;
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const MAX_ATTEMPTS = 30;

/**
 * Runs fn in one transaction. SQLite runs transactions one at a time (one connection). On PostgreSQL,
 * several connections run at once: the transaction is SERIALIZABLE, so each read-then-write (the next
 * free slot, the first account being the administrator, the last administrator, unique names) behaves
 * as if alone, and a transaction PostgreSQL had to abort for that is run again from the start (fn must
 * therefore only have effects inside the database, or reset its own state when it starts); so is one
 * that met a prepared statement gone stale (see isStalePreparedStatement).
 */
export async function inTransaction<T>(db: Db, fn: (trx: Db) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) {
    const sqlite = sqliteHandles.get(db);
    let group: CommitGroup | undefined;
    const result = await db.transaction().execute(async (trx) => {
      if (sqlite) {
        group = openGroups.get(sqlite);
        sqliteTransactions.set(trx, sqlite);
      }
      try {
        return await fn(trx);
      } finally {
        sqliteTransactions.delete(trx);
      }
    });
    // Answered only once the group's COMMIT has made it durable (see GroupCommitSqliteDriver).
    await group?.committed;
    return result;
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.transaction().setIsolationLevel('serializable').execute(fn);
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      const again = code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED || isStalePreparedStatement(err);
      if (!again || attempt >= MAX_ATTEMPTS) throw err;
      // Back off a little, more each time, with jitter so the same transactions do not collide again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 * attempt * attempt)));
    }
  }
}

/** True when a query failed on a UNIQUE constraint (SQLite or PostgreSQL). */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** True when a query failed on a FOREIGN KEY constraint (SQLite or PostgreSQL). */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}
