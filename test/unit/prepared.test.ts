import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, type Db } from '../../src/db/database.js';
import { prepareQuery } from '../../src/db/prepared.js';
import type { Database } from '../../src/db/types.js';
import { openTestDatabase, TEST_DATABASE } from '../helpers.js';

// prepareQuery on the suite's database (SQLite, or PostgreSQL with FM_TEST_DATABASE=postgres).

let db: Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await openTestDatabase('prepared'));
});
afterAll(async () => close());

const typesQuery = (db: Kysely<Database>, p: { id: number; name: string }) =>
  db
    .selectFrom('product_types')
    .select(['id', 'name_en', 'period_months'])
    .where((eb) => eb.or([eb('id', '=', p.id), eb('id', '=', eb.val(p.id).$castTo<number>())]))
    .where('name_en', '!=', p.name)
    .where('period_months', '>', 0)
    .orderBy('id')
    .limit(5);

const types = prepareQuery(typesQuery);

const addEntry = prepareQuery((db, p: { action: string; details: string | null }) =>
  db.insertInto('audit_log').values({ user_id: null, action: p.action, object_type: 'test', object_id: null, ip: null, details: p.details, created_at: '2026-01-01T00:00:00.000Z' }),
);

const countEntries = prepareQuery((db, p: { action: string }) =>
  db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', p.action),
);

const entries = async (handle: Kysely<Database>, action: string) => Number((await countEntries.executeTakeFirst(handle, { action }))?.n);

describe('prepareQuery', () => {
  it('sends the SQL and parameters of the query built with the values (a value used twice, constants kept)', async () => {
    for (const values of [
      { id: 3, name: 'soup' },
      { id: 13, name: 'x' },
    ]) {
      const built = typesQuery(db, values).compile();
      expect(types.compile(db, values)).toEqual({ sql: built.sql, parameters: built.parameters });
      expect(await types.execute(db, values)).toEqual(await typesQuery(db, values).execute());
    }
    expect(await types.executeTakeFirst(db, { id: 13, name: 'x' })).toEqual({ id: 13, name_en: 'fish', period_months: 6 });
    expect(await types.executeTakeFirst(db, { id: 13, name: 'fish' })).toBeUndefined();
  });

  it('runs in the transaction it is given: seen inside, undone by a rollback, kept by a commit', async () => {
    await expect(
      inTransaction(db, async (trx) => {
        await addEntry.execute(trx, { action: 'prepared.rollback', details: null });
        expect(await entries(trx, 'prepared.rollback')).toBe(1);
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await entries(db, 'prepared.rollback')).toBe(0);
    await inTransaction(db, async (trx) => {
      await addEntry.execute(trx, { action: 'prepared.commit', details: '{"a":1}' });
      await addEntry.execute(trx, { action: 'prepared.commit', details: null });
    });
    expect(await entries(db, 'prepared.commit')).toBe(2);
  });

  it('refuses a transaction that has ended, as Kysely does', async () => {
    let ended: Kysely<Database> | undefined;
    await inTransaction(db, async (trx) => {
      ended = trx;
      await entries(trx, 'none');
    });
    await expect(addEntry.execute(ended as Kysely<Database>, { action: 'prepared.late', details: null })).rejects.toThrow(/already committed/);
    expect(await entries(db, 'prepared.late')).toBe(0);
  });

  it('outside a transaction, never runs inside another one that is open', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const transaction = inTransaction(db, async (trx) => {
      await addEntry.execute(trx, { action: 'prepared.open', details: null });
      written();
      await gate;
    });
    await wrote;
    let settled = false;
    const outside = entries(db, 'prepared.open').then((n) => {
      settled = true;
      return n;
    });
    if (TEST_DATABASE === 'postgres') {
      // Another connection: it answers at once, without the uncommitted row.
      expect(await outside).toBe(0);
      release();
      await transaction;
    } else {
      // The one connection is the transaction's: the read waits for the commit instead of reading inside it.
      for (let i = 0; i < 20; i += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      release();
      await transaction;
      expect(await outside).toBe(1);
    }
  });

  it('refuses a query whose shape depends on a value, and a missing value', async () => {
    const shaped = prepareQuery((db, p: { all: boolean }) => (p.all ? db.selectFrom('product_types').select('id') : db.selectFrom('product_types').select('id').where('id', '=', 1)));
    await expect(shaped.execute(db, { all: true })).rejects.toThrow(/"all" is not sent as a parameter/);
    await expect(types.execute(db, { id: 1 } as { id: number; name: string })).rejects.toThrow(/no value for "name"/);
  });
});
