import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, type Db } from '../../src/db/database.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { openTestDatabase, TEST_DATABASE } from '../helpers.js';

// Migrations that change what is there already, on the suite's database (SQLite, or PostgreSQL with
// FM_TEST_DATABASE=postgres): 0010 (folded copies of the searched names) down, rows written without the
// copies, up again, and the copies of existing rows are their texts in lower case; 0011's indexes; 0013's
// shards of the type counts.

let db: Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openTestDatabase('migrations'));
});
afterAll(async () => close());

async function columnsOf(db: Kysely<any>, table: string): Promise<string[]> {
  const tables = await db.introspection.getTables();
  return (tables.find((t) => t.name === table)?.columns ?? []).map((c) => c.name);
}

describe('migration 0010: folded names', () => {
  it('takes the copies away on the way down and makes them from the rows there on the way up', async () => {
    const migrator = new Migrator({ db, provider: migrationProvider });
    const down = await migrator.migrateTo('20261123_0009_freezer_type_stats_clustered');
    expect(down.error).toBeUndefined();
    expect(down.results?.map((r) => [r.migrationName, r.direction, r.status])).toEqual([
      ['20261123_0013_type_count_shards', 'Down', 'Success'],
      ['20261123_0012_postgres_change_feed', 'Down', 'Success'],
      ['20261123_0011_audit_log_indexes', 'Down', 'Success'],
      ['20261123_0010_folded_names', 'Down', 'Success'],
    ]);
    expect(await columnsOf(db, 'products')).not.toContain('name_folded');
    expect(await columnsOf(db, 'product_types')).not.toContain('name_fr_folded');

    // Rows as a server of before the migration wrote them.
    const at = '2026-11-23T00:00:00.000Z';
    const any = db as Kysely<any>;
    await any.updateTable('product_types').set({ name_fr: 'Épinards ÉTÉ' }).where('id', '=', 1).execute();
    const user = await any.insertInto('users').values({ email: 'fold@example.com', password_hash: 'x', language: 'fr', role: 'user', created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    const freezer = await any.insertInto('freezers').values({ name: 'Cave', box_count: 2, created_at: at, updated_at: at }).returning('id').executeTakeFirstOrThrow();
    await any.insertInto('freezer_members').values({ freezer_id: freezer.id, user_id: user.id, role: 'owner', created_at: at }).execute();
    const product = { user_id: user.id, freezer_id: freezer.id, type_id: 1, box: 1, date_in: '2026-11-01', date_out: null, period_months: 3, due_date: '2027-02-01', quantity: 1, source_product_id: null, created_at: at, updated_at: at };
    await any
      .insertInto('products')
      .values([
        { ...product, slot: 1, name: 'SOUPE de Noël', description: 'Crème ÉPAISSE' },
        { ...product, slot: 2, name: 'plain', description: '' },
      ])
      .execute();

    expect(await migrateToLatest(db)).toEqual(['20261123_0010_folded_names', '20261123_0011_audit_log_indexes', '20261123_0012_postgres_change_feed', '20261123_0013_type_count_shards']);
    const rows = await any.selectFrom('products').select(['name', 'name_folded', 'description_folded']).where('freezer_id', '=', freezer.id).orderBy('slot').execute();
    expect(rows).toEqual([
      { name: 'SOUPE de Noël', name_folded: 'soupe de noël', description_folded: 'crème épaisse' },
      { name: 'plain', name_folded: 'plain', description_folded: '' },
    ]);
    const type = await any.selectFrom('product_types').select(['name_en', 'name_en_folded', 'name_fr_folded']).where('id', '=', 1).executeTakeFirstOrThrow();
    expect(type.name_en_folded).toBe(type.name_en.toLowerCase());
    expect(type.name_fr_folded).toBe('épinards été');
    // Every other type too: nothing left at the column's default.
    const empty = await any.selectFrom('product_types').select(sql<number>`count(*)`.as('n')).where('name_en_folded', '=', '').executeTakeFirstOrThrow();
    expect(Number(empty.n)).toBe(0);
  });
});

async function indexesOf(db: Kysely<any>, table: string): Promise<string[]> {
  const rows =
    TEST_DATABASE === 'postgres'
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table} and indexname not like '%_pkey'`.execute(db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

describe('migration 0011: audit log indexes', () => {
  it('keeps the index by user (the administrators filter by user) and drops the one by date nothing reads, and back', async () => {
    expect(await indexesOf(db, 'audit_log')).toEqual(['audit_log_user_idx']);
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('20261123_0010_folded_names')).error).toBeUndefined();
    expect(await indexesOf(db, 'audit_log')).toEqual(['audit_log_created_idx', 'audit_log_user_idx']);
    expect(await migrateToLatest(db)).toEqual(['20261123_0011_audit_log_indexes', '20261123_0012_postgres_change_feed', '20261123_0013_type_count_shards']);
    expect(await indexesOf(db, 'audit_log')).toEqual(['audit_log_user_idx']);
  });
});

describe('migration 0013: type count shards', () => {
  it('moves each count into shard 0, adds the shards back up on the way down, and keeps every sum', async () => {
    const any = db as Kysely<any>;
    const sums = async () =>
      (await any.selectFrom('product_type_counts').select(['type_id', sql<number>`sum(freq)`.as('n')]).groupBy('type_id').orderBy('type_id').execute()).map((r) => [r.type_id, Number(r.n)]);
    // Counts spread over shards, as PostgreSQL's writes leave them, one of them below zero.
    await any.deleteFrom('product_type_counts').execute();
    await any
      .insertInto('product_type_counts')
      .values([
        { type_id: 1, shard: 0, freq: 5 },
        { type_id: 1, shard: 7, freq: -1 },
        { type_id: 1, shard: 9, freq: 3 },
        { type_id: 2, shard: 4, freq: 2 },
      ])
      .execute();
    expect(await sums()).toEqual([
      [1, 7],
      [2, 2],
    ]);
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('20261123_0012_postgres_change_feed')).error).toBeUndefined();
    expect(await columnsOf(db, 'product_type_counts')).not.toContain('shard');
    expect(await sums()).toEqual([
      [1, 7],
      [2, 2],
    ]);
    expect(await migrateToLatest(db)).toEqual(['20261123_0013_type_count_shards']);
    const rows = await any.selectFrom('product_type_counts').select(['type_id', 'shard', 'freq']).orderBy('type_id').execute();
    expect(rows).toEqual([
      { type_id: 1, shard: 0, freq: 7 },
      { type_id: 2, shard: 0, freq: 2 },
    ]);
  });
});
