import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let runDir = '';
let logDir = '';
let dropTemplate: (() => Promise<void>) | undefined;

/**
 * Token-shaped strings that must never reach a log: our API, session and reset tokens (fm_, fms_, fmr_
 * followed by 43 base64url characters) and the original system's 64-hex tokens (seed API, imports).
 */
const SECRET_PATTERNS = [/\bfm[sr]?_[A-Za-z0-9_-]{43}\b/, /\b[0-9a-f]{64}\b/];

/**
 * A directory of this run's own (test workers inherit the variables), so parallel runs do not mix:
 * logs/ for every test server's log, tmp/ for temporary files, removed after the run.
 */
export async function setup(): Promise<void> {
  runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-test-run-'));
  logDir = path.join(runDir, 'logs');
  fs.mkdirSync(logDir);
  fs.mkdirSync(path.join(runDir, 'tmp'));
  process.env.FM_TEST_LOG_DIR = logDir;
  process.env.FM_TEST_TMP_DIR = path.join(runDir, 'tmp');
  if (process.env.FM_TEST_DATABASE === 'postgres') {
    // One migrated PostgreSQL database per run; every test database is a copy of it (test/test-database.ts).
    const { createTemplateDatabase } = await import('./test-database.js');
    const template = await createTemplateDatabase();
    process.env.FM_TEST_POSTGRES_TEMPLATE = template.name;
    dropTemplate = template.drop;
  }
}

/** After the whole suite: every log line of every test server is searched for a token. */
export async function teardown(): Promise<void> {
  await dropTemplate?.();
  const leaks: string[] = [];
  let lines = 0;
  for (const file of fs.readdirSync(logDir)) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (!line) continue;
      lines += 1;
      if (SECRET_PATTERNS.some((pattern) => pattern.test(line))) leaks.push(`${file}: ${line.slice(0, 300)}`);
    }
  }
  fs.rmSync(runDir, { recursive: true, force: true });
  if (leaks.length) {
    throw new Error(`${leaks.length} log line(s) hold a token:\n${leaks.slice(0, 10).join('\n')}`);
  }
  console.log(`log check: ${lines} server log lines, no token in any`);
}
