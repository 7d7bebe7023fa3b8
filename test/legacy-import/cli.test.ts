import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestDatabase, tableNames, type TestDatabase } from '../helpers.js';
import { DUMP } from './legacy-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-legacy-cli-'));
// On PostgreSQL, an empty database of its own; on SQLite, the file the CLI makes in dataDir.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase({ empty: true });
});
afterAll(async () => {
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The tables of the CLI's database: none until something opened and migrated it. */
async function tablesNow(): Promise<string[]> {
  if (!database.env.DATABASE_URL) return fs.existsSync(path.join(dataDir, 'freezer-manager.sqlite')) ? ['(the SQLite file)'] : [];
  const db = openDatabase(loadConfig({ DATA_DIR: dataDir, ...database.env }).database);
  try {
    return await tableNames(db);
  } finally {
    await db.destroy();
  }
}

/** Runs the CLI from the sources, as `freezer-manager ARGS`, on a data directory of its own. */
function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/vite-node'),
      [path.join(root, 'src/cli/index.ts'), ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...database.env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('freezer-manager import-legacy', () => {
  it('imports the dump and prints the summary, then refuses what it cannot read with exit code 1 and one line', async () => {
    const missing = await cli('import-legacy', '/nonexistent/freezer.sql');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trim().split('\n')).toEqual(['import-legacy: no such file: /nonexistent/freezer.sql']);
    // Refused before the database is even opened.
    expect(fs.readdirSync(dataDir)).toEqual([]);
    expect(await tablesNow()).toEqual([]);

    const imported = await cli('import-legacy', DUMP);

    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain(`Imported from dump ${DUMP}:`);
    expect(imported.stdout).toMatch(/users: +2\n/);
    expect(imported.stdout).toMatch(/freezers: +5\n/);
    expect(imported.stdout).toMatch(/types: +43 matched, 0 created\n/);
    expect(imported.stdout).toMatch(/products: +48 \(45 inside, 3 out\)\n/);
    expect(imported.stdout).toContain('- user "test2": not a valid e-mail address; imported as test2@legacy.invalid');

  }, 60_000);
});
