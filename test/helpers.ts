import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import SQLite from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { buildApp } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { isPostgres } from '../src/db/database.js';
import { expect } from 'vitest';
import { dropPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from './redis-helpers.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { TEST_DATABASE, createTestDatabase, openTestDatabase, type TestDatabase } from './test-database.js';

/** The database environment of each running server's data directory, for instances that share it. */
const databasesByDataDir = new Map<string, Record<string, string>>();

/** Where every test server's log lines are collected for the whole run; test/global-setup.ts makes one per run. */
export const SUITE_LOG_DIR = process.env.FM_TEST_LOG_DIR ?? path.join(os.tmpdir(), 'freezer-manager-test-logs');

export interface TestServer {
  app: FastifyInstance;
  url: string;
  config: Config;
  dataDir: string;
  /** Every log line the server wrote, as raw JSON text. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * A real server on a real database in a fresh temporary directory, listening on a loopback port: a
 * SQLite file there, or with FM_TEST_DATABASE=postgres a fresh PostgreSQL database of its own (dropped
 * on close), unless the test passes its own DATABASE_URL. Rate limits are off unless the test sets them.
 * With `shareDataDir`, a second instance on another server's data directory and database (which its
 * close() leaves in place). With `sqlite`, SQLite whatever FM_TEST_DATABASE says (for what only exists
 * on SQLite, such as the file backup).
 */
export async function startServer(env: Record<string, string> = {}, options: { shareDataDir?: string; sqlite?: boolean } = {}): Promise<TestServer> {
  const dataDir = options.shareDataDir ?? fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-test-'));
  const database: TestDatabase | undefined = env.DATABASE_URL === undefined && !options.shareDataDir && !options.sqlite ? await createTestDatabase() : undefined;
  const databaseEnv = options.shareDataDir ? (databasesByDataDir.get(options.shareDataDir) ?? {}) : (database?.env ?? {});
  if (database) databasesByDataDir.set(dataDir, database.env);
  // FM_TEST_REDIS=1 (npm run test:redis): every server shares state through Redis, under a prefix of its own.
  const redisEnv: Record<string, string> = process.env.FM_TEST_REDIS === '1' && !options.shareDataDir ? { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: uniqueRedisPrefix('suite') } : {};
  const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0', LOG_LEVEL: 'info', ...databaseEnv, ...redisEnv, ...env });
  const logs: string[] = [];
  // Every server's log also goes to one directory, which the global teardown searches for secrets.
  const logFile = path.join(SUITE_LOG_DIR, `${process.pid}-${path.basename(dataDir)}${options.shareDataDir ? `-${Date.now()}` : ''}.log`);
  fs.mkdirSync(SUITE_LOG_DIR, { recursive: true });
  const loggerStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = chunk.toString('utf8');
      logs.push(line);
      fs.appendFileSync(logFile, line);
      done();
    },
  });
  const app = await buildApp(config, { loggerStream });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return {
    app,
    url: `http://127.0.0.1:${address.port}`,
    config,
    dataDir,
    logs,
    async close() {
      await app.close();
      if (!options.shareDataDir) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        databasesByDataDir.delete(dataDir);
        await database?.drop();
      }
      if (redisEnv.REDIS_PREFIX) await dropPrefix(redisEnv.REDIS_PREFIX);
    },
  };
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is, with the given content type (for malformed bodies). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** One HTTP request over the network; parses JSON answers. */
export async function request<T = any>(base: string, method: string, url: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${base}${url}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

/**
 * A GET with exactly these headers and the bytes as sent: fetch would add its own Accept-Encoding and
 * undo a Content-Encoding.
 */
export function rawGet(base: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${url}`, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes: Buffer.concat(chunks) }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/** A client bound to one server and, optionally, one token. */
export function client(base: string, token?: string) {
  const call = <T = any>(method: string, url: string, options: RequestOptions = {}) =>
    request<T>(base, method, url, { ...(token ? { token } : {}), ...options });
  return {
    get: <T = any>(url: string, options?: RequestOptions) => call<T>('GET', url, options),
    post: <T = any>(url: string, body?: unknown, options?: RequestOptions) => call<T>('POST', url, { ...(body !== undefined ? { body } : {}), ...options }),
    patch: <T = any>(url: string, body?: unknown, options?: RequestOptions) => call<T>('PATCH', url, { ...(body !== undefined ? { body } : {}), ...options }),
    put: <T = any>(url: string, body?: unknown, options?: RequestOptions) => call<T>('PUT', url, { ...(body !== undefined ? { body } : {}), ...options }),
    delete: <T = any>(url: string, options?: RequestOptions) => call<T>('DELETE', url, options),
  };
}

export type Client = ReturnType<typeof client>;

let counter = 0;

/** An e-mail address no other test of this run uses. */
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${counter}-${Date.now()}@example.com`;
}

/** Registers a new account and returns its token and a client using it. */
export async function signUp(base: string, overrides: { email?: string; password?: string; language?: 'en' | 'fr' } = {}) {
  counter += 1;
  const email = overrides.email ?? `user${counter}-${Date.now()}@example.com`;
  const password = overrides.password ?? 'correct horse battery';
  const response = await request(base, 'POST', '/api/v1/users', {
    body: { email, password, ...(overrides.language ? { language: overrides.language } : {}) },
  });
  if (response.status !== 201) throw new Error(`sign-up failed: ${response.status} ${response.text}`);
  const token = response.body.token as string;
  return { email, password, token, user: response.body.user, api: client(base, token) };
}

/** Asserts the contract's problem+json shape and returns the body. */
export function expectProblem(response: ApiResponse, status: number): { type: string; title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> } {
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status}: ${response.text}`);
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/problem+json')) throw new Error(`expected problem+json, got ${contentType}`);
  const body = response.body;
  if (typeof body?.type !== 'string' || typeof body?.title !== 'string' || body?.status !== status || typeof body?.detail !== 'string' || !body.detail) {
    throw new Error(`not a problem body: ${response.text}`);
  }
  return body;
}

/** A calendar date n days from today (UTC). */
export function daysFromToday(n: number): string {
  return new Date(Date.now() + n * 86400_000).toISOString().slice(0, 10);
}

/** The tables of a server's database (SQLite or PostgreSQL), in name order; SQLite's own and FTS5's shadow tables included. */
export async function tableNames(db: Kysely<any>): Promise<string[]> {
  const { rows } = isPostgres(db)
    ? await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(db);
  return rows.map((t) => t.name);
}

/**
 * sha256 of every row of every table of a test server's database but the audit log and the photo
 * search index (derived from photos); token last-use times, touched on each authentication, are left
 * out. Rows are sorted by their JSON text, so the same logical rows give the same digest on SQLite and
 * PostgreSQL. Equal before and after a request: the request changed nothing. Also returns the table names.
 */
export async function databaseDigest(db: Kysely<any>): Promise<{ digest: string; tables: string[] }> {
  const tables = (await tableNames(db)).filter((name) => name !== 'audit_log' && !name.startsWith('photos_fts') && !name.startsWith('sqlite_'));
  const hash = createHash('sha256');
  for (const name of tables) {
    const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db)).rows;
    for (const row of rows) if (name === 'api_tokens') delete row.last_used_at;
    hash.update(`${name}\n${rows.map((row) => JSON.stringify(row)).sort().join('\n')}\n`);
  }
  return { digest: hash.digest('hex'), tables };
}

/**
 * Runs one statement on a test server's SQLite file through a connection of its own, as the CLI or a
 * script would (the server's connection does not see it as its own write); returns the rows it changed.
 */
export function writeFromAnotherConnection(server: TestServer, statement: string, ...params: unknown[]): number {
  const other = new SQLite(path.join(server.dataDir, 'freezer-manager.sqlite'));
  try {
    other.pragma('busy_timeout = 5000');
    return other.prepare(statement).run(...params).changes;
  } finally {
    other.close();
  }
}

/** A loopback port nobody listens on right now, for a server started as a separate process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Polls until fn() is true, or fails after timeoutMs. */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > until) expect.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
