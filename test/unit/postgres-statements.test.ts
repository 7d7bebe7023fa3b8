import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, openDatabase, type Db } from '../../src/db/database.js';
import { createTestDatabase, TEST_DATABASE, type TestDatabase } from '../test-database.js';

// The PostgreSQL pool's connections prepare the statements they run (PoolConnection in database.ts).
// One connection, so that pg_prepared_statements (per session) shows what the queries left there.

describe.skipIf(TEST_DATABASE !== 'postgres')('prepared statements on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string, poolMax: 1 });
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const prepared = async () =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db)).rows;
  const typeNames = (id: number) => db.selectFrom('product_types').select(['name_en']).where('id', '=', id).execute();

  it('prepares a query once and runs it again by name, with other values', async () => {
    const first = await typeNames(1);
    const second = await typeNames(2);
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(1);
    expect(second[0]!.name_en).not.toBe(first[0]!.name_en);
    const mine = (await prepared()).filter((p) => p.statement.includes('"product_types"'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.name).toMatch(/^fm_/);
  });

  it('does not prepare transaction control or schema changes', async () => {
    await inTransaction(db, async (trx) => {
      await sql`create temporary table fm_scratch (n integer)`.execute(trx);
      await trx.selectFrom('product_types').select('id').limit(1).execute();
    });
    const statements = (await prepared()).map((p) => p.statement.toLowerCase());
    expect(statements.filter((s) => /^\s*(begin|start|commit|rollback|create|alter|set)\b/.test(s))).toEqual([]);
  });

  it('runs a statement again, prepared anew, once a table it reads has changed its columns', async () => {
    const tokens = () => db.selectFrom('api_tokens').selectAll().limit(1).execute();
    await tokens();
    await sql`alter table api_tokens add column fm_probe_a text`.execute(db);
    // Alone: run again at once.
    await expect(tokens()).resolves.toEqual([]);
    await tokens(); // prepared again, with the new column
    await sql`alter table api_tokens add column fm_probe_b text`.execute(db);
    // In a transaction, which the stale statement has aborted: inTransaction runs it again.
    await expect(inTransaction(db, async (trx) => trx.selectFrom('api_tokens').selectAll().limit(1).execute())).resolves.toEqual([]);
    await sql`alter table api_tokens drop column fm_probe_a, drop column fm_probe_b`.execute(db);
  });

  it('keeps at most 500 statements a connection; any further query still runs, unnamed', async () => {
    for (let i = 0; i < 520; i += 1) {
      const rows = await db.selectNoFrom(sql<number>`${sql.lit(i)}::int + ${i}`.as('n')).execute();
      expect(rows[0]!.n).toBe(2 * i);
    }
    expect((await prepared()).length).toBe(500);
  });

  it('prepares nothing with DATABASE_PREPARED_STATEMENTS=false (a PgBouncer in transaction mode)', async () => {
    const unprepared = openDatabase({ kind: 'postgres', url: database.env.DATABASE_URL as string, poolMax: 1, preparedStatements: false });
    try {
      expect(await unprepared.selectFrom('product_types').select(['name_en']).where('id', '=', 1).execute()).toHaveLength(1);
      const left = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(unprepared);
      expect(left.rows).toEqual([]);
    } finally {
      await unprepared.destroy();
    }
  });
});
