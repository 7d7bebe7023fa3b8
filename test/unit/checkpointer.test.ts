import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/db/checkpointer.js';
import { checkpointerOf, externalDataVersion, openDatabase, openSqlite, type Db } from '../../src/db/database.js';

/** WAL checkpoints on a worker thread (src/db/checkpointer.ts), on real database files. */
describe('the background checkpointer (SQLite)', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-checkpointer-'));
    file = path.join(dir, 'db.sqlite');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const autocheckpoint = (sqlite: SQLite.Database) => sqlite.pragma('wal_autocheckpoint', { simple: true });
  /** About `pages` pages of the WAL: rows of 3,000 bytes, one per page. */
  function writePages(sqlite: SQLite.Database, pages: number): void {
    sqlite.exec('create table if not exists filler (body text)');
    const insert = sqlite.prepare('insert into filler (body) values (?)');
    for (let i = 0; i < pages; i += 1) insert.run('x'.repeat(3000));
  }

  it('takes the checkpoints off the server connection and copies every page of the WAL into the file', async () => {
    const db: Db = openDatabase({ kind: 'sqlite', file }, { backgroundCheckpoints: true });
    const checkpointer = checkpointerOf(db);
    expect(checkpointer).toBeDefined();
    await sql`create table filler (body text)`.execute(db);
    for (let i = 0; i < 50; i += 1) await sql`insert into filler (body) values (${'x'.repeat(3000)})`.execute(db);

    // The server's connection no longer checkpoints by itself: every page written is still in the WAL…
    const other = new SQLite(file);
    expect(checkpointer!.autocheckpoint()).toBe(0);
    const report = await checkpointer!.next();
    // …until the worker's checkpoint, which copied all of them (nothing else reads the file).
    expect(report.log).toBeGreaterThanOrEqual(50);
    expect(report.checkpointed).toBe(report.log);
    // A checkpoint by another connection finds nothing left to copy.
    expect(other.pragma('wal_checkpoint(PASSIVE)')).toEqual([{ busy: 0, log: report.log, checkpointed: report.log }]);
    other.close();
    await db.destroy();
  });

  it('leaves the answer cache’s view of other connections alone: a checkpoint changes no data', async () => {
    const db: Db = openDatabase({ kind: 'sqlite', file }, { backgroundCheckpoints: true });
    const version = externalDataVersion(db)!;
    await sql`create table filler (body text)`.execute(db);
    await sql`insert into filler (body) values ('a')`.execute(db);
    await new Promise((resolve) => setImmediate(resolve));
    const before = version();
    const report = await checkpointerOf(db)!.next();
    expect(report.checkpointed).toBeGreaterThan(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(version()).toBe(before);
    // What does move it: a write by another connection.
    const other = new SQLite(file);
    other.exec("insert into filler (body) values ('b')");
    other.close();
    await new Promise((resolve) => setImmediate(resolve));
    expect(version()).not.toBe(before);
    await db.destroy();
  });

  it('closes its connection before the server’s, so closing the database still checkpoints and removes the WAL', async () => {
    const db: Db = openDatabase({ kind: 'sqlite', file }, { backgroundCheckpoints: true });
    await sql`create table filler (body text)`.execute(db);
    await sql`insert into filler (body) values ('a')`.execute(db);
    await checkpointerOf(db)!.next(); // the worker's connection has the WAL open now
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
    await db.destroy();
    // SQLite removes the WAL only when the last connection to the file closes.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const reopened = new SQLite(file, { readonly: true });
    expect(reopened.prepare('select body from filler').pluck().all()).toEqual(['a']);
    reopened.close();
  });

  it('hands the checkpoints back to the server connection while the WAL is over its bound, and takes them again once it is small', async () => {
    const sqlite = openSqlite(file);
    const checkpointer = startCheckpointer(sqlite, { maxPages: 20, intervalMs: 10_000 });
    expect(autocheckpoint(sqlite)).toBe(0);
    // A reader holding an old snapshot: the worker cannot copy what it still needs, the WAL stays long.
    writePages(sqlite, 1);
    const reader = new SQLite(file);
    reader.exec('begin');
    reader.prepare('select count(*) from filler').get();
    writePages(sqlite, 40);
    let report = await checkpointer.next();
    expect(report.log).toBeGreaterThan(20);
    expect(report.checkpointed).toBeLessThan(report.log);
    expect(checkpointer.autocheckpoint()).toBe(1000);
    expect(autocheckpoint(sqlite)).toBe(1000);

    // The reader goes: the worker copies everything, the next write starts the WAL over from its beginning.
    reader.exec('commit');
    reader.close();
    report = await checkpointer.next();
    expect(report.checkpointed).toBe(report.log);
    writePages(sqlite, 1);
    report = await checkpointer.next();
    expect(report.log).toBeLessThanOrEqual(20);
    expect(autocheckpoint(sqlite)).toBe(0);

    await checkpointer.close();
    // Stopped: SQLite's own checkpoints again.
    expect(autocheckpoint(sqlite)).toBe(1000);
    sqlite.close();
  });

  it('gives the checkpoints back to the server connection and says so when the worker fails', async () => {
    const sqlite = openSqlite(file);
    writePages(sqlite, 1);
    // The worker opens the file by its name: gone, it cannot start.
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    const failed = new Promise<Error>((resolve) => {
      const checkpointer = startCheckpointer(sqlite, { onError: resolve });
      expect(checkpointer.autocheckpoint()).toBe(0);
    });
    const err = await failed;
    expect(err.message).toBe('the checkpoint worker failed: SQLITE_CANTOPEN');
    expect(autocheckpoint(sqlite)).toBe(1000);
    sqlite.close();
  });

  it('keeps its process alive until the database is closed, when nothing else does', { timeout: 60_000 }, async () => {
    // A program whose last work is closing the database: the worker thread is unref()ed so that it never
    // keeps a process alive, but closing waits for it to exit, and then the connection must still close.
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const script = path.join(dir, 'close-last.ts');
    fs.writeFileSync(
      script,
      [
        `import { sql } from 'kysely';`,
        `import { openDatabase } from ${JSON.stringify(path.join(root, 'src/db/database.ts'))};`,
        `const db = openDatabase({ kind: 'sqlite', file: process.argv[2] }, { backgroundCheckpoints: true });`,
        'await sql`create table t (x integer)`.execute(db);',
        'await sql`insert into t values (1)`.execute(db);',
        'await db.destroy();',
        `console.log('closed');`,
      ].join('\n'),
    );
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/vite-node'), [script, file], { cwd: root });
    expect(stdout.trim()).toBe('closed');
    // SQLite's last connection checkpoints the whole WAL and deletes it on close.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('is not started unless asked for (the CLI), nor for a database in memory', async () => {
    const db: Db = openDatabase({ kind: 'sqlite', file });
    expect(checkpointerOf(db)).toBeUndefined();
    const memory: Db = openDatabase({ kind: 'sqlite', file: ':memory:' }, { backgroundCheckpoints: true });
    expect(checkpointerOf(memory)).toBeUndefined();
    await db.destroy();
    await memory.destroy();
  });
});
