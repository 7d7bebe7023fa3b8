/**
 * npm run bench -- --in-process: the add-product write without HTTP. `productsService.create` is called
 * in this process, --connections at a time, for --duration seconds after --warmup, on a fresh copy of the
 * dataset (SQLite, or PostgreSQL with --database postgres), --rounds times. It reports writes per second
 * and this process's CPU per write: on PostgreSQL that leaves out the server's backends, and counts what
 * each round trip costs the application (node-postgres, Kysely, the socket). The gap to the add-product
 * scenario is what the HTTP request around the write costs.
 */
import path from 'node:path';
import { openDatabase, type Db } from '../src/db/database.js';
import { createProductsService } from '../src/features/products/products.service.js';
import type { Actor } from '../src/lib/actor.js';
import { TYPE_WEIGHTS } from './lib/catalogue.js';
import type { BenchOptions } from './lib/args.js';
import { DATABASE_FILE, readTokens } from './dataset.js';
import { ensureDataset, runCopy } from './lib/prepared.js';
import { postgresRows, postgresRunCopy, preparePostgresDataset } from './lib/postgres.js';
import { pick, rng, weighted } from './lib/random.js';
import { newProduct } from './scenarios.js';

export interface InProcessRound {
  writes: number;
  writesPerSecond: number;
  cpuMsPerWrite: number;
  /** PostgreSQL: transactions rolled back during the round (serialization failures run again), from pg_stat_database. */
  rollbacks?: number;
}

/** pg_stat_database's rollbacks of one database (its statistics lag by up to half a second). */
async function rollbacksOf(url: string): Promise<number> {
  const [row] = await postgresRows<{ n: string }>(url, 'select pg_stat_clear_snapshot(), xact_rollback as n from pg_stat_database where datname = current_database()');
  return Number(row?.n ?? 0);
}

async function round(options: BenchOptions, pristineDir: string, number: number, say: (line: string) => void): Promise<InProcessRound> {
  const key = path.basename(path.dirname(pristineDir));
  const url = options.database === 'postgres' ? await postgresRunCopy(options.postgresUrl, key) : undefined;
  const db: Db = url
    ? openDatabase({ kind: 'postgres', url, poolMax: 10 })
    : openDatabase({ kind: 'sqlite', file: path.join(runCopy(pristineDir), DATABASE_FILE) }, { backgroundCheckpoints: true });
  try {
    const products = createProductsService(db);
    const random = rng(options.seed + number);
    const drawType = weighted(TYPE_WEIGHTS);
    const writers = readTokens(pristineDir).users.filter((u) => u.freezers.length > 0);
    const write = async () => {
      const user = pick(random, writers);
      const actor: Actor = { userId: user.id, role: 'user', language: user.language, ip: '127.0.0.1' };
      await products.create(actor, newProduct(random, user, drawType));
    };
    const load = async (seconds: number): Promise<number> => {
      const until = performance.now() + seconds * 1000;
      let done = 0;
      await Promise.all(
        Array.from({ length: options.connections }, async () => {
          while (performance.now() < until) {
            await write();
            done += 1;
          }
        }),
      );
      return done;
    };
    await load(options.warmup);
    const rollbacksBefore = url ? await rollbacksOf(url) : 0;
    const cpu = process.cpuUsage();
    const started = performance.now();
    const writes = await load(options.duration);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    // Let the statistics collector catch up before reading the rollbacks.
    if (url) await new Promise((resolve) => setTimeout(resolve, 700));
    const result: InProcessRound = {
      writes,
      writesPerSecond: Math.round(writes / seconds),
      cpuMsPerWrite: Math.round(((used.user + used.system) / 1000 / writes) * 1000) / 1000,
      ...(url ? { rollbacks: (await rollbacksOf(url)) - rollbacksBefore } : {}),
    };
    say(`  ${result.writesPerSecond} writes/s, ${result.cpuMsPerWrite} ms of CPU per write${result.rollbacks === undefined ? '' : `, ${result.rollbacks} rolled back and run again`}`);
    return result;
  } finally {
    await db.destroy();
  }
}

/** Runs the rounds and returns the report (Markdown). */
export async function inProcess(options: BenchOptions, say: (line: string) => void): Promise<string> {
  const data = await ensureDataset(options, say);
  if (options.database === 'postgres') {
    const key = path.basename(path.dirname(data.dir));
    await preparePostgresDataset({ adminUrl: options.postgresUrl, key, sqliteFile: path.join(data.dir, DATABASE_FILE), generatedAt: data.manifest.createdAt, log: say });
  }
  const rounds: InProcessRound[] = [];
  for (let i = 1; i <= options.rounds; i += 1) {
    say(`round ${i} of ${options.rounds}: productsService.create, ${options.connections} at a time, ${options.duration} s (${options.database})`);
    rounds.push(await round(options, data.dir, i, say));
  }
  const lines = [
    `### add-product in process (${options.database}), ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${options.connections} calls of productsService.create at a time, ${options.duration} s measured after ${options.warmup} s of warm-up, a fresh copy of the dataset per round.`,
    '',
    '| round | writes/s | CPU ms per write (this process) | rolled back |',
    '|--:|--:|--:|--:|',
    ...rounds.map((r, i) => `| ${i + 1} | ${r.writesPerSecond.toLocaleString('en-US')} | ${r.cpuMsPerWrite} | ${r.rollbacks ?? '—'} |`),
  ];
  return lines.join('\n');
}
