/**
 * npm run bench -- --explain: what the database does for each scenario, without HTTP.
 *
 * Calls the real services on a scratch copy of the dataset through a Kysely instance that records every
 * query, then prints, for each distinct query: its SQL, SQLite's EXPLAIN QUERY PLAN, and how long it takes
 * run directly with better-sqlite3 (median of repeated runs). The gap between these times and a
 * scenario's latency at one connection is what the HTTP layer costs.
 */
import fs from 'node:fs';
import path from 'node:path';
import type SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqlite } from '../src/db/database.js';
import type { Database } from '../src/db/types.js';
import { createProductsService } from '../src/features/products/products.service.js';
import { createAuthService } from '../src/features/sessions/auth.service.js';
import { createTrendsService } from '../src/features/trends/trends.service.js';
import { createMemoryCache } from '../src/lib/cache.js';
import type { Actor } from '../src/lib/actor.js';
import { DATABASE_FILE, readTokens, type BenchUser } from './dataset.js';
import { REPO_DIR } from './lib/paths.js';

interface Captured {
  sql: string;
  params: readonly unknown[];
}

/** The application's own connection (openSqlite), with a query log. */
function open(file: string, log: Captured[]): { db: Kysely<Database>; sqlite: SQLite.Database } {
  const sqlite = openSqlite(file);
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: (event) => {
      if (event.level === 'query') log.push({ sql: event.query.sql, params: event.query.parameters });
    },
  });
  return { db, sqlite };
}

function medianMs(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Math.round((times[Math.floor(times.length / 2)] as number) * 1000) / 1000;
}

export async function explain(pristineDir: string, outFile: string | undefined): Promise<string> {
  const scratch = path.join(path.dirname(pristineDir), 'explain');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  const file = path.join(scratch, DATABASE_FILE);
  fs.copyFileSync(path.join(pristineDir, DATABASE_FILE), file);
  const tokens = readTokens(pristineDir);

  const log: Captured[] = [];
  const { db, sqlite } = open(file, log);
  const counts = new Map(
    (sqlite.prepare('select m.user_id, count(*) n from products p join freezer_members m on m.freezer_id = p.freezer_id group by m.user_id').all() as Array<{ user_id: number; n: number }>).map(
      (r) => [r.user_id, r.n],
    ),
  );
  const byCount = tokens.users.filter((u) => counts.has(u.id)).sort((a, b) => (counts.get(a.id) ?? 0) - (counts.get(b.id) ?? 0));
  const typical = byCount[Math.floor(byCount.length / 2)] as BenchUser;
  const heaviest = byCount[byCount.length - 1] as BenchUser;
  const actor = (u: BenchUser): Actor => ({ userId: u.id, role: 'user', language: u.language, ip: '127.0.0.1' });
  const products = createProductsService(db);
  // A cache that keeps nothing: this report is about the queries themselves.
  const trends = createTrendsService(db);
  const auth = createAuthService(db, { sessionTtlDays: 30 });

  const steps: Array<{ name: string; run: () => Promise<unknown>; read: boolean }> = [];
  for (const [label, user] of [
    ['typical user', typical],
    ['heaviest user', heaviest],
  ] as const) {
    const freezerId = (user.freezers[0] as { id: number }).id;
    const who = `${label}, ${counts.get(user.id)} product rows`;
    steps.push(
      { name: `auth (every request): token lookup, ${who}`, read: true, run: () => auth.authenticateToken(user.token) },
      { name: `list-inside, ${who}`, read: true, run: () => products.list(actor(user), { status: 'inside', freezerId }) },
      { name: `search "soupe", ${who}`, read: true, run: () => products.list(actor(user), { q: 'soupe' }) },
      { name: `seed-get-product (all, location order), ${who}`, read: true, run: () => products.list(actor(user), { status: 'all', sort: 'location', order: 'asc', limit: 1_000_000 }) },
      { name: `trends-personal, ${who}`, read: true, run: () => trends.personal(actor(user)) },
    );
  }
  steps.push({ name: 'trends-general (any user)', read: true, run: () => trends.general(actor(typical)) });
  const freezer = typical.freezers[0] as { id: number; boxCount: number };
  let createdId = 0;
  steps.push({
    name: 'add-product (typical user), whole transaction',
    read: false,
    run: async () => {
      createdId = (await products.create(actor(typical), { name: 'Bench soup', typeId: 1, freezerId: freezer.id, box: 1, quantity: 3 })).id;
    },
  });
  steps.push({ name: 'take-out one portion (typical user), whole transaction', read: false, run: () => products.takeOut(actor(typical), createdId, { portions: 1 }) });

  const out: string[] = [
    `# What the database does per scenario`,
    '',
    `Dataset ${path.relative(REPO_DIR, pristineDir)}; typical user ${typical.id} (${counts.get(typical.id)} product rows), heaviest user ${heaviest.id} (${counts.get(heaviest.id)}).`,
    'Times: the query alone through better-sqlite3, median of 20 runs. No sqlite_stat1: the application never runs ANALYZE.',
    '',
  ];
  for (const step of steps) {
    log.length = 0;
    const t = performance.now();
    await step.run();
    const serviceMs = Math.round((performance.now() - t) * 1000) / 1000;
    const queries = log.slice();
    out.push(`## ${step.name}`, '', `Service call (Kysely + queries, first run): ${serviceMs} ms; ${queries.length} queries.`, '');
    for (const q of queries) {
      const params = q.params.map((p) => (typeof p === 'string' && p.length > 40 ? `${p.slice(0, 12)}…` : p));
      const head = q.sql.trimStart().slice(0, 6).toLowerCase();
      const isRead = head.startsWith('select');
      let plan = '';
      let ms: number | string = '—';
      try {
        const statement = sqlite.prepare(q.sql);
        const explainRows = sqlite.prepare(`explain query plan ${q.sql}`).all(...(q.params as unknown[])) as Array<{ id: number; parent: number; detail: string }>;
        const depth = new Map<number, number>([[0, -1]]);
        plan = explainRows
          .map((r) => {
            const d = (depth.get(r.parent) ?? -1) + 1;
            depth.set(r.id, d);
            return `${'  '.repeat(d)}${r.detail}`;
          })
          .join('\n');
        if (isRead && step.read) ms = medianMs(() => statement.all(...(q.params as unknown[])), 20);
      } catch (err) {
        plan = `(cannot explain: ${(err as Error).message})`;
      }
      out.push('```sql', q.sql, `-- params: ${JSON.stringify(params)}`, '```', '', `time alone: ${ms} ms`, '', '```', plan, '```', '');
    }
  }
  await db.destroy();
  const text = out.join('\n');
  if (outFile) {
    fs.mkdirSync(path.dirname(outFile), { recursive: true });
    fs.writeFileSync(outFile, text);
  }
  return text;
}
