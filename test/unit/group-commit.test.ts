import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitStats, inTransaction, openDatabase, type Db } from '../../src/db/database.js';
import { prepareQuery } from '../../src/db/prepared.js';

/** SQLite's group commit (GroupCommitSqliteDriver in src/db/database.ts), on a real database file. */
describe('group commit (SQLite)', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let other: SQLite.Database;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-group-commit-'));
    file = path.join(dir, 'db.sqlite');
    db = openDatabase({ kind: 'sqlite', file });
    await sql`create table parent (id integer primary key)`.execute(db);
    await sql`create table item (id integer primary key, label text not null unique, parent_id integer references parent (id) deferrable initially deferred)`.execute(db);
    // Another connection: what it sees is what has been committed.
    other = new SQLite(file);
  });
  afterEach(async () => {
    other.close();
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const committedLabels = () => other.prepare('select label from item order by label').pluck().all();
  const add = (label: string, parentId: number | null = null) =>
    inTransaction(db, async (trx) => {
      await sql`insert into item (label, parent_id) values (${label}, ${parentId})`.execute(trx);
      return label;
    });

  it('commits the transactions that start together once, and answers each only after that commit', async () => {
    const before = commitStats(db)!;
    const labels = Array.from({ length: 20 }, (_, i) => `item-${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(
      labels.map(async (label) => {
        const answer = await add(label);
        // Acknowledged means durable: another connection sees it the moment the caller has its answer.
        expect(committedLabels()).toContain(label);
        return answer;
      }),
    );
    expect(answers).toEqual(labels);
    const after = commitStats(db)!;
    expect(after.writes - before.writes).toBe(20);
    expect(after.commits - before.commits).toBe(1);

    // One after the other, each has its own commit.
    for (const label of ['z1', 'z2', 'z3']) await add(label);
    expect(commitStats(db)!.commits - after.commits).toBe(3);
  });

  it('undoes a failed member alone; the others of its group are committed', async () => {
    const results = await Promise.allSettled([
      add('a'),
      inTransaction(db, async (trx) => {
        await sql`insert into item (label) values ('half-written')`.execute(trx);
        throw new Error('changed my mind');
      }),
      add('a'), // the unique label: fails at its insert
      add('b'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('changed my mind');
    expect((results[2] as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(committedLabels()).toEqual(['a', 'b']);
  });

  it('fails every member, and writes nothing, when the group’s COMMIT fails', async () => {
    // A deferred foreign key is checked at COMMIT: one member's orphan makes the whole COMMIT fail.
    await sql`insert into parent (id) values (1)`.execute(db);
    const results = await Promise.allSettled([add('a', 1), add('orphan', 99), add('b', 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const result of results) expect((result as PromiseRejectedResult).reason.code).toBe('SQLITE_CONSTRAINT_FOREIGNKEY');
    expect(committedLabels()).toEqual([]);
    // The connection is usable again, with a group of its own.
    await add('c', 1);
    expect(committedLabels()).toEqual(['c']);
  });

  it('fails every member when SQLite rolls the transaction back in the middle of one', async () => {
    const results = await Promise.allSettled([
      add('a'),
      inTransaction(db, async (trx) => {
        await sql`insert into item (label) values ('mine')`.execute(trx);
        // What SQLite does on a full disk or an I/O error: the whole transaction is gone.
        await sql`rollback`.execute(trx);
      }),
      add('b'),
    ]);
    expect(results[0].status).toBe('rejected');
    expect(results[1].status).toBe('rejected');
    expect((results[0] as PromiseRejectedResult).reason.message).toBe('SQLite rolled the transaction back');
    // 'b' began after the rollback: a group of its own.
    expect(results[2].status).toBe('fulfilled');
    expect(committedLabels()).toEqual(['b']);
  });

  it('keeps other statements out of a member while it runs', async () => {
    let seenInside: Promise<{ rows: Array<{ n: number }> }> | undefined;
    const writer = inTransaction(db, async (trx) => {
      await sql`insert into item (label) values ('first')`.execute(trx);
      // A read on the database handle, not the transaction, while the member is half-way.
      const reader = sql<{ n: number }>`select count(*) as n from item`.execute(db);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sql`insert into item (label) values ('second')`.execute(trx);
      seenInside = reader;
    });
    await writer;
    // The read waited for the member to end: it saw both rows or none, never one.
    expect((await seenInside)?.rows).toEqual([{ n: 2 }]);
  });

  it('keeps a compiled read (run straight on the connection when it is free) out of a member too', async () => {
    const count = prepareQuery((handle) => handle.selectFrom('item' as never).select(sql<number>`count(*)`.as('n')));
    let during: Promise<unknown> | undefined;
    const first = inTransaction(db, async (trx) => {
      await sql`insert into item (label) values ('first')`.execute(trx);
    });
    // The second member of the same group; the read is asked for in its middle, while the group is open.
    const second = inTransaction(db, async (trx) => {
      await sql`insert into item (label) values ('second')`.execute(trx);
      during = count.execute(db, {});
      await new Promise((resolve) => setTimeout(resolve, 20));
      await sql`insert into item (label) values ('third')`.execute(trx);
    });
    await Promise.all([first, second]);
    expect(commitStats(db)!.commits).toBe(1);
    // It waited for the member: all three rows, never the two of a member half-way.
    expect(await during).toEqual([{ n: 3 }]);
  });

  it('commits a group still open when the database closes', async () => {
    let ran!: () => void;
    const running = new Promise<void>((resolve) => (ran = resolve));
    const pending = inTransaction(db, async (trx) => {
      await sql`insert into item (label) values ('last')`.execute(trx);
      ran();
      return 'last';
    });
    await running; // the member is done; its group's COMMIT is not (it waits for the event loop's turn)
    expect(committedLabels()).toEqual([]);
    await db.destroy();
    await expect(pending).resolves.toBe('last');
    expect(committedLabels()).toEqual(['last']);
    db = openDatabase({ kind: 'sqlite', file });
  });
});
