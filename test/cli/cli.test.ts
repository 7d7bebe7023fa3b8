import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, freePort, signUp, startServer, tableNames, type TestDatabase } from '../helpers.js';
import { dropPrefix, TEST_REDIS_URL, uniqueRedisPrefix } from '../redis-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-cli-'));
// On PostgreSQL, an empty database of its own (the CLI migrates it); on SQLite, the file in dataDir.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `freezer-manager ARGS` from the sources on a data directory of its own. */
function cli(args: string[], env: Record<string, string> = {}, timeout = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/vite-node'),
      [path.join(root, 'src/cli/index.ts'), ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...database.env, ...env }, timeout },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('freezer-manager', { timeout: 60_000 }, () => {
  it('migrate creates the schema once, then says it is up to date', async () => {
    const first = await cli(['migrate']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('Applied: 20261122_0001_initial');
    const db = openDatabase(loadConfig({ DATA_DIR: dataDir, ...database.env }).database);
    try {
      expect(await tableNames(db)).toEqual(expect.arrayContaining(['users', 'products', 'photos', 'kysely_migration']));
    } finally {
      await db.destroy();
    }
    const second = await cli(['migrate']);
    expect(second.stdout.trim()).toBe('The database is up to date.');
  });

  it('user create --admin makes an administrator whose printed token and password work', async () => {
    const created = await cli(['user', 'create', '--email', 'Chef@Example.com', '--admin', '--language', 'fr']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('Created admin chef@example.com');
    const password = /Password: (\S+)/.exec(created.stdout)?.[1];
    const token = /API token \(shown once\): (\S+)/.exec(created.stdout)?.[1];
    expect(password).toBeTruthy();
    expect(token).toMatch(/^fm_/);

    const again = await cli(['user', 'create', '--email', 'chef@example.com']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');

    const server = await startServer({ DATA_DIR: dataDir, ...database.env });
    try {
      const me = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(await me.json()).toMatchObject({ email: 'chef@example.com', role: 'admin', language: 'fr' });
      const login = await fetch(`${server.url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'chef@example.com', password }),
      });
      expect(login.status).toBe(201);
    } finally {
      await server.app.close();
    }
  });

  it('refuses bad arguments and bad configuration with a clear message and a non-zero exit', async () => {
    // Independent invocations that touch no database: run them side by side.
    const [unknown, noEmail, shortPassword, badLanguage, badConfig, help] = await Promise.all([
      cli(['frobnicate']),
      cli(['user', 'create']),
      cli(['user', 'create', '--email', 'x@example.com', '--password', 'short']),
      cli(['user', 'create', '--email', 'x@example.com', '--language', 'de']),
      cli(['migrate'], { PORT: 'eighty' }),
      cli(['help']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('Usage: freezer-manager');
    expect(shortPassword.code).toBe(2);
    expect(shortPassword.stderr).toContain('at least 8 characters');
    expect(badLanguage.code).toBe(2);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toContain('Configuration error: PORT must be a whole number');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('seed --demo');
  });

  it('fails clearly on a PostgreSQL server it cannot reach, without printing the URL’s password', async () => {
    const port = await freePort(); // nothing listens on it
    const unreachable = await cli(['migrate'], { DATABASE_URL: `postgres://freezer:pg-s3cret-pw@127.0.0.1:${port}/freezer` });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    expect(unreachable.stdout + unreachable.stderr).not.toContain('pg-s3cret-pw');
    const badPool = await cli(['migrate'], { DATABASE_URL: 'postgres://freezer:pg-s3cret-pw@127.0.0.1/freezer', DATABASE_POOL_MAX: 'lots' });
    expect(badPool.code).toBe(1);
    expect(badPool.stderr).toContain('Configuration error: DATABASE_POOL_MAX must be a whole number');
    expect(badPool.stdout + badPool.stderr).not.toContain('pg-s3cret-pw');
  });

  it('seed --demo with REDIS_URL retires the trends a running server has cached', { timeout: 90_000 }, async () => {
    const prefix = uniqueRedisPrefix('cli');
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix };
    const server = await startServer({ DATA_DIR: dataDir, ...database.env, ...env });
    try {
      const user = await signUp(server.url);
      const products = async () => ((await user.api.get('/api/v1/trends/general')).body as Array<{ freq: number }>).reduce((n, t) => n + t.freq, 0);
      const before = await products();
      const hits = server.app.services.cache.stats().hits;
      expect(await products()).toBe(before);
      expect(server.app.services.cache.stats().hits).toBe(hits + 1);
      const seeded = await cli(['seed', '--demo'], env, 80_000);
      expect(seeded.code, seeded.stderr).toBe(0);
      expect(seeded.stderr).toBe('');
      expect(await products()).toBeGreaterThan(before + 100);
    } finally {
      await server.app.close();
      await dropPrefix(prefix);
    }
  });

  it('serve with an unreachable REDIS_URL exits 1 with a one-line start-up error', { timeout: 90_000 }, async () => {
    // `serve` loads the whole app from source: slow on a busy machine.
    const result = await cli(['serve'], { PORT: '0', REDIS_URL: 'redis://:pw-not-shown@127.0.0.1:1' }, 80_000);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^Start-up error: Redis is not reachable at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): connect ECONNREFUSED/);
    expect(result.stderr).not.toContain('pw-not-shown');
    expect(result.stderr).not.toContain('    at ');
  });
});
