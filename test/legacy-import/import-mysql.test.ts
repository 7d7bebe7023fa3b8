import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { sql, type Kysely } from 'kysely';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacy, LegacyImportError, type LegacyImportReport } from '../../src/features/legacy-import/legacy-import.service.js';
import { client, startServer, type TestServer } from '../helpers.js';
import { DUMP, DUMP_TOKEN, digest, dumpRows } from './legacy-helpers.js';

/**
 * The same import from a live MariaDB loaded with the original dump. CI starts MariaDB on
 * 127.0.0.1:3306 (root, no password): when it is not reachable these tests fail, they do not skip.
 */
const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root' };
const suffix = randomBytes(5).toString('hex');
const DB = `fm_legacy_${suffix}`;
const EMPTY_DB = `fm_legacy_${suffix}_empty`;

let admin: mysql.Connection;
let fromDump: TestServer;
let fromMysql: TestServer;
let dumpReport: LegacyImportReport;
let mysqlReport: LegacyImportReport;

beforeAll(async () => {
  admin = await mysql.createConnection({ ...MYSQL, multipleStatements: true, charset: 'utf8mb4' });
  await admin.query(`CREATE DATABASE \`${DB}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.query(`CREATE DATABASE \`${EMPTY_DB}\``);
  await admin.query(`USE \`${DB}\``);
  // The dump as phpMyAdmin wrote it, /*!40101 ... */ lines, transaction and all.
  await admin.query(fs.readFileSync(DUMP, 'utf8'));
  [fromDump, fromMysql] = await Promise.all([startServer(), startServer()]);
  dumpReport = await importLegacy(fromDump.app.db, DUMP);
  mysqlReport = await importLegacy(fromMysql.app.db, `mysql://root@127.0.0.1:3306/${DB}`);
}, 30_000);

afterAll(async () => {
  if (admin) {
    await admin.query(`DROP DATABASE IF EXISTS \`${DB}\``);
    await admin.query(`DROP DATABASE IF EXISTS \`${EMPTY_DB}\``);
    await admin.end();
  }
  await Promise.all([fromDump?.close(), fromMysql?.close()]);
});

/** What an import wrote, without the moments it wrote it. */
async function importedRows(db: Kysely<any>): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    users: 'id',
    api_tokens: 'id',
    product_types: 'id',
    freezers: 'id',
    freezer_members: 'freezer_id, user_id',
    products: 'id',
    legacy_import_map: 'kind, legacy_id',
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db);
    out[table] = rows.rows.map(({ created_at, updated_at, last_used_at, ...rest }) => rest);
  }
  return out;
}

describe('import-legacy from a live MariaDB', () => {
  it('loaded the dump into MariaDB (sanity of the test setup)', async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT count(*) AS n FROM \`${DB}\`.Product`);
    expect(Number(rows[0]!.n)).toBe(dumpRows('Product').length);
  });

  it('reports the same import as from the dump', () => {
    expect(mysqlReport.source).toBe(`mysql://root@127.0.0.1:3306/${DB}`);
    expect({ ...mysqlReport, source: '' }).toEqual({ ...dumpReport, source: '' });
    expect(mysqlReport.products.imported).toBe(48);
  });

  it('writes the same rows as the import of the dump', async () => {
    const a = await importedRows(fromDump.app.db);
    const b = await importedRows(fromMysql.app.db);
    expect(b.products).toHaveLength(48);
    expect(b.users).toHaveLength(2);
    for (const table of Object.keys(a)) expect(b[table], table).toEqual(a[table]);
  });

  it('serves the same freezers and products over HTTP', async () => {
    for (const url of ['/api/v1/freezers', '/api/v1/products?status=all&limit=500&sort=location', '/api/v1/trends/general']) {
      const strip = (body: unknown) => JSON.parse(JSON.stringify(body), (key, value) => (key === 'createdAt' || key === 'updatedAt' ? undefined : value));
      const fromA = await client(fromDump.url, DUMP_TOKEN).get(url);
      const fromB = await client(fromMysql.url, DUMP_TOKEN).get(url);
      expect(fromB.status, url).toBe(200);
      expect(strip(fromB.body), url).toEqual(strip(fromA.body));
    }
  });

  it('imports nothing the second time', async () => {
    // The token's last use by the requests above is written behind them: written first, so the digests compare the import alone.
    await fromMysql.app.services.auth.flush();
    const before = await digest(fromMysql.app.db);
    const again = await importLegacy(fromMysql.app.db, `mysql://root@127.0.0.1:3306/${DB}`);
    expect(again.alreadyImported).toBe(true);
    expect(again.products).toEqual({ imported: 0, inside: 0, out: 0, alreadyImported: 48 });
    expect(await digest(fromMysql.app.db)).toBe(before);
  });

  it.each([
    ['a database without the original tables', () => `mysql://root@127.0.0.1:3306/${EMPTY_DB}`, /is not an original freezer-manager database: no table User, Description_type/],
    ['a database that does not exist', () => `mysql://root@127.0.0.1:3306/${DB}_missing`, /^cannot connect to mysql:\/\/root@127\.0\.0\.1:3306\/fm_legacy_\w+_missing: ER_BAD_DB_ERROR/],
    ['a wrong password', () => `mysql://nobody_${suffix}:s3cr3t-pw@127.0.0.1:3306/${DB}`, /^cannot connect to mysql:\/\/nobody_\w+@127\.0\.0\.1:3306\/fm_legacy_\w+: ER_ACCESS_DENIED/],
  ])('refuses %s clearly and changes nothing', async (_what, source, message) => {
    const before = await digest(fromMysql.app.db);
    const error = await importLegacy(fromMysql.app.db, source()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(LegacyImportError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('s3cr3t-pw');
    expect(await digest(fromMysql.app.db)).toBe(before);
  });
});
