import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, openSqlite, type Db } from '../../src/db/database.js';
import { prepareQuery } from '../../src/db/prepared.js';
import { rowStatement } from '../../src/db/row-statements.js';
import SQLiteDatabase from 'better-sqlite3';
import type SQLite from 'better-sqlite3';

/** Rows built from raw arrays (src/db/row-statements.ts) are the objects better-sqlite3 builds itself. */
describe('row statements (SQLite)', () => {
  let dir: string;
  let sqlite: SQLite.Database;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-rows-'));
    sqlite = openSqlite(path.join(dir, 'db.sqlite'));
    sqlite.exec(`create table item (id integer primary key, label text, weight real, data blob, note text);
      insert into item values (1, 'Soupe à l''oignon', 1.5, x'00ff', null), (2, 'Pain', 2, null, 'n');`);
  });
  afterEach(() => {
    sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const queries = [
    'select * from item order by id',
    // A later column of the same name wins, in the first one's place.
    'select id, label as x, weight as x, note from item order by id',
    // Names that are not identifiers, numbers, quotes.
    `select id as "a b", label as "0", weight as "it's", note as """q""" from item order by id`,
    'select count(*), max(weight) from item',
    'select id from item where id > 99',
    // An object literal's "__proto__": value sets no property for a string, as object mode does.
    'select id, label as __proto__ from item order by id',
  ];

  it.each(queries)('answers what object mode answers: %s', (source) => {
    const expected = sqlite.prepare(source).all();
    const rows = rowStatement(sqlite, source).all([]);
    expect(rows).toEqual(expected);
    // Same keys in the same order (JSON shows the order).
    expect(JSON.stringify(rows)).toBe(JSON.stringify(expected));
    expect([...rowStatement(sqlite, source).iterate([])]).toEqual(expected);
  });

  it('leaves the statements sqlite.prepare hands out for the same SQL in object mode', () => {
    const source = 'select id, label from item order by id';
    expect(rowStatement(sqlite, source).all([])).toEqual([
      { id: 1, label: "Soupe à l'oignon" },
      { id: 2, label: 'Pain' },
    ]);
    expect(sqlite.prepare(source).get()).toEqual({ id: 1, label: "Soupe à l'oignon" });
  });

  it('follows a schema change made by another connection (SQLite prepares the statement again)', () => {
    const source = 'select * from item order by id';
    const statement = rowStatement(sqlite, source);
    expect(Object.keys(statement.all([])[0] as object)).toEqual(['id', 'label', 'weight', 'data', 'note']);
    const other = new SQLiteDatabase(path.join(dir, 'db.sqlite'));
    other.exec(`alter table item add column added text default 'new'`);
    other.close();
    expect(statement.all([])).toEqual(sqlite.prepare(source).all());
    expect((statement.all([])[0] as Record<string, unknown>).added).toBe('new');
    expect([...statement.iterate([])]).toEqual(sqlite.prepare(source).all());
  });

  it('runs writes and reports their changes', () => {
    const result = rowStatement(sqlite, 'update item set note = ? where id = ?').run(['x', 2]);
    expect(result.changes).toBe(1);
    expect(rowStatement(sqlite, 'select note from item where id = 2').all([])).toEqual([{ note: 'x' }]);
  });
});

describe('Kysely and prepared queries on row statements', () => {
  let dir: string;
  let db: Db;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-rows-db-'));
    db = openDatabase({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
    await sql`create table item (id integer primary key, label text not null)`.execute(db);
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('give rows, insert ids and affected counts as before', async () => {
    const any = db as unknown as import('kysely').Kysely<{ item: { id: import('kysely').Generated<number>; label: string } }>;
    const inserted = await any.insertInto('item').values({ label: 'a' }).executeTakeFirstOrThrow();
    expect(inserted.insertId).toBe(1n);
    await any.insertInto('item').values({ label: 'b' }).execute();
    expect(await any.selectFrom('item').select(['id', 'label']).orderBy('id').execute()).toEqual([
      { id: 1, label: 'a' },
      { id: 2, label: 'b' },
    ]);
    const updated = await any.updateTable('item').set({ label: 'c' }).where('id', '>', 0).executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(2n);
    const byId = prepareQuery((kdb, p: { id: number }) => (kdb as unknown as typeof any).selectFrom('item').selectAll().where('id', '=', p.id));
    expect(await byId.execute(db, { id: 2 })).toEqual([{ id: 2, label: 'c' }]);
  });
});
