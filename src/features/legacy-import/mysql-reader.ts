import mysql from 'mysql2/promise';
import { LEGACY_TABLE_NAMES, LEGACY_TABLES, LegacyImportError, type LegacyRow, type LegacyTables, type LegacyValue } from './legacy.types.js';

/** The URL as it may be printed: user, host, port and database, never the password or the options. */
export function describeMysqlUrl(source: string): string {
  try {
    const url = new URL(source);
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return `${url.protocol}//${user}${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'mysql://(unreadable URL)';
  }
}

function connectionOptions(source: string): mysql.ConnectionOptions {
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new LegacyImportError('the MySQL URL cannot be read; expected mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database || database.includes('/')) throw new LegacyImportError(`${describeMysqlUrl(source)} names no database; expected mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE`);
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    charset: 'utf8mb4',
    // Calendar dates as 'YYYY-MM-DD' text, as the dump has them: no time zone can shift a day.
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: false,
    connectTimeout: 10_000,
  };
}

function toValue(value: unknown): LegacyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value);
}

/** Reads the original freezer manager's tables from a running MySQL or MariaDB server (read-only). */
export async function readMysql(source: string): Promise<LegacyTables> {
  const options = connectionOptions(source);
  const where = describeMysqlUrl(source);
  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection(options);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new LegacyImportError(`cannot connect to ${where}: ${e.code ?? ''}${e.code && e.message ? ' ' : ''}${(e.message ?? String(err)).split('\n')[0]}`.trim());
  }
  try {
    const [listed] = await connection.query<mysql.RowDataPacket[]>('SHOW TABLES');
    const names = new Map<string, string>();
    for (const row of listed) {
      const name = String(Object.values(row)[0]);
      names.set(name.toLowerCase(), name);
    }
    const missing = LEGACY_TABLE_NAMES.filter((table) => !names.has(table.toLowerCase()));
    if (missing.length) {
      throw new LegacyImportError(`${where} is not an original freezer-manager database: no table ${missing.join(', ')}`);
    }
    const tables = {} as LegacyTables;
    for (const table of LEGACY_TABLE_NAMES) {
      const actual = names.get(table.toLowerCase())!;
      const [rows, fields] = await connection.query<mysql.RowDataPacket[]>(`SELECT * FROM ${connection.escapeId(actual)}`);
      const columns = new Set(fields.map((f) => f.name.toLowerCase()));
      const absent = LEGACY_TABLES[table].filter((c) => !columns.has(c));
      if (absent.length) throw new LegacyImportError(`${where} is not an original freezer-manager database: table ${table} has no column ${absent.join(', ')}`);
      tables[table] = rows.map((row) => {
        const out: LegacyRow = {};
        for (const [key, value] of Object.entries(row)) out[key.toLowerCase()] = toValue(value);
        return out;
      });
    }
    return tables;
  } catch (err) {
    if (err instanceof LegacyImportError) throw err;
    const e = err as { code?: string; message?: string };
    throw new LegacyImportError(`cannot read ${where}: ${e.code ?? ''} ${(e.message ?? String(err)).split('\n')[0]}`.trim());
  } finally {
    await connection.end().catch(() => undefined);
  }
}
