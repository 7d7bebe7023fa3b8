import fs from 'node:fs';
import path from 'node:path';
import { SUITE_LOG_DIR } from './helpers.js';

/**
 * Token-shaped strings that must never reach a log: our API, session and reset tokens (fm_, fms_, fmr_
 * followed by 43 base64url characters) and the original system's 64-hex tokens (seed API, imports).
 */
const SECRET_PATTERNS = [/\bfm[sr]?_[A-Za-z0-9_-]{43}\b/, /\b[0-9a-f]{64}\b/];

export function setup(): void {
  fs.rmSync(SUITE_LOG_DIR, { recursive: true, force: true });
  fs.mkdirSync(SUITE_LOG_DIR, { recursive: true });
}

/** After the whole suite: every log line of every test server is searched for a token. */
export function teardown(): void {
  const leaks: string[] = [];
  let lines = 0;
  for (const file of fs.existsSync(SUITE_LOG_DIR) ? fs.readdirSync(SUITE_LOG_DIR) : []) {
    for (const line of fs.readFileSync(path.join(SUITE_LOG_DIR, file), 'utf8').split('\n')) {
      if (!line) continue;
      lines += 1;
      if (SECRET_PATTERNS.some((pattern) => pattern.test(line))) leaks.push(`${file}: ${line.slice(0, 300)}`);
    }
  }
  if (leaks.length) {
    throw new Error(`${leaks.length} log line(s) hold a token:\n${leaks.slice(0, 10).join('\n')}`);
  }
  console.log(`log check: ${lines} server log lines, no token in any`);
}
