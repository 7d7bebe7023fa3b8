import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, generateDataset, readTokens } from '../../bench/dataset.js';
import { COPIED_TABLES, postgresNames, postgresRunCopy, preparePostgresDataset } from '../../bench/lib/postgres.js';
import { TEST_DATABASE } from '../test-database.js';

/**
 * The benchmark's dataset, small: what `npm run bench` builds on (SQLite), and its copy into PostgreSQL
 * (`--database postgres`, `bench:scale`), which a migration can break without any other test noticing
 * (migration 0009 made freezer_type_stats a table without rowid, and the copy sorted every table by rowid).
 */
const ADMIN_URL = process.env.FM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-bench-dataset-'));
const key = `test-${process.pid}-${Date.now()}`;

/** Tables of the SQLite schema that are not data: the migrations' bookkeeping, SQLite's own, the photo search index. */
const notData = (name: string) => name.startsWith('kysely_') || name.startsWith('sqlite_') || name.startsWith('photos_fts');

function countsOf(file: string): Record<string, number> {
  const db = new SQLite(file, { readonly: true });
  try {
    const tables = (db.prepare(`select name from sqlite_master where type = 'table' order by name`).all() as Array<{ name: string }>).map((t) => t.name).filter((name) => !notData(name));
    return Object.fromEntries(tables.map((name) => [name, (db.prepare(`select count(*) as n from "${name}"`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (TEST_DATABASE !== 'postgres') return;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    const { pristine, run } = postgresNames(key);
    for (const name of [run, pristine]) await admin.query(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
});

describe('benchmark dataset', () => {
  let manifest: Awaited<ReturnType<typeof generateDataset>>;

  it('builds the asked numbers of users and product rows, with consistent keys, trends that add up and a token per user', async () => {
    manifest = await generateDataset({ dataDir: dir, users: 12, products: 400, seed: 7 });
    expect(manifest.counts.users).toBe(12);
    expect(manifest.counts.products).toBe(400);
    expect(manifest.counts.inside).toBeGreaterThan(0);
    expect(manifest.counts.inside).toBeLessThan(400);
    const file = path.join(dir, DATABASE_FILE);
    const db = new SQLite(file, { readonly: true });
    try {
      expect(db.prepare('pragma foreign_key_check').all()).toEqual([]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stats = db.prepare('select sum(row_count) as rows, sum(freq) as freq from freezer_type_stats').get() as { rows: number; freq: number };
      const products = db.prepare('select count(*) as rows, count(*) filter (where source_product_id is null) as freq from products').get() as { rows: number; freq: number };
      // The pre-aggregated trends match the rows they count.
      expect(stats).toEqual(products);
    } finally {
      db.close();
    }
    const tokens = readTokens(dir);
    expect(tokens.users).toHaveLength(12);
    expect(new Set(tokens.users.map((u) => u.token)).size).toBe(12);
  });

  it.runIf(TEST_DATABASE === 'postgres')('copies every data table into PostgreSQL, row for row', async () => {
    const file = path.join(dir, DATABASE_FILE);
    const counts = countsOf(file);
    const source = new SQLite(file, { readonly: true });
    const lastAuditId = (source.prepare('select max(id) as id from audit_log').get() as { id: number }).id;
    source.close();
    // A table a new migration adds is copied too, or the copy would silently lack it.
    expect(Object.keys(counts).sort()).toEqual([...COPIED_TABLES].sort());
    await preparePostgresDataset({ adminUrl: ADMIN_URL, key, sqliteFile: file, generatedAt: manifest.createdAt, log: () => undefined });
    const url = await postgresRunCopy(ADMIN_URL, key);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const [table, n] of Object.entries(counts)) {
        const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${table}"`);
        expect({ table, n: Number(rows[0]?.n) }).toEqual({ table, n });
      }
      // Serial ids continue after the copied rows.
      const next = await client.query<{ id: number }>(`insert into audit_log (user_id, action, object_type, object_id, ip, details, created_at) values (null, 'test', 'test', null, null, null, '2026-01-01T00:00:00.000Z') returning id`);
      expect(next.rows[0]?.id).toBe(lastAuditId + 1);
    } finally {
      await client.end();
    }
  }, 60_000);
});
