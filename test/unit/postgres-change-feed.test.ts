import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesHeard, inTransaction, openDatabase, watchCredentialWrites, watchMembershipWrites, watchVersion, type Db } from '../../src/db/database.js';
import { eventually } from '../helpers.js';
import { createTestDatabase, TEST_DATABASE, type TestDatabase } from '../test-database.js';

// PostgreSQL's change feed (db/change-feed.ts): migration 0012's triggers announce writes to credentials and
// memberships, the handle's LISTEN connection hears them, and its version moves when it may have missed some.

const AT = '2026-11-23T00:00:00.000Z';

describe.skipIf(TEST_DATABASE !== 'postgres')('the change feed on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Db;
  /** Another program on the same database: a script, the CLI, another instance. */
  let other: pg.Client;
  const credentials: number[] = [];
  let memberships = 0;
  let userId = 0;
  let freezerId = 0;

  beforeAll(async () => {
    database = await createTestDatabase();
    const url = database.env.DATABASE_URL as string;
    db = openDatabase({ kind: 'postgres', url, poolMax: 2 });
    other = new pg.Client({ connectionString: url });
    await other.connect();
    const user = await db.insertInto('users').values({ email: 'feed@example.com', password_hash: 'x', language: 'en', role: 'user', created_at: AT, updated_at: AT }).returning('id').executeTakeFirstOrThrow();
    userId = user.id;
    const freezer = await db.insertInto('freezers').values({ name: 'Cellar', box_count: 2, created_at: AT, updated_at: AT }).returning('id').executeTakeFirstOrThrow();
    freezerId = freezer.id;
    expect(watchCredentialWrites(db, (id) => credentials.push(id))).toBe(true);
    expect(watchMembershipWrites(db, () => (memberships += 1))).toBe(true);
    const version = watchVersion(db)!;
    await eventually(() => !Number.isNaN(version()), 10_000, 'the feed to listen');
  });
  afterAll(async () => {
    await other?.end();
    await db?.destroy();
    await database?.drop();
  });

  it('hears this handle’s own writes before the statement that committed them answers, whatever the code path', async () => {
    credentials.length = 0;
    // Outside a transaction (no inTransaction, no service): the UPDATE answers once the feed heard it.
    await db.updateTable('users').set({ language: 'fr' }).where('id', '=', userId).execute();
    expect(credentials).toEqual([userId]);
    // Inside one: at its COMMIT.
    await inTransaction(db, async (trx) => {
      await trx.insertInto('api_tokens').values({ user_id: userId, name: 'pi', scope: 'read', token_hash: 'h1', prefix: 'fm_a', expires_at: null, last_used_at: null, created_at: AT }).execute();
      await trx.updateTable('api_tokens').set({ scope: 'write' }).where('token_hash', '=', 'h1').execute();
    });
    expect(credentials).toEqual([userId, userId]);
  });

  it('hears another program’s writes, once settled, and only those that change a credential or a membership', async () => {
    credentials.length = 0;
    memberships = 0;
    await other.query(`insert into api_tokens (user_id, name, scope, token_hash, prefix, created_at) values ($1, 'b', 'read', 'h2', 'fm_b', $2)`, [userId, AT]);
    // A new token, a use of a token: nothing any instance keeps can be out of date.
    await other.query(`update api_tokens set last_used_at = $1 where token_hash = 'h2'`, [AT]);
    await changesHeard(db);
    expect(credentials).toEqual([]);
    await other.query(`delete from api_tokens where token_hash = 'h2'`);
    await other.query(`insert into freezer_members (freezer_id, user_id, role, created_at) values ($1, $2, 'owner', $3)`, [freezerId, userId, AT]);
    await other.query(`insert into sessions (user_id, token_hash, expires_at, created_at) values ($1, 's1', $2, $2)`, [userId, AT]);
    await other.query(`update sessions set expires_at = $1 where token_hash = 's1'`, ['2027-01-01T00:00:00.000Z']);
    await changesHeard(db);
    expect(credentials).toEqual([userId, userId]);
    expect(memberships).toBe(1);
    // Rolled back: nothing was announced.
    await other.query('begin');
    await other.query(`delete from freezer_members where user_id = $1`, [userId]);
    await other.query(`update users set disabled_at = $1 where id = $2`, [AT, userId]);
    await other.query('rollback');
    await changesHeard(db);
    expect(credentials).toEqual([userId, userId]);
    expect(memberships).toBe(1);
  });

  it('moves its version when its connection is lost, is NaN meanwhile, and hears again once back', async () => {
    const version = watchVersion(db)!;
    const before = version();
    expect(Number.isNaN(before)).toBe(false);
    const { rows } = await other.query(`select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = 'freezer-manager change feed' and datname = current_database()`);
    expect(rows).toEqual([{ done: true }]);
    await eventually(() => Number.isNaN(version()), 10_000, 'the feed to notice');
    // Nobody waits for a feed that is not listening.
    await changesHeard(db);
    await eventually(() => !Number.isNaN(version()), 10_000, 'the feed to listen again');
    expect(version()).not.toBe(before);
    credentials.length = 0;
    await other.query(`delete from sessions where token_hash = 's1'`);
    await changesHeard(db);
    expect(credentials).toEqual([userId]);
  });

  it('is not opened with DATABASE_CHANGE_FEED=false: nothing is watched, nothing kept, every commit answers at once', async () => {
    const off = openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string, poolMax: 1, changeFeed: false });
    try {
      expect(watchCredentialWrites(off, () => undefined)).toBe(false);
      expect(watchMembershipWrites(off, () => undefined)).toBe(false);
      expect(watchVersion(off)).toBeUndefined();
      await off.updateTable('users').set({ language: 'en' }).where('id', '=', userId).execute();
      const { rows } = await other.query(`select count(*)::int as n from pg_stat_activity where application_name = 'freezer-manager change feed' and datname = current_database()`);
      // The suite's own handle listens; the one without a feed adds no connection.
      expect(rows).toEqual([{ n: 1 }]);
    } finally {
      await off.destroy();
    }
  });
});
